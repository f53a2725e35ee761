// Runs the kubectl built with the control plane (the machine's kubectl is several minors
// older than the API server), always against the control plane's own kubeconfig.
import { spawn } from 'node:child_process';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  readonly input?: string;
  /** Return a non-zero exit as a result instead of throwing. */
  readonly allowFailure?: boolean;
}

export type Kubectl = (args: string[], opts?: KubectlOptions) => Promise<KubectlResult>;

export function kubectlFor(binary: string, kubeconfigPath: string, cacheDir: string): Kubectl {
  return async (args, opts = {}) => {
    // A private discovery cache: the shared ~/.kube/cache would serve another cluster's
    // resource list when a later control plane reuses the same port.
    const fullArgs = ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args];
    const child = spawn(binary, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {
      // kubectl may exit before reading its input; the exit code tells the story.
    });
    child.stdin.end(opts.input ?? '');
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128)));
    });
    if (code !== 0 && opts.allowFailure !== true) {
      throw new Error(`kubectl ${args.join(' ')} exited ${code}\n${stderr.trimEnd()}`);
    }
    return { code, stdout, stderr };
  };
}
