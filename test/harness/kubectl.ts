// Runs the kubectl built with the control plane (the machine's kubectl is several minors
// older than the API server), always against the control plane's own kubeconfig.
import { runCaptured } from './run-captured.ts';

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
    const { code, stdout, stderr } = await runCaptured(binary, fullArgs, {
      input: opts.input ?? '',
    });
    if (code !== 0 && opts.allowFailure !== true) {
      throw new Error(`kubectl ${args.join(' ')} exited ${code}\n${stderr.trimEnd()}`);
    }
    return { code, stdout, stderr };
  };
}
