// A real Kubernetes control plane (etcd + kube-apiserver as local processes) for the
// end-to-end tests and `npm run cluster:up`. See ../shared/docs/admission-contract.md
// part 2 for the flags and the start-up sequence.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiServerHost,
  startApiServer as launchApiServer,
  type ApiServerNetwork,
  type ApiServerSettings,
  type RunningApiServer,
} from './apiserver.ts';
import { ensureBinaries } from './binaries.ts';
import { crdFiles, installCrds, type CrdSource } from './crds.ts';
import { startEtcd, type RunningEtcd } from './etcd.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kubectlFor, type KubectlOptions, type KubectlResult } from './kubectl.ts';
import { writeControlPlanePki } from './pki.ts';
import { forgetRemoveOnExit, removeOnExit, stopProcess, type ManagedProcess } from './processes.ts';

/**
 * A control-plane process that ends while nobody is stopping it would otherwise show only as
 * "connection refused" from the next kubectl, and its log goes with the work dir. Say at once
 * how it ended, with its log tail, so a CI run that lost one can be diagnosed.
 */
function reportUnexpectedExit(proc: ManagedProcess, stopping: ReadonlySet<ManagedProcess>): void {
  void proc.exited.then(async (how) => {
    if (stopping.has(proc)) return;
    const log = await readFile(proc.logPath, 'utf8').catch(() => '(no log)');
    const lines = log.trimEnd().split('\n');
    // A Go crash prints its reason first and then every goroutine: the tail alone is stacks.
    const crashAt = lines.findIndex((line) => /^(panic: |fatal error: )/.test(line));
    const quote = (part: string[]): string => part.map((line) => `# ${line}`).join('\n');
    process.stderr.write(
      `# ${proc.name} (pid ${proc.pid}) exited unexpectedly: ${how}\n` +
        (crashAt < 0
          ? ''
          : `# --- how it crashed ---\n${quote(lines.slice(crashAt, crashAt + 40))}\n`) +
        `# --- ${proc.logPath} (tail) ---\n${quote(lines.slice(-60))}\n`,
    );
  });
}

export interface ControlPlane {
  readonly kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Bearer token of `admin` in group system:masters. */
  readonly adminToken: string;
  /** The CA that signed the API server's serving certificate (also its client CA). */
  readonly caPem: string;
  readonly binDir: string;
  readonly workDir: string;
  /** JSON audit log (Metadata level) when started with `auditLog: true`. */
  readonly auditLogPath: string | undefined;
  /** CRD names installed at start, e.g. `mcpserverentries.toolhive.stacklok.dev`. */
  readonly installedCrds: readonly string[];
  // Function-typed properties rather than methods: every one is a closure, so passing
  // `cp.kubectl` around on its own is safe (and typescript-eslint's unbound-method agrees).
  readonly kubectl: (args: string[], opts?: KubectlOptions) => Promise<KubectlResult>;
  /** Stops kube-apiserver and starts it again on the same port; etcd keeps the data. */
  readonly restartApiServer: () => Promise<void>;
  readonly stopApiServer: () => Promise<void>;
  readonly startApiServer: () => Promise<void>;
  /** Process group ids, for `cluster:up` to record; undefined while stopped. */
  readonly processIds: () => {
    readonly etcd: number | undefined;
    readonly kubeApiServer: number | undefined;
  };
  /** Stops both processes and removes the work dir. Safe to call twice. */
  readonly stop: () => Promise<void>;
}

export interface StartControlPlaneOptions {
  /** Default 'project' (deploy/crds/). */
  readonly crds?: CrdSource;
  readonly auditLog?: boolean;
  /**
   * Keep etcd and kube-apiserver running after this Node process ends, and do not
   * remove the work dir on exit (`npm run cluster:up`). Default false.
   */
  readonly outliveParent?: boolean;
  /**
   * More kube-apiserver flags, appended after the harness's own (the client-certificate e2e
   * test passes `--admission-control-config-file`). Files they name are the caller's.
   */
  readonly extraApiServerArgs?: readonly string[];
  /**
   * For a cluster with a node (node-cluster.ts): the API server binds and advertises this
   * bridge address instead of 127.0.0.1, issues ServiceAccount tokens and reconciles the
   * `kubernetes` Service's endpoints. `serviceIp` is that Service's ClusterIP (a SAN of the
   * serving certificate). Unset, the control plane stays on loopback as before.
   */
  readonly network?: ApiServerNetwork & { readonly serviceIp: string };
  /** Where the work dir is created (default the OS temp dir). */
  readonly workDirParent?: string;
  /**
   * The test/tools toolset whose kube-apiserver runs (default `controlplane`, Kubernetes 1.34);
   * `controlplane-1.30` is the oldest minor the chart supports (the version matrix).
   */
  readonly apiServerToolset?: string;
}

export async function startControlPlane(
  opts: StartControlPlaneOptions = {},
): Promise<ControlPlane> {
  const outliveParent = opts.outliveParent ?? false;
  const binaries = await ensureBinaries(opts.apiServerToolset);
  const workDir = await mkdtemp(join(opts.workDirParent ?? tmpdir(), 'mcpentry-controlplane-'));
  if (!outliveParent) removeOnExit(workDir);
  let etcd: RunningEtcd | undefined;
  let apiServer: RunningApiServer | undefined;
  // Processes this control plane is stopping on purpose; any other exit is reported.
  const stopping = new Set<ManagedProcess>();
  const cleanUp = async (): Promise<void> => {
    if (apiServer !== undefined) stopping.add(apiServer.process);
    if (etcd !== undefined) stopping.add(etcd.process);
    if (apiServer !== undefined) await stopProcess(apiServer.process);
    if (etcd !== undefined) await stopProcess(etcd.process);
    apiServer = undefined;
    etcd = undefined;
    await rm(workDir, { recursive: true, force: true });
    forgetRemoveOnExit(workDir);
  };
  try {
    const network = opts.network;
    const pki = await writeControlPlanePki(
      workDir,
      network === undefined ? [] : [network.address, network.serviceIp],
    );
    etcd = await startEtcd({ binary: binaries.etcd, workDir, outliveParent });
    reportUnexpectedExit(etcd.process, stopping);
    const settings: ApiServerSettings = {
      binary: binaries.kubeApiServer,
      workDir,
      etcdUrl: etcd.clientUrl,
      pki,
      auditLogPath: opts.auditLog === true ? join(workDir, 'audit.log') : undefined,
      outliveParent,
      extraArgs: opts.extraApiServerArgs ?? [],
      ...(network === undefined
        ? {}
        : { network: { address: network.address, serviceCidr: network.serviceCidr } }),
    };
    const launch = async (port?: number): Promise<RunningApiServer> => {
      const started = await launchApiServer(settings, port === undefined ? {} : { port });
      reportUnexpectedExit(started.process, stopping);
      return started;
    };
    apiServer = await launch();
    const port = apiServer.port;
    const server = `https://${apiServerHost(settings)}:${port}`;
    const kubeconfigPath = join(workDir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, { server, caPem: pki.caPem, token: pki.adminToken });
    const runKubectl = kubectlFor(binaries.kubectl, kubeconfigPath, join(workDir, 'kubectl-cache'));
    // A failed kubectl says so when the control plane behind it has died.
    const kubectl: ControlPlane['kubectl'] = async (args, kubectlOpts) => {
      try {
        return await runKubectl(args, kubectlOpts);
      } catch (error) {
        const died = [apiServer?.process, etcd?.process]
          .filter((p): p is ManagedProcess => p !== undefined && p.hasExited())
          .map((p) => `${p.name} (pid ${p.pid}) has exited`);
        if (died.length === 0 || !(error instanceof Error)) throw error;
        throw new Error(`${error.message}\n(${died.join('; ')}; its log tail is above)`, {
          cause: error,
        });
      }
    };
    const installedCrds = await installCrds(kubectl, await crdFiles(opts.crds ?? 'project'));

    const stopApiServer = async (): Promise<void> => {
      if (apiServer === undefined) return;
      stopping.add(apiServer.process);
      await stopProcess(apiServer.process);
      apiServer = undefined;
    };
    const startApiServer = async (): Promise<void> => {
      if (apiServer !== undefined) return;
      apiServer = await launch(port);
    };
    return {
      kubeconfigPath,
      server,
      adminToken: pki.adminToken,
      caPem: pki.caPem,
      binDir: binaries.binDir,
      workDir,
      auditLogPath: settings.auditLogPath,
      installedCrds,
      kubectl,
      stopApiServer,
      startApiServer,
      restartApiServer: async () => {
        await stopApiServer();
        await startApiServer();
      },
      processIds: () => ({ etcd: etcd?.process.pid, kubeApiServer: apiServer?.process.pid }),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
