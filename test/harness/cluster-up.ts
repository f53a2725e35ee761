// npm run cluster:up: a local control plane with our webhook server registered in it, left
// running for manual work.
// `npm run cluster:up -- --node`: instead, a one-node cluster (kubelet, containerd,
// controller-manager, scheduler, kube-proxy; node-cluster.ts) running the project's image,
// installed with the shipped self-signed overlay. Needs root, Docker and the packages of
// .ci/install.d/30-node.sh.
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
import { startNodeCluster } from './node-cluster.ts';
import {
  ensureProjectImage,
  runSelfSignedInstall,
  waitForRollout,
  webhookDeployment,
  webhookNamespace,
} from './node-webhook.ts';
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
  if (state.node !== undefined) {
    if (state.node.image === undefined) return false;
    const kubectl = kubectlFor(
      join(state.binDir, 'kubectl'),
      state.kubeconfigPath,
      join(clusterDir, 'kubectl-cache'),
    );
    const ready = await kubectl(
      [
        '-n',
        webhookNamespace,
        'get',
        'deployment',
        webhookDeployment,
        '-o',
        'jsonpath={.status.readyReplicas}',
      ],
      { allowFailure: true },
    );
    return ready.code === 0 && Number(ready.stdout) >= 1;
  }
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

async function startNodeClusterWithWebhook(crds: CrdSource): Promise<ClusterState> {
  let state: ClusterState = {
    server: '',
    kubeconfigPath: clusterKubeconfigPath,
    caCertPath: '',
    binDir: '',
    workDir: '',
    crds,
    processes: [],
    dirs: [],
    startedAt: new Date().toISOString(),
  };
  // Each process and the node's record are written down as they appear, so cluster:down
  // can remove everything whatever fails next.
  const cluster = await startNodeCluster({
    crds,
    outliveParent: true,
    onProcess: async (proc, record) => {
      state = {
        ...state,
        workDir: record.workDir,
        dirs: [record.workDir],
        node: { record },
        processes: [...state.processes, recordProcess(proc.name, proc.pid, proc.logPath)],
      };
      await writeClusterState(state);
    },
  });
  const cp = cluster.controlPlane;
  state = {
    ...state,
    server: cp.server,
    caCertPath: join(cp.workDir, 'ca.crt'),
    binDir: cp.binDir,
  };
  await writeClusterState(state);
  await copyFile(cp.kubeconfigPath, clusterKubeconfigPath);
  const image = await ensureProjectImage();
  await cluster.importDockerImage(image);
  await runSelfSignedInstall(cluster, { certsDir: join(clusterDir, 'webhook-certs'), image });
  await waitForRollout(cp.kubectl);
  state = { ...state, node: { record: cluster.record, image } };
  await writeClusterState(state);
  console.log(`Node Ready ${cluster.readySeconds.toFixed(0)} s after the start.`);
  return state;
}

function nodeUsage(state: ClusterState, reused: boolean): string {
  const examples = shown(fileURLToPath(new URL('../../examples/', import.meta.url)));
  const neighbours = neighbourFiles.map((name) => `-f ${join(examples, name)}`).join(' ');
  return [
    `${reused ? 'Reusing the running' : 'Started a'} one-node cluster: API server ${state.server} (CRDs: ${state.crds}),`,
    `node on bridge ${state.node?.record.network.bridge ?? '?'} (pods ${state.node?.record.network.podCidr ?? '?'}, services ${state.node?.record.network.serviceCidr ?? '?'}),`,
    `running ${state.node?.image ?? '(no image)'} in namespace ${webhookNamespace}, installed with deploy/overlays/self-signed/install.sh`,
    'and called by the API server through its Service (clientConfig.service).',
    '',
    `  export KUBECONFIG=${state.kubeconfigPath}`,
    `  export PATH=${state.binDir}:$PATH   # kubectl v1.34.2, built with the API server`,
    `  kubectl -n ${webhookNamespace} get pods -o wide`,
    '',
    'Admitted: the examples, neighbours first, groups marked Ready',
    `  kubectl apply ${neighbours}`,
    `  kubectl patch mcpgroup engineering --subresource=status --type=merge -p '{"status":{"phase":"Ready"}}'`,
    `  kubectl apply -f ${examples}`,
    '',
    `Logs: ${state.processes.map((proc) => shown(proc.logPath)).join(', ')}`,
    `Pod logs: kubectl -n ${webhookNamespace} logs deployment/${webhookDeployment}`,
    'Stop it (processes, containers, mounts, bridge, iptables rules) with: npm run cluster:down',
  ].join('\n');
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
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--node');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')} (only --node)`);
  const node = args.includes('--node');
  const requested = crdSourceFromEnv(process.env['CLUSTER_CRDS']);
  const previous = await readClusterState();
  const explicit = (process.env['CLUSTER_CRDS'] ?? '') !== '';
  if (previous !== undefined && (await isHealthy(previous))) {
    const sameKind = (previous.node !== undefined) === node;
    if (sameKind && (!explicit || previous.crds === requested)) {
      console.log(node ? nodeUsage(previous, true) : usage(previous, true));
      return;
    }
    console.log(
      sameKind
        ? `The running cluster has CRDs ${previous.crds}; restarting with ${requested}.`
        : `Replacing the running ${previous.node === undefined ? 'control plane' : 'node cluster'}.`,
    );
  }
  if (previous !== undefined) await clusterDown(previous);
  try {
    if (node) console.log(nodeUsage(await startNodeClusterWithWebhook(requested), false));
    else console.log(usage(await startCluster(requested), false));
  } catch (error) {
    // Leave nothing half-started: the next cluster:up would only tear it down anyway.
    await clusterDown(await readClusterState());
    throw error;
  }
}

await clusterUp();
