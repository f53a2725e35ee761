// Go tools for the test tier (the control plane and others): built once per toolset by
// test/tools/build.sh into a cache outside the repository, reused afterwards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('../tools/build.sh', import.meta.url));

export interface ControlPlaneBinaries {
  readonly binDir: string;
  readonly kubeApiServer: string;
  readonly kubectl: string;
  readonly etcd: string;
}

/** Builds a toolset under test/tools/ if the cache lacks it (minutes, once) and returns its bin directory. */
export async function ensureTool(toolset: string): Promise<string> {
  // The build's progress goes straight to our stderr: a first build takes minutes and
  // should not look like a hang.
  const child = spawn('bash', [buildScript, toolset], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  if (code !== 0)
    throw new Error(`${buildScript} ${toolset} failed (${String(code)}); its output is above`);
  const binDir = stdout.trim().split('\n').at(-1) ?? '';
  if (binDir === '') throw new Error(`${buildScript} ${toolset} printed no binary directory`);
  return binDir;
}

/**
 * The control plane's binaries (kube-apiserver, kubectl, etcd). With `apiServerToolset` (e.g.
 * `controlplane-1.30`, the version matrix), kube-apiserver comes from that toolset and etcd and
 * kubectl from `controlplane`.
 */
export async function ensureBinaries(apiServerToolset?: string): Promise<ControlPlaneBinaries> {
  const binDir = await ensureTool('controlplane');
  const apiServerDir =
    apiServerToolset === undefined || apiServerToolset === 'controlplane'
      ? binDir
      : await ensureTool(apiServerToolset);
  return {
    binDir,
    kubeApiServer: `${apiServerDir}/kube-apiserver`,
    kubectl: `${binDir}/kubectl`,
    etcd: `${binDir}/etcd`,
  };
}
