// Child processes of the harness (etcd, kube-apiserver) and their clean-up.
//
// Each child runs in its own process group, so stopping it also stops anything it
// forked, and a crash of the test process must not leave a kube-apiserver holding a
// port: every live group is killed from the process's exit and signal handlers, and,
// for a SIGKILL that no handler sees, by the orphan guard.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { orphanGuard } from './orphan-guard.ts';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

export interface StartProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logPath: string;
  /**
   * Leave the process running after this Node process ends (npm run cluster:up).
   * Such processes are not killed by the exit handlers.
   */
  readonly outliveParent?: boolean;
}

const liveGroups = new Set<number>();
const dirsToRemove = new Set<string>();
let handlersInstalled = false;

export function startProcess(opts: StartProcessOptions): ManagedProcess {
  installExitHandlers();
  // Appending, so a restarted kube-apiserver keeps the earlier log above the new one.
  const logFd = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, [...opts.args], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command}`);
  if (opts.outliveParent === true) child.unref();
  else {
    liveGroups.add(pid);
    orphanGuard.watchGroup(pid);
  }
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      if (liveGroups.delete(pid)) orphanGuard.forgetGroup(pid);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      ended = true;
      if (liveGroups.delete(pid)) orphanGuard.forgetGroup(pid);
      resolve(error.message);
    });
  });
  return { name: opts.name, pid, logPath: opts.logPath, exited, hasExited: () => ended };
}

/** SIGTERM to the group, SIGKILL after `graceMs` if it is still there. */
export async function stopProcess(proc: ManagedProcess, graceMs = 5000): Promise<void> {
  if (proc.hasExited()) return;
  signalGroup(proc.pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), graceMs).unref(),
  );
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    signalGroup(proc.pid, 'SIGKILL');
    await proc.exited;
  }
}

/** Stops a process group recorded by an earlier Node process (cluster:down). */
export async function stopProcessGroup(pgid: number, graceMs = 5000): Promise<void> {
  if (!groupIsAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupIsAlive(pgid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(pgid, 'SIGKILL');
}

export function groupIsAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // A killed process whose parent has not reaped it yet still answers signal 0.
  return !isZombie(pgid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Removed on exit if the harness did not get to remove it itself. */
export function removeOnExit(dir: string): void {
  installExitHandlers();
  dirsToRemove.add(dir);
  orphanGuard.watchDir(dir);
}

export function forgetRemoveOnExit(dir: string): void {
  if (dirsToRemove.delete(dir)) orphanGuard.forgetDir(dir);
}

export async function logTail(path: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// Only synchronous work is possible in 'exit', so this kills without a grace period.
function killEverythingNow(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
  for (const dir of dirsToRemove) rmSync(dir, { recursive: true, force: true });
  dirsToRemove.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killEverythingNow();
      process.removeListener(signal, onSignal);
      // Keep the default meaning of the signal (end the process) unless someone else,
      // such as the test runner, handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
