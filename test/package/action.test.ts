// The composite GitHub Action run the way a runner runs it: action.yml's steps in order, each
// `run` in `bash --noprofile --norc -eo pipefail`, `${{ inputs.* }}` and `${{ github.* }}`
// expressions substituted (any other expression fails the test, so a new one is noticed), the
// inputs also as INPUT_* variables, GITHUB_PATH additions carried to later steps, outputs read
// from GITHUB_OUTPUT, and the SARIF report handed to code scanning checked. The one `uses`
// step, actions/setup-node, is stood in for by putting Node 24 (the npm `node` package) first
// on PATH. The package is not published from here, so MCPENTRY_WEBHOOK_PACKAGE points the
// install step at the packed tarball instead of the registry's copy of the same version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import {
  allowedManifest,
  deniedManifest,
  packedTarball,
  projectNodeBin,
  repoRoot,
  run,
  userEnv,
} from './support.ts';

interface ActionStep {
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}

interface Action {
  readonly inputs: Record<string, { default?: string }>;
  readonly outputs: Record<string, { value: string }>;
  readonly runs: { using: string; steps: ActionStep[] };
}

const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as Action;

interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
}

function readKeyValues(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

function runAction(
  workspace: string,
  runnerTemp: string,
  given: Record<string, string>,
): ActionRun {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = spec.default ?? '';
  Object.assign(inputs, given);
  const expression = (text: string) =>
    text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
      if (expr === 'github.action_path') return repoRoot.replace(/\/$/, '');
      const input = /^inputs\.([\w-]+)$/.exec(expr)?.[1];
      if (input !== undefined && input in inputs) return inputs[input] ?? '';
      throw new Error(`the runner stand-in does not know the expression ${expr}`);
    });

  const githubPath = join(runnerTemp, 'github_path');
  writeFileSync(githubPath, '');
  let path = `${projectNodeBin}${delimiter}${process.env['PATH'] ?? ''}`;
  const stepOutputs = new Map<string, Record<string, string>>();
  let stdout = '';
  for (const [index, step] of action.runs.steps.entries()) {
    if (step.uses !== undefined) {
      assert.match(step.uses, /^actions\/setup-node@/, 'the only action used is setup-node');
      continue;
    }
    assert.equal(step.shell, 'bash');
    const script = join(runnerTemp, `step-${index}.sh`);
    writeFileSync(script, expression(step.run ?? ''));
    const output = join(runnerTemp, `output-${index}`);
    writeFileSync(output, '');
    const env = userEnv(projectNodeBin, {
      GITHUB_OUTPUT: output,
      GITHUB_PATH: githubPath,
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTION_PATH: repoRoot,
      RUNNER_TEMP: runnerTemp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      MCPENTRY_WEBHOOK_PACKAGE: packedTarball(),
    });
    env['PATH'] = path;
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = expression(value);
    const cwd =
      step['working-directory'] === undefined ? workspace : expression(step['working-directory']);
    const result = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd,
      env,
      timeoutMs: 300_000,
    });
    stdout += result.stdout;
    if (step.id !== undefined) stepOutputs.set(step.id, readKeyValues(output));
    // What a runner does with GITHUB_PATH: prepend each added line for the steps after.
    const added = readFileSync(githubPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    path = [...added.reverse(), path].join(delimiter);
    writeFileSync(githubPath, '');
    if (result.code !== 0) {
      if (step.id === undefined) throw new Error(`step ${index} failed: ${result.stderr}`);
      return { code: result.code, stdout, outputs: actionOutputs(stepOutputs) };
    }
  }
  return { code: 0, stdout, outputs: actionOutputs(stepOutputs) };
}

function actionOutputs(steps: Map<string, Record<string, string>>): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.outputs)) {
    const ref = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(spec.value);
    assert.ok(ref, `output ${name} reads a step output`);
    outputs[name] = steps.get(ref[1] ?? '')?.[ref[2] ?? ''] ?? '';
  }
  return outputs;
}

describe('the GitHub Action', { timeout: 20 * 60_000 }, () => {
  let workspace = '';
  let runnerTemp = '';

  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'mcpentry-action-workspace-'));
    runnerTemp = mkdtempSync(join(tmpdir(), 'mcpentry-action-runner-'));
    mkdirSync(join(workspace, 'manifests'));
    writeFileSync(join(workspace, 'manifests', 'allowed.yaml'), allowedManifest);
    writeFileSync(join(workspace, 'manifests', 'denied.yaml'), deniedManifest);
    writeFileSync(join(workspace, 'ok.yaml'), allowedManifest);
  });

  after(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(runnerTemp, { recursive: true, force: true });
  });

  test('runs the installed package, not the sources', () => {
    const scripts = action.runs.steps.map((s) => s.run ?? '').join('\n');
    assert.doesNotMatch(scripts, /src\/|\.ts\b/);
    assert.match(scripts, /npm install/);
  });

  test('a denied entry fails the job with annotations, exit-code 1 and a SARIF report', () => {
    const result = runAction(workspace, runnerTemp, {
      paths: 'manifests',
      'report-file': 'results.sarif',
    });
    assert.equal(result.code, 1, result.stdout);
    assert.deepEqual(result.outputs, { 'exit-code': '1' });
    assert.match(result.stdout, /^::error file=manifests\/denied\.yaml,line=\d+/m);
    const sarif = JSON.parse(readFileSync(join(workspace, 'results.sarif'), 'utf8')) as {
      version: string;
      runs: {
        tool: { driver: { name: string } };
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0]?.results ?? [];
    const metadata = results.find((r) => r.ruleId === 'remote-url.metadata');
    assert.ok(metadata, JSON.stringify(results.map((r) => r.ruleId)));
    assert.equal(
      metadata.locations[0]?.physicalLocation.artifactLocation.uri,
      'manifests/denied.yaml',
    );
  });

  test('allowed entries pass with exit-code 0', () => {
    const result = runAction(workspace, runnerTemp, { paths: 'ok.yaml', output: 'text' });
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(result.outputs, { 'exit-code': '0' });
    assert.match(result.stdout, /PASS: 1 MCPServerEntry checked/);
  });
});
