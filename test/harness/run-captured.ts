// Runs a command to its end with `input` on stdin and both outputs captured as text: the
// one way the harness and the e2e tests run kubectl and our CLI.
import { spawn } from 'node:child_process';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCaptured(
  command: string,
  args: readonly string[],
  opts: { readonly input?: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<CapturedRun> {
  const child = spawn(command, [...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {
    // The command may exit before reading its input; the exit code tells the story.
  });
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) =>
      resolve({ code: exitCode ?? (signal === null ? 1 : 128), stdout, stderr }),
    );
  });
}
