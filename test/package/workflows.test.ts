// The GitHub workflows and the action, linted by actionlint (built from Go modules by
// test/tools/build.sh actionlint). The release workflow cannot run here (no registry, no OIDC);
// linting is what can be checked: expressions, contexts, permissions, action inputs, and the
// local action (`uses: ./` in ci.yml) against action.yml's own inputs and outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTool } from '../harness/binaries.ts';
import { repoRoot, run } from './support.ts';

const workflowsDir = join(repoRoot, '.github', 'workflows');

test(
  'actionlint passes on every workflow and the local action',
  { timeout: 15 * 60_000 },
  async () => {
    const bin = await ensureTool('actionlint');
    const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(workflows.includes('ci.yml') && workflows.includes('release.yml'));
    const result = run(join(bin, 'actionlint'), ['-no-color'], { cwd: repoRoot, env: process.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
  },
);

test('the release names the registry and organisation in one place', () => {
  const release = readFileSync(join(workflowsDir, 'release.yml'), 'utf8');
  assert.equal(release.match(/ghcr\.io/g)?.length, 1);
  assert.equal(release.match(/^ {2}ORG: /gm)?.length, 1);
  assert.match(release, /provenance: mode=max/);
  assert.match(release, /sbom: true/);
  assert.match(release, /cosign sign --yes/);
  assert.match(release, /npm publish --provenance/);
  assert.match(release, /image\/stage\.sh/);
});
