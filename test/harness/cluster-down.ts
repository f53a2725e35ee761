// npm run cluster:down: stops everything cluster:up recorded and removes its state.
// Safe to run when nothing is running.
import { readClusterState, removeClusterDir, type ClusterState } from './cluster-state.ts';
import { stopProcessGroup } from './processes.ts';
import { rm } from 'node:fs/promises';

export async function clusterDown(state: ClusterState | undefined): Promise<void> {
  if (state !== undefined) {
    // Reverse order: whatever was started last (the webhook) depends on what came first.
    for (const proc of [...state.processes].reverse()) await stopProcessGroup(proc.pgid);
    for (const dir of state.dirs) await rm(dir, { recursive: true, force: true });
  }
  await removeClusterDir();
}

if (import.meta.main) {
  const state = await readClusterState();
  await clusterDown(state);
  console.log(
    state === undefined ? 'No local cluster was recorded in .cluster/.' : 'Local cluster stopped.',
  );
}
