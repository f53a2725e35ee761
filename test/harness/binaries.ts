// The kube-apiserver, kubectl and etcd binaries: built once per version by
// test/controlplane/build.sh into a cache outside the repository, reused afterwards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('../controlplane/build.sh', import.meta.url));

export interface ControlPlaneBinaries {
  readonly binDir: string;
  readonly kubeApiServer: string;
  readonly kubectl: string;
  readonly etcd: string;
}

/** Builds the binaries if the cache lacks them (minutes, once) and returns their paths. */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  // The build's progress goes straight to our stderr: a first build takes minutes and
  // should not look like a hang.
  const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  if (code !== 0) throw new Error(`${buildScript} failed (${String(code)}); its output is above`);
  const binDir = stdout.trim().split('\n').at(-1) ?? '';
  if (binDir === '') throw new Error(`${buildScript} printed no binary directory`);
  return {
    binDir,
    kubeApiServer: `${binDir}/kube-apiserver`,
    kubectl: `${binDir}/kubectl`,
    etcd: `${binDir}/etcd`,
  };
}
