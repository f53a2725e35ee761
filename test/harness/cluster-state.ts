// What `npm run cluster:up` leaves running, recorded in .cluster/ at the repository root
// so that `npm run cluster:down` (another process, maybe another day) can stop it.
// Each step of cluster:up that starts a process or creates a directory records it here.
//
// MCPENTRY_CLUSTER_DIR moves the whole record elsewhere: the test of cluster:up itself runs
// a cluster of its own beside a developer's, and must not read, reuse or remove theirs.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeClusterRecord } from './node-cluster.ts';

const chosenDir = process.env['MCPENTRY_CLUSTER_DIR'];
export const clusterDir =
  chosenDir === undefined || chosenDir === ''
    ? fileURLToPath(new URL('../../.cluster/', import.meta.url))
    : resolve(chosenDir);
export const clusterKubeconfigPath = join(clusterDir, 'kubeconfig');
const statePath = join(clusterDir, 'state.json');

export interface RecordedProcess {
  readonly name: string;
  /** Process group id (each process runs in its own group). */
  readonly pgid: number;
  readonly logPath: string;
  /**
   * When the group's leader started (clock ticks since boot, /proc/<pid>/stat field 22).
   * A record outlives its processes (a reboot, a kill -9); by then the pid may belong to
   * someone else, whose process group cluster:down must not signal.
   */
  readonly startTicks?: string;
}

/** The record of a process this Node process has just started. */
export function recordProcess(name: string, pid: number, logPath: string): RecordedProcess {
  const startTicks = processStartTicks(pid);
  return { name, pgid: pid, logPath, ...(startTicks === undefined ? {} : { startTicks }) };
}

/**
 * False when the recorded pid now belongs to another process. While any member of a group
 * lives, the kernel does not reuse its id, so a leader that is gone with members left
 * (no /proc entry) still names our group.
 */
export function isStillRecordedProcess(proc: RecordedProcess): boolean {
  if (proc.startTicks === undefined) return true;
  const now = processStartTicks(proc.pgid);
  return now === undefined || now === proc.startTicks;
}

function processStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": fields counted after the last ')', as comm may hold spaces.
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .at(22 - 3);
}

/** Our webhook server as cluster:up started and registered it. */
export interface RecordedWebhook {
  /** `https://127.0.0.1:<port>`, the base of the URLs in the registered configurations. */
  readonly url: string;
  readonly metricsUrl: string;
  /** The CA in the configurations' caBundle, which signed the serving certificate. */
  readonly caCertPath: string;
  readonly logPath: string;
}

/** A one-node cluster (`cluster:up -- --node`): what cluster:down needs beyond processes. */
export interface RecordedNode {
  readonly record: NodeClusterRecord;
  /** The project's image running in it, installed with the self-signed overlay. */
  readonly image?: string;
}

export interface ClusterState {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly caCertPath: string;
  readonly binDir: string;
  readonly workDir: string;
  readonly crds: string;
  readonly processes: readonly RecordedProcess[];
  /** Absent until the webhook is registered (or in a record from before it existed). */
  readonly webhook?: RecordedWebhook;
  /** Present for a one-node cluster (kubelet, containerd, kube-proxy, the image in pods). */
  readonly node?: RecordedNode;
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
