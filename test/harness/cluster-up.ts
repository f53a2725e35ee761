// npm run cluster:up: a local control plane with our webhook server registered in it, left
// running for manual work.
// CLUSTER_CRDS=project (default) | toolhive | none chooses the CRDs installed.
// MCPENTRY_CLUSTER_DIR moves the state directory (default .cluster/ in the repository).
// Running it again reuses a healthy cluster; a stale record is cleaned up first, and so is
// whatever a failed start left behind.
import { copyFile, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterDown } from './cluster-down.ts';
import {
  clusterDir,
  clusterKubeconfigPath,
  isStillRecordedProcess,
  readClusterState,
  recordProcess,
  writeClusterState,
  type ClusterState,
} from './cluster-state.ts';
import { startClusterWebhook } from './cluster-webhook.ts';
import { startControlPlane } from './control-plane.ts';
import type { CrdSource } from './crds.ts';
import { kubectlFor } from './kubectl.ts';
import { groupIsAlive } from './processes.ts';
import { probe } from './readiness.ts';

function crdSourceFromEnv(value: string | undefined): CrdSource {
  if (value === undefined || value === '') return 'project';
  if (value === 'project' || value === 'toolhive' || value === 'none') return value;
  throw new Error(`CLUSTER_CRDS must be project, toolhive or none, not ${JSON.stringify(value)}`);
}

async function answersReady(url: string, caPath: string): Promise<boolean> {
  try {
    const ca = await readFile(caPath, 'utf8');
    return (await probe(`${url}/readyz`, { ca })).status === 200;
  } catch {
    return false;
  }
}

async function isHealthy(state: ClusterState): Promise<boolean> {
  if (!state.processes.every((proc) => isStillRecordedProcess(proc) && groupIsAlive(proc.pgid)))
    return false;
  // A record without a webhook is from a start that failed half-way (or an older cluster:up).
  if (state.webhook === undefined) return false;
  return (
    (await answersReady(state.server, state.caCertPath)) &&
    (await answersReady(state.webhook.url, state.webhook.caCertPath))
  );
}

async function startCluster(crds: CrdSource): Promise<ClusterState> {
  const controlPlane = await startControlPlane({ crds, auditLog: true, outliveParent: true });
  const { etcd, kubeApiServer } = controlPlane.processIds();
  if (etcd === undefined || kubeApiServer === undefined)
    throw new Error('control plane reported no processes');
  const state: ClusterState = {
    server: controlPlane.server,
    kubeconfigPath: clusterKubeconfigPath,
    caCertPath: join(controlPlane.workDir, 'ca.crt'),
    binDir: controlPlane.binDir,
    workDir: controlPlane.workDir,
    crds,
    processes: [
      recordProcess('etcd', etcd, join(controlPlane.workDir, 'etcd.log')),
      recordProcess(
        'kube-apiserver',
        kubeApiServer,
        join(controlPlane.workDir, 'kube-apiserver.log'),
      ),
    ],
    dirs: [controlPlane.workDir],
    startedAt: new Date().toISOString(),
  };
  // Recorded before anything else can fail, so cluster:down can always stop it.
  await writeClusterState(state);
  await copyFile(controlPlane.kubeconfigPath, clusterKubeconfigPath);
  const kubectl = kubectlFor(
    join(controlPlane.binDir, 'kubectl'),
    clusterKubeconfigPath,
    join(clusterDir, 'kubectl-cache'),
  );
  const started = await startClusterWebhook({
    dir: clusterDir,
    kubeconfigPath: clusterKubeconfigPath,
    kubectl,
    record: (proc) => writeClusterState({ ...state, processes: [...state.processes, proc] }),
  });
  const complete: ClusterState = {
    ...state,
    processes: [...state.processes, started.process],
    webhook: started.webhook,
  };
  await writeClusterState(complete);
  return complete;
}

/** A path as short as it can be written from where the user stands. */
function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || fromHere === '' ? path : fromHere;
}

// The neighbours go first: `kubectl apply -f examples/` sends files in name order, so the
// entries would reach the webhook before the group they join exists. kubectl cannot write a
// status, so the groups are then marked Ready as ToolHive's controller would.
const neighbourFiles = ['groups.yaml', 'auth-configs.yaml', 'internal-ca.yaml', 'secrets.yaml'];

const deniedExample = [
  'apiVersion: toolhive.stacklok.dev/v1beta1',
  'kind: MCPServerEntry',
  'metadata: { name: metadata-grabber, namespace: default }',
  'spec:',
  '  remoteUrl: http://169.254.169.254/latest/meta-data/',
  '  transport: streamable-http',
  '  groupRef: { name: engineering }',
];

function usage(state: ClusterState, reused: boolean): string {
  const examples = shown(fileURLToPath(new URL('../../examples/', import.meta.url)));
  const neighbours = neighbourFiles.map((name) => `-f ${join(examples, name)}`).join(' ');
  return [
    `${reused ? 'Reusing the running' : 'Started a'} local control plane at ${state.server} (CRDs: ${state.crds}),`,
    `with the mcpentry webhook at ${state.webhook?.url ?? '(none)'} registered (validating and mutating, dev-url).`,
    '',
    `  export KUBECONFIG=${state.kubeconfigPath}`,
    `  export PATH=${state.binDir}:$PATH   # kubectl v1.34.2, built with the API server`,
    '',
    'Admitted: the examples, neighbours first, groups marked Ready',
    `  kubectl apply ${neighbours}`,
    `  kubectl patch mcpgroup engineering --subresource=status --type=merge -p '{"status":{"phase":"Ready"}}'`,
    `  kubectl apply -f ${examples}`,
    '',
    'Denied by the webhook (remoteUrl points at the cloud metadata address):',
    // Not indented: the shell ends a here-document only at an EOF at the start of a line.
    `kubectl apply -f - <<'EOF'`,
    ...deniedExample,
    'EOF',
    '',
    `Logs: ${state.processes.map((proc) => shown(proc.logPath)).join(', ')}`,
    `Metrics: ${state.webhook?.metricsUrl ?? '(none)'}`,
    'Stop it with: npm run cluster:down',
  ].join('\n');
}

async function clusterUp(): Promise<void> {
  const requested = crdSourceFromEnv(process.env['CLUSTER_CRDS']);
  const previous = await readClusterState();
  const explicit = (process.env['CLUSTER_CRDS'] ?? '') !== '';
  if (previous !== undefined && (await isHealthy(previous))) {
    if (!explicit || previous.crds === requested) {
      console.log(usage(previous, true));
      return;
    }
    console.log(`The running cluster has CRDs ${previous.crds}; restarting with ${requested}.`);
  }
  if (previous !== undefined) await clusterDown(previous);
  try {
    console.log(usage(await startCluster(requested), false));
  } catch (error) {
    // Leave nothing half-started: the next cluster:up would only tear it down anyway.
    await clusterDown(await readClusterState());
    throw error;
  }
}

await clusterUp();
