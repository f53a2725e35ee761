// What `npm run cluster:up` leaves running, recorded in .cluster/ at the repository root
// so that `npm run cluster:down` (another process, maybe another day) can stop it.
// Each step of cluster:up that starts a process or creates a directory records it here.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clusterDir = fileURLToPath(new URL('../../.cluster/', import.meta.url));
export const clusterKubeconfigPath = join(clusterDir, 'kubeconfig');
const statePath = join(clusterDir, 'state.json');

export interface RecordedProcess {
  readonly name: string;
  /** Process group id (each process runs in its own group). */
  readonly pgid: number;
  readonly logPath: string;
}

export interface ClusterState {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly caCertPath: string;
  readonly binDir: string;
  readonly workDir: string;
  readonly crds: string;
  readonly processes: readonly RecordedProcess[];
  /** Directories cluster:down removes. */
  readonly dirs: readonly string[];
  readonly startedAt: string;
}

export async function readClusterState(): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ClusterState;
  } catch {
    throw new Error(
      `${statePath} is not valid JSON; remove ${clusterDir} after stopping its processes by hand`,
    );
  }
}

export async function writeClusterState(state: ClusterState): Promise<void> {
  await mkdir(clusterDir, { recursive: true });
  await writeFile(statePath, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeClusterDir(): Promise<void> {
  await rm(clusterDir, { recursive: true, force: true });
}
