// The pre-commit hook as users set it up: the real `pre-commit` (from PyPI, in a venv cached
// under ~/.cache/mcpentry-webhook), a `.pre-commit-config.yaml` naming this repository and a
// revision, and a temporary git repository whose staged manifests it checks. The repository it
// installs from is a snapshot commit of the working tree (tracked and untracked-but-not-ignored
// files), so uncommitted work is what gets tested. pre-commit's node language runs the Node
// and the npm found on PATH; nodeenv looks for `nodejs` before `node` (on Debian,
// /usr/bin/nodejs is the distribution's Node 20), so both names point at Node 24 here, and
// `npm` is npm 12: pre-commit installs the hook with `npm install -g git+file://...`, and npm 11
// prepares that git dependency with a nested install that inherits `--global` (npm/cli#9406,
// fixed in npm 12), which races the outer install in the same global directory (ENOTEMPTY).
// docs/ci-gate.md says so to users.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allowedManifest,
  cacheRoot,
  deniedManifest,
  mustRun,
  npmBinDir,
  projectNodeBin,
  repoRoot,
  run,
  userEnv,
} from './support.ts';

const preCommitVersion = '4.7.0';
/** npm 12 (pacote 22) prepares git dependencies with `--global=false`. */
const npmVersion = '12.2.3';

/** pre-commit from PyPI in a venv of its own, created once (a venv cannot be moved, hence the marker). */
function preCommit(): string {
  const venv = join(cacheRoot, `pre-commit-${preCommitVersion}`);
  const marker = join(venv, '.installed');
  if (!existsSync(marker)) {
    rmSync(venv, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', venv]);
    execFileSync(join(venv, 'bin', 'pip'), [
      'install',
      '--quiet',
      `pre-commit==${preCommitVersion}`,
    ]);
    writeFileSync(marker, '');
  }
  return join(venv, 'bin', 'pre-commit');
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

describe('the pre-commit hook', { timeout: 20 * 60_000 }, () => {
  let work = '';
  let user = '';
  let env: NodeJS.ProcessEnv = {};

  before(() => {
    const bin = preCommit();
    work = mkdtempSync(join(tmpdir(), 'mcpentry-pre-commit-'));
    // The hook repository: the working tree as one commit.
    const hookRepo = join(work, 'hook-repo');
    mkdirSync(hookRepo);
    const files = execFileSync(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    )
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(repoRoot, f)));
    execFileSync('sh', ['-c', `tar -c --null -T - | tar -x -C '${hookRepo}'`], {
      cwd: repoRoot,
      input: files.join('\0'),
    });
    git(hookRepo, 'init', '--quiet');
    git(hookRepo, 'add', '--all');
    git(hookRepo, 'commit', '--quiet', '--message', 'snapshot');
    const rev = git(hookRepo, 'rev-parse', 'HEAD');

    // Node 24 first on PATH, under both names nodeenv looks for, with npm 12.
    const nodeBin = join(work, 'node-bin');
    mkdirSync(nodeBin);
    symlinkSync(join(projectNodeBin, 'node'), join(nodeBin, 'node'));
    symlinkSync(join(projectNodeBin, 'node'), join(nodeBin, 'nodejs'));
    symlinkSync(join(npmBinDir(npmVersion), 'npm'), join(nodeBin, 'npm'));
    env = userEnv(nodeBin, { PRE_COMMIT_HOME: join(work, 'pre-commit-home') });
    env['PATH'] = `${env['PATH'] ?? ''}:${join(bin, '..')}`;

    user = join(work, 'user-repo');
    mkdirSync(user);
    git(user, 'init', '--quiet');
    // The configuration docs/ci-gate.md gives users, with this snapshot as repo and rev. It
    // names deploy/ as --context: the group the entries need lives there, in a file the hook
    // is not given.
    const docs = readFileSync(join(repoRoot, 'docs/ci-gate.md'), 'utf8');
    const documented = /## pre-commit\n+```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    assert.ok(documented.includes('--context, deploy/'), 'docs/ci-gate.md has the configuration');
    writeFileSync(
      join(user, '.pre-commit-config.yaml'),
      documented
        .replace(/repo: https:\/\/github\.com\/\S+/, `repo: ${hookRepo}`)
        .replace(/rev: \S+/, `rev: ${rev}`),
    );
    const [group = '', allowedEntry = ''] = allowedManifest.split('---\n');
    const [, deniedEntry = ''] = deniedManifest.split('---\n');
    assert.match(group, /kind: MCPGroup/);
    mkdirSync(join(user, 'deploy'));
    writeFileSync(join(user, 'deploy', 'groups.yaml'), group);
    writeFileSync(join(user, 'allowed.yaml'), allowedEntry);
    writeFileSync(join(user, 'denied.yaml'), deniedEntry);
    git(user, 'add', '--all');
    // Installs the hook's environment once (npm install -g of the repository, which builds it).
    mustRun(bin, ['install-hooks'], { cwd: user, env, timeoutMs: 15 * 60_000 });
  });

  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  const hook = (file: string) =>
    run(
      join(cacheRoot, `pre-commit-${preCommitVersion}`, 'bin', 'pre-commit'),
      ['run', '--files', file],
      {
        cwd: user,
        env,
      },
    );

  test('a denied entry fails the hook, naming the rule', () => {
    const result = hook('denied.yaml');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /MCPServerEntry admission check\.+Failed/);
    assert.match(result.stdout, /denied\.yaml:\d+:\d+: error: .*\[remote-url\.metadata\]/);
  });

  test('an allowed entry passes', () => {
    const result = hook('allowed.yaml');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /MCPServerEntry admission check\.+Passed/);
  });

  test('a git commit runs it as a hook and is refused for the denied entry', () => {
    mustRun(join(cacheRoot, `pre-commit-${preCommitVersion}`, 'bin', 'pre-commit'), ['install'], {
      cwd: user,
      env,
    });
    const commit = run(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-m', 'entries'],
      {
        cwd: user,
        env,
      },
    );
    assert.notEqual(commit.code, 0);
    assert.match(commit.stdout + commit.stderr, /\[remote-url\.metadata\]/);
  });
});
