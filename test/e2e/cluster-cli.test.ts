// `npm run cluster:up` and `npm run cluster:down` as a developer runs them, in a state
// directory of their own (MCPENTRY_CLUSTER_DIR) so a developer's .cluster/ is never touched:
// the printed instructions work as printed (the examples are admitted, the denied example is
// refused by our webhook through the recorded kubeconfig), a second cluster:up reuses the
// running cluster, a cluster whose webhook died is replaced (with ToolHive's CRDs), and
// cluster:down, run twice, leaves no process and no state behind, nor signals a process that
// merely inherited a recorded pid.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterState } from '../harness/cluster-state.ts';
import { kubectlFor, type Kubectl } from '../harness/kubectl.ts';
import { groupIsAlive, stopProcessGroup } from '../harness/processes.ts';
import { runCaptured } from '../harness/run-captured.ts';
import { denialPrefix } from './support/activation.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

async function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<RunResult> {
  const started = Date.now();
  const result = await runCaptured(command, args, { env, input, cwd: repoRoot });
  return { ...result, ms: Date.now() - started };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The printed lines from `first` (a prefix) up to the blank line that ends the block. */
function printedBlock(usage: string, first: string): string[] {
  const lines = usage.split('\n');
  const start = lines.findIndex((line) => line.startsWith(first));
  assert.ok(start >= 0, `cluster:up printed no line starting ${JSON.stringify(first)}:\n${usage}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('npm run cluster:up / cluster:down', { timeout: 240_000 }, () => {
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let statePath: string;
  let first: ClusterState | undefined;
  let firstUsage = '';
  const everyPgid = new Set<number>();

  const npmRun = (script: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    run('npm', ['run', '--silent', script], { ...env, ...extraEnv });
  const readState = async (): Promise<ClusterState> => {
    const state = JSON.parse(await readFile(statePath, 'utf8')) as ClusterState;
    for (const proc of state.processes) everyPgid.add(proc.pgid);
    return state;
  };
  const kubectlOf = (state: ClusterState): Kubectl =>
    kubectlFor(
      join(state.binDir, 'kubectl'),
      state.kubeconfigPath,
      join(stateDir, 'test-kubectl-cache'),
    );

  before(async () => {
    stateDir = join(await mkdtemp(join(tmpdir(), 'mcpentry-cluster-cli-')), 'cluster');
    statePath = join(stateDir, 'state.json');
    env = {
      ...process.env,
      MCPENTRY_CLUSTER_DIR: stateDir,
      CLUSTER_CRDS: '',
      // The project's Node (type stripping) for the scripts npm starts.
      PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    };
  });

  after(async () => {
    // Whatever a failed assertion left running goes, whichever way the test ended.
    await npmRun('cluster:down');
    for (const pgid of everyPgid) await stopProcessGroup(pgid, 1000);
    await rm(dirname(stateDir), { recursive: true, force: true });
  });

  test('cluster:up starts etcd, kube-apiserver and our webhook, recorded in the state dir', async () => {
    const up = await npmRun('cluster:up');
    assert.equal(up.code, 0, up.stderr);
    firstUsage = up.stdout;
    first = await readState();
    assert.deepEqual(
      first.processes.map((proc) => proc.name),
      ['etcd', 'kube-apiserver', 'mcpentry-webhook'],
    );
    for (const proc of first.processes)
      assert.ok(groupIsAlive(proc.pgid), `${proc.name} is not running`);
    assert.equal(first.kubeconfigPath, join(stateDir, 'kubeconfig'));
    assert.ok(first.webhook !== undefined, 'no webhook recorded');
    assert.ok(first.webhook.logPath.startsWith(stateDir), first.webhook.logPath);
    assert.match(firstUsage, /^Started a local control plane/);
    assert.ok(firstUsage.includes(`export KUBECONFIG=${first.kubeconfigPath}`), firstUsage);
    assert.ok(firstUsage.includes(first.webhook.url), firstUsage);
    const metrics = await fetch(first.webhook.metricsUrl);
    assert.equal(metrics.status, 200);
    console.log(`cluster:up (cold): ${up.ms} ms`);
  });

  test('the printed commands apply the examples: every entry is admitted and stored', async () => {
    assert.ok(first !== undefined);
    const exports = printedBlock(firstUsage, '  export KUBECONFIG=');
    const admitted = printedBlock(firstUsage, 'Admitted:').slice(1);
    assert.ok(admitted.length >= 2, firstUsage);
    const script = ['set -eu', ...exports, ...admitted].join('\n');
    const applied = await run('bash', ['-c', script], env);
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    for (const name of ['docs-search', 'github', 'internal-wiki', 'status-page']) {
      assert.match(
        applied.stdout,
        new RegExp(`mcpserverentry.toolhive.stacklok.dev/${name} (created|unchanged|configured)`),
      );
    }
    const listed = await kubectlOf(first)([
      'get',
      'mcpserverentries',
      '-n',
      'default',
      '-o',
      'name',
    ]);
    assert.deepEqual(listed.stdout.trim().split('\n').sort(), [
      'mcpserverentry.toolhive.stacklok.dev/docs-search',
      'mcpserverentry.toolhive.stacklok.dev/github',
      'mcpserverentry.toolhive.stacklok.dev/internal-wiki',
      'mcpserverentry.toolhive.stacklok.dev/status-page',
    ]);
  });

  test('the printed denied example is refused by our webhook and not stored', async () => {
    assert.ok(first !== undefined);
    const exports = printedBlock(firstUsage, '  export KUBECONFIG=');
    const denied = printedBlock(firstUsage, "kubectl apply -f - <<'EOF'");
    assert.equal(denied.at(-1), 'EOF');
    const refused = await run('bash', ['-c', [...exports, ...denied].join('\n')], env);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.ok(refused.stderr.includes(`${denialPrefix}spec.remoteUrl`), refused.stderr);
    const stored = await kubectlOf(first)([
      'get',
      'mcpserverentry',
      'metadata-grabber',
      '-n',
      'default',
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    assert.equal(stored.stdout.trim(), '');
  });

  test('a second cluster:up reuses the healthy cluster', async () => {
    assert.ok(first !== undefined);
    const again = await npmRun('cluster:up');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Reusing the running local control plane/);
    const state = await readState();
    assert.deepEqual(state, first);
    console.log(`cluster:up (reuse): ${again.ms} ms`);
  });

  test('a cluster whose webhook died is replaced by a fresh one (here with CLUSTER_CRDS=toolhive)', async () => {
    assert.ok(first !== undefined);
    const webhook = first.processes.find((proc) => proc.name === 'mcpentry-webhook');
    assert.ok(webhook !== undefined);
    process.kill(-webhook.pgid, 'SIGKILL');
    const replaced = await npmRun('cluster:up', { CLUSTER_CRDS: 'toolhive' });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^Started a local control plane/);
    for (const proc of first.processes) {
      assert.ok(!groupIsAlive(proc.pgid), `stale ${proc.name} (${proc.pgid}) still runs`);
    }
    assert.ok(!(await exists(first.workDir)), 'the stale work dir is still there');
    const state = await readState();
    for (const proc of state.processes)
      assert.ok(groupIsAlive(proc.pgid), `${proc.name} is not running`);
    // The new webhook is registered: our denial comes back through the new kubeconfig.
    const refused = await kubectlOf(state)(['create', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPServerEntry',
        metadata: { name: 'probe', namespace: 'default' },
        spec: { remoteUrl: 'https://127.0.0.1/', transport: 'sse', groupRef: { name: 'none' } },
      }),
      allowFailure: true,
    });
    assert.ok(refused.stderr.includes(`${denialPrefix}`), refused.stderr);
    // ToolHive's CRDs, not the project's: ToolHive also ships MCPServer.
    assert.equal(state.crds, 'toolhive');
    await kubectlOf(state)(['get', 'crd', 'mcpservers.toolhive.stacklok.dev', '-o', 'name']);
    first = state;
  });

  test('cluster:down, run twice, stops every recorded process and removes the state', async () => {
    assert.ok(first !== undefined);
    const down = await npmRun('cluster:down');
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /Local cluster stopped/);
    for (const pgid of everyPgid)
      assert.ok(!groupIsAlive(pgid), `process group ${pgid} still runs`);
    assert.ok(!(await exists(stateDir)), `${stateDir} is still there`);
    for (const dir of first.dirs) assert.ok(!(await exists(dir)), `${dir} is still there`);
    const again = await npmRun('cluster:down');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No local cluster was recorded/);
    console.log(`cluster:down: ${down.ms} ms, again: ${again.ms} ms`);
  });

  test('a stale record whose pid now belongs to another process: cluster:down leaves that process alone', async () => {
    // A reboot or kill -9 leaves state.json behind; the pid it names may since have gone to
    // an unrelated process, which must not receive our SIGTERM.
    const bystander = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const pid = bystander.pid;
    assert.ok(pid !== undefined);
    try {
      await mkdir(stateDir, { recursive: true });
      const stale: ClusterState = {
        server: 'https://127.0.0.1:1',
        kubeconfigPath: join(stateDir, 'kubeconfig'),
        caCertPath: join(stateDir, 'ca.crt'),
        binDir: stateDir,
        workDir: stateDir,
        crds: 'project',
        processes: [
          { name: 'etcd', pgid: pid, logPath: join(stateDir, 'etcd.log'), startTicks: '1' },
        ],
        dirs: [],
        startedAt: new Date(0).toISOString(),
      };
      await writeFile(statePath, JSON.stringify(stale));
      const down = await npmRun('cluster:down');
      assert.equal(down.code, 0, down.stderr);
      assert.ok(groupIsAlive(pid), 'cluster:down signalled a process it did not start');
      assert.ok(!(await exists(stateDir)), `${stateDir} is still there`);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });
});
