// Exit handlers cannot run when the test process is killed with SIGKILL (a runner's hard
// timeout, the OOM killer, `kill -9`). A small guard process, in its own process group,
// holds the read end of a pipe from us; the kernel closes that pipe however we die, and
// the guard then kills the process groups and removes the directories we registered.
import { spawn, type ChildProcess } from 'node:child_process';

const guardSource = `
const { rmSync } = require('node:fs');
const groups = new Set();
const dirs = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    const [op, kind, value] = [line[0], line[1], line.slice(2)];
    const set = kind === 'g' ? groups : dirs;
    const item = kind === 'g' ? Number(value) : value;
    if (op === '+') set.add(item); else set.delete(item);
  }
});
process.stdin.on('end', () => {
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
});
`;

let guard: ChildProcess | undefined;

function send(line: string): void {
  if (guard === undefined) {
    guard = spawn(process.execPath, ['-e', guardSource], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    guard.on('error', () => {
      // Without a guard we still have the exit handlers; nothing else to do.
    });
    guard.unref();
    // The pipe must not keep the event loop (and so the test process) alive.
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  guard.stdin?.write(`${line}\n`);
}

export const orphanGuard = {
  watchGroup: (pgid: number): void => send(`+g${pgid}`),
  forgetGroup: (pgid: number): void => send(`-g${pgid}`),
  watchDir: (dir: string): void => send(`+d${dir}`),
  forgetDir: (dir: string): void => send(`-d${dir}`),
};
