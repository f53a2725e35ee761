// The npm package as users get it: `npm pack` (prepack builds dist/), the tarball installed into
// an empty project, and the bin run through npx under the oldest supported Node (22.19, the
// `engines` floor) and under Node 24, both from the npm `node` package. Nothing of the
// project's own node_modules is on the way: the install pulls production dependencies only.
// The install is made once, with the oldest Node's PATH (npm checks `engines` against it), and
// run under both: no dependency has an install script or a native part, so a second install
// would give the same files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allowedManifest,
  deniedManifest,
  mustRun,
  nodeBinDir,
  oldestNode,
  packedTarball,
  projectNodeBin,
  repoRoot,
  run,
  userEnv,
} from './support.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};

describe('npm pack', () => {
  test('ships the compiled bin, schemas, examples and the license, and no sources, tests or maps', () => {
    const listing = execFileSync('tar', ['-tzf', packedTarball()], { encoding: 'utf8' })
      .trim()
      .split('\n');
    for (const file of [
      'package/package.json',
      'package/LICENSE',
      'package/bin/mcpentry-webhook.js',
      'package/dist/main.js',
      'package/dist/build-info.json',
      'package/dist/server/serve.js',
      'package/schemas/mcpserverentry.v1beta1.json',
      'package/examples/groups.yaml',
    ])
      assert.ok(listing.includes(file), `${file} is in the tarball`);
    const stray = listing.filter((f) =>
      /^package\/(src|test|bench|deploy|certs|node_modules|scripts)\/|\.map$|\.ts$/.test(f),
    );
    assert.deepEqual(stray, []);
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', packedTarball(), 'package/package.json'], {
        encoding: 'utf8',
      }),
    ) as { private?: boolean };
    assert.equal(manifest.private, undefined, 'publishable');
    const license = execFileSync('tar', ['-xzOf', packedTarball(), 'package/LICENSE'], {
      encoding: 'utf8',
    });
    assert.match(license, /^\s*Apache License\s+Version 2\.0, January 2004/);
  });
});

let project = '';
before(() => {
  project = mkdtempSync(join(tmpdir(), 'mcpentry-npm-user-'));
  writeFileSync(join(project, 'package.json'), '{"name":"user-project","private":true}\n');
  writeFileSync(join(project, 'allowed.yaml'), allowedManifest);
  writeFileSync(join(project, 'denied.yaml'), deniedManifest);
  const install = mustRun(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', packedTarball()],
    { cwd: project, env: userEnv(nodeBinDir(oldestNode)) },
  );
  assert.doesNotMatch(install.stderr, /EBADENGINE/);
});
after(() => rmSync(project, { recursive: true, force: true }));

for (const [label, binDir] of [
  [`Node ${oldestNode}`, () => nodeBinDir(oldestNode)],
  ['Node 24 (the project runtime)', () => projectNodeBin],
] as const) {
  describe(`the installed package under ${label}`, () => {
    let env: NodeJS.ProcessEnv = {};
    const npx = (args: string[], input?: string) =>
      run('npx', ['--no-install', 'mcpentry-webhook', ...args], {
        cwd: project,
        env,
        ...(input === undefined ? {} : { input }),
      });

    before(() => {
      env = userEnv(binDir());
    });

    test('the Node on PATH is the one under test', () => {
      const version = mustRun('node', ['--version'], { cwd: project, env }).stdout.trim();
      if (label.startsWith('Node 24')) assert.match(version, /^v24\./);
      else assert.equal(version, `v${oldestNode}`);
    });

    test('installs production dependencies only', () => {
      const modules = join(project, 'node_modules');
      assert.ok(existsSync(join(modules, 'fastify')));
      for (const dev of ['typescript', 'eslint', 'fast-check', 'node'])
        assert.ok(!existsSync(join(modules, dev)), `${dev} is not installed`);
    });

    test('check: an allowed entry exits 0', () => {
      const result = npx(['check', 'allowed.yaml']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /PASS: 1 MCPServerEntry checked, 1 allowed/);
    });

    test('check: a denied entry exits 1 and names the rule', () => {
      const result = npx(['check', 'denied.yaml']);
      assert.equal(result.code, 1, result.stderr + result.stdout);
      assert.match(result.stdout, /denied\.yaml:\d+:\d+: error: .*\[remote-url\.metadata\]/);
    });

    test('check: stdin, and SARIF names the package version', () => {
      const result = npx(['check', '--output', 'sarif', '-'], deniedManifest);
      assert.equal(result.code, 1, result.stderr);
      const sarif = JSON.parse(result.stdout) as {
        runs: { tool: { driver: { version: string } } }[];
      };
      assert.equal(sarif.runs[0]?.tool.driver.version, pkg.version);
    });

    test("the README's npx command, as written, checks deploy/", () => {
      const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
      const row = readme.split('\n').find((l) => l.startsWith('| npm / npx '));
      const command = /`(npx [^`]+)`/.exec(row ?? '')?.[1];
      assert.equal(command, 'npx mcpentry-webhook check deploy/');
      const deploy = join(project, 'deploy');
      rmSync(deploy, { recursive: true, force: true });
      mkdirSync(deploy);
      writeFileSync(join(deploy, 'entries.yaml'), allowedManifest);
      const allowed = run('bash', ['-c', command], { cwd: project, env });
      assert.equal(allowed.code, 0, allowed.stderr + allowed.stdout);
      writeFileSync(join(deploy, 'entries.yaml'), deniedManifest);
      const denied = run('bash', ['-c', command], { cwd: project, env });
      assert.equal(denied.code, 1, denied.stderr + denied.stdout);
      rmSync(deploy, { recursive: true, force: true });
    });

    test('check: a usage error exits 2', () => {
      const result = npx(['check', '--no-such-flag', 'allowed.yaml']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /unknown option --no-such-flag/);
    });

    test('serve --help lists the server options', () => {
      const result = npx(['serve', '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /--tls-cert/);
    });

    test('--version prints the version and the commit it was built from', () => {
      const result = npx(['--version']);
      assert.equal(result.code, 0, result.stderr);
      const head = execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: repoRoot,
        encoding: 'utf8',
      }).trim();
      assert.match(
        result.stdout,
        new RegExp(`^mcpentry-webhook ${pkg.version.replaceAll('.', '\\.')} \\(commit ${head}`),
      );
    });
  });
}
