// npm run cluster:up: a local control plane left running for manual work.
// CLUSTER_CRDS=project (default) | toolhive | none chooses the CRDs installed.
// Running it again reuses a healthy cluster; a stale record is cleaned up first.
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterDown } from './cluster-down.ts';
import {
  clusterKubeconfigPath,
  readClusterState,
  writeClusterState,
  type ClusterState,
} from './cluster-state.ts';
import { startControlPlane } from './control-plane.ts';
import type { CrdSource } from './crds.ts';
import { groupIsAlive } from './processes.ts';
import { probe } from './readiness.ts';

function crdSourceFromEnv(value: string | undefined): CrdSource {
  if (value === undefined || value === '') return 'project';
  if (value === 'project' || value === 'toolhive' || value === 'none') return value;
  throw new Error(`CLUSTER_CRDS must be project, toolhive or none, not ${JSON.stringify(value)}`);
}

async function isHealthy(state: ClusterState): Promise<boolean> {
  if (!state.processes.every((proc) => groupIsAlive(proc.pgid))) return false;
  try {
    const ca = await readFile(state.caCertPath, 'utf8');
    return (await probe(`${state.server}/readyz`, { ca })).status === 200;
  } catch {
    return false;
  }
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
      { name: 'etcd', pgid: etcd, logPath: join(controlPlane.workDir, 'etcd.log') },
      {
        name: 'kube-apiserver',
        pgid: kubeApiServer,
        logPath: join(controlPlane.workDir, 'kube-apiserver.log'),
      },
    ],
    dirs: [controlPlane.workDir],
    startedAt: new Date().toISOString(),
  };
  // Recorded before anything else can fail, so cluster:down can always stop it.
  await writeClusterState(state);
  await copyFile(controlPlane.kubeconfigPath, clusterKubeconfigPath);
  // Further steps (start the webhook server, register the webhook configurations) go
  // here: each starts its process with outliveParent, then records it with
  // writeClusterState({ ...state, processes: [...state.processes, next] }).
  return state;
}

function usage(state: ClusterState, reused: boolean): string {
  return [
    `${reused ? 'Reusing the running' : 'Started a'} local control plane at ${state.server} (CRDs: ${state.crds}).`,
    '',
    `  export KUBECONFIG=${state.kubeconfigPath}`,
    `  export PATH=${state.binDir}:$PATH   # kubectl v1.34.2, built with the API server`,
    `  ${join(state.binDir, 'kubectl')} get crds`,
    '',
    `Logs: ${state.processes.map((proc) => proc.logPath).join(', ')}`,
    'Stop it with: npm run cluster:down',
  ].join('\n');
}

const previous = await readClusterState();
if (previous !== undefined && (await isHealthy(previous))) {
  console.log(usage(previous, true));
} else {
  if (previous !== undefined) await clusterDown(previous);
  const state = await startCluster(crdSourceFromEnv(process.env['CLUSTER_CRDS']));
  console.log(usage(state, false));
}
