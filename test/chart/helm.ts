// helm, built from Go modules by test/tools/build.sh (toolset `helm`), run hermetically: its
// cache, config and data directories live in a temporary directory, never in the user's home.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseObjects, type KubeObject } from '../../deploy/kustomize-render.ts';
import { ensureTool } from '../harness/binaries.ts';
import { runCaptured, type CapturedRun } from '../harness/run-captured.ts';

export const chartDir = fileURLToPath(
  new URL('../../deploy/chart/mcpentry-webhook', import.meta.url),
);
export const releaseName = 'mcpentry-webhook';
/** The control plane the e2e tier runs (test/tools/controlplane). */
export const kubeVersion = '1.34.2';

export interface Helm {
  /** The directory holding the helm binary, for commands run through a shell. */
  readonly binDir: string;
  /** HOME and helm's own directories, all inside a temporary directory. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs helm with the given arguments; never throws on a non-zero exit. */
  readonly run: (args: readonly string[], extraEnv?: NodeJS.ProcessEnv) => Promise<CapturedRun>;
  /** Writes `values` to a file and returns `-f FILE` arguments for it. */
  readonly valuesArgs: (values: object) => string[];
  /** `helm template`; throws with helm's message when it refuses. */
  readonly template: (values: object, namespace?: string) => Promise<KubeObject[]>;
  readonly dispose: () => void;
}

export async function startHelm(): Promise<Helm> {
  const binDir = await ensureTool('helm');
  const binary = join(binDir, 'helm');
  const home = mkdtempSync(join(tmpdir(), 'mcpentry-helm-'));
  let files = 0;
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const run = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    runCaptured(binary, args, { env: { ...env, ...extraEnv } });
  const valuesArgs = (values: object): string[] => {
    const file = join(home, `values-${files++}.json`);
    writeFileSync(file, JSON.stringify(values));
    return ['-f', file];
  };
  return {
    binDir,
    env,
    run,
    valuesArgs,
    template: async (values, namespace = 'mcpentry-webhook') => {
      const result = await run([
        'template',
        releaseName,
        chartDir,
        '--namespace',
        namespace,
        // Without a cluster, helm template assumes Kubernetes 1.20, below the chart's kubeVersion.
        '--kube-version',
        kubeVersion,
        ...valuesArgs(values),
      ]);
      if (result.code !== 0) throw new Error(`helm template refused: ${result.stderr.trim()}`);
      return parseObjects(result.stdout);
    },
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
}
