// npm run cluster:down: stops everything cluster:up recorded (the webhook server, then
// kube-apiserver and etcd) and removes its state. Safe to run when nothing is running.
import { rm } from 'node:fs/promises';
import {
  clusterDir,
  isStillRecordedProcess,
  readClusterState,
  removeClusterDir,
  type ClusterState,
} from './cluster-state.ts';
import { tearDownRecordedNodeCluster } from './node-cluster.ts';
import { groupIsAlive, stopProcessGroup } from './processes.ts';

/** After the SIGKILL that ends a stubborn group, how long the kernel gets to take it away. */
const reapMs = 2000;

export async function clusterDown(state: ClusterState | undefined): Promise<void> {
  if (state !== undefined) {
    // Reverse order: whatever was started last (the webhook) depends on what came first.
    // A node cluster's containerd stays up until its containers are killed through it.
    const containerd =
      state.node === undefined
        ? undefined
        : state.processes.find((proc) => proc.name === 'containerd');
    for (const proc of [...state.processes].reverse()) {
      if (!isStillRecordedProcess(proc) || proc === containerd) continue;
      await stopProcessGroup(proc.pgid);
      const deadline = Date.now() + reapMs;
      while (groupIsAlive(proc.pgid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (groupIsAlive(proc.pgid)) {
        throw new Error(`${proc.name} (process group ${proc.pgid}) is still running`);
      }
    }
    if (state.node !== undefined) {
      const pgid =
        containerd !== undefined && isStillRecordedProcess(containerd)
          ? containerd.pgid
          : undefined;
      await tearDownRecordedNodeCluster(state.node.record, pgid);
    }
    for (const dir of state.dirs) await rm(dir, { recursive: true, force: true });
  }
  await removeClusterDir();
}

if (import.meta.main) {
  const state = await readClusterState();
  await clusterDown(state);
  console.log(
    state === undefined
      ? `No local cluster was recorded in ${clusterDir}.`
      : 'Local cluster stopped.',
  );
}
