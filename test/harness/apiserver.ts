// kube-apiserver for one control plane (flags: ../shared/docs/admission-contract.md 2.2).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlanePki } from './pki.ts';
import { freeLoopbackPort, isAddressInUse } from './ports.ts';
import { logTail, startProcess, stopProcess, type ManagedProcess } from './processes.ts';
import { waitUntilHealthy } from './readiness.ts';

export interface ApiServerSettings {
  readonly binary: string;
  readonly workDir: string;
  readonly etcdUrl: string;
  readonly pki: ControlPlanePki;
  readonly auditLogPath: string | undefined;
  readonly outliveParent: boolean;
  /** Appended to the flags above, e.g. `--admission-control-config-file=...`. */
  readonly extraArgs?: readonly string[];
  /**
   * Serve a cluster with nodes (test/harness/node-cluster.ts) instead of the loopback-only
   * control plane: bind and advertise an address on the test's own bridge, so that pods
   * reach the API server through the `kubernetes` Service, and issue ServiceAccount tokens.
   */
  readonly network?: ApiServerNetwork;
}

export interface ApiServerNetwork {
  /** The node's address on the bridge the test created (never a loopback address). */
  readonly address: string;
  /** ClusterIP range, answered by the cluster's kube-proxy and routed to the bridge. */
  readonly serviceCidr: string;
}

export interface RunningApiServer {
  readonly process: ManagedProcess;
  readonly port: number;
}

// Metadata level records the webhooks' auditAnnotations, which is what the tests read.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
`;

/** The address kube-apiserver binds, advertises and is reached at. */
export function apiServerHost(settings: ApiServerSettings): string {
  return settings.network?.address ?? '127.0.0.1';
}

export function apiServerArgs(settings: ApiServerSettings, port: number): string[] {
  const { pki, network } = settings;
  const host = apiServerHost(settings);
  const args = [
    // Without it, kube-apiserver derives its address from the default route and fails
    // to start where there is none ("Unable to find suitable network address").
    `--advertise-address=${host}`,
    `--bind-address=${host}`,
    `--secure-port=${port}`,
    `--etcd-servers=${settings.etcdUrl}`,
    `--cert-dir=${join(settings.workDir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCertPath}`,
    `--tls-private-key-file=${pki.servingKeyPath}`,
    `--client-ca-file=${pki.caCertPath}`,
    `--token-auth-file=${pki.tokenFilePath}`,
    // Under RBAC anonymous requests stay enabled, so /readyz answers without
    // credentials (system:public-info-viewer); AlwaysAllow would turn anonymous off.
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://${host}:${port}`,
    `--service-account-key-file=${pki.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyPath}`,
    `--service-cluster-ip-range=${network?.serviceCidr ?? '10.0.0.0/24'}`,
    '--allow-privileged=true',
    '--v=1',
  ];
  if (network === undefined) {
    args.push(
      // No controller-manager creates default ServiceAccounts, so the plugin would
      // refuse every pod; nothing here needs it.
      '--disable-admission-plugins=ServiceAccount',
      // The loopback advertise address is not a reachable endpoint for the
      // "kubernetes" Service; do not keep reconciling it.
      '--endpoint-reconciler-type=none',
    );
  } else {
    // The kubelet's serving certificate is self-signed; the node's address is the one
    // on the test's bridge.
    args.push('--kubelet-preferred-address-types=InternalIP');
  }
  if (settings.auditLogPath !== undefined) {
    args.push(
      `--audit-policy-file=${join(settings.workDir, 'audit-policy.yaml')}`,
      `--audit-log-path=${settings.auditLogPath}`,
      '--audit-log-format=json',
    );
  }
  args.push(...(settings.extraArgs ?? []));
  return args;
}

const attempts = 5;

/**
 * Starts kube-apiserver and waits for /readyz. With `port`, it must come back on that
 * port (a restart keeps the kubeconfig valid); otherwise a free one is chosen and a
 * lost port race is retried.
 */
export async function startApiServer(
  settings: ApiServerSettings,
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<RunningApiServer> {
  await mkdir(join(settings.workDir, 'apiserver-certs'), { recursive: true });
  if (settings.auditLogPath !== undefined)
    await writeFile(join(settings.workDir, 'audit-policy.yaml'), auditPolicy);
  const logPath = join(settings.workDir, 'kube-apiserver.log');
  let lastFailure = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port ?? (await freeLoopbackPort());
    const proc = startProcess({
      name: 'kube-apiserver',
      command: settings.binary,
      args: apiServerArgs(settings, port),
      logPath,
      outliveParent: settings.outliveParent,
    });
    const outcome = await waitUntilHealthy(
      `https://${apiServerHost(settings)}:${port}/readyz`,
      proc,
      {
        ca: settings.pki.caPem,
        timeoutMs: opts.timeoutMs ?? 60_000,
      },
    );
    if (outcome.ready) return { process: proc, port };
    await stopProcess(proc, 2000);
    const tail = await logTail(logPath);
    lastFailure = `${outcome.reason}\n--- kube-apiserver.log (tail) ---\n${tail}`;
    if (opts.port !== undefined || !isAddressInUse(tail)) break;
  }
  throw new Error(`kube-apiserver did not become ready: ${lastFailure}`);
}
