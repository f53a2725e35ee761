// The build: a clean dist/ compiled by tsc, plus dist/build-info.json naming the commit that
// `mcpentry-webhook --version` prints. Run by `npm run build`, by `prepare` (npm ci, installs
// from git) and by `prepack` (npm pack and publish: dist/ starts empty, so no file compiled
// from a since-removed source can ship). `--unless-packing` (prepare's flag) does nothing when
// npm runs it as part of pack or publish, where prepack has just built.
//
// The commit comes from MCPENTRY_COMMIT (the image build, which has no .git), else from git,
// marked `-dirty` when the work tree differs from it; `unknown` outside a checkout.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildInfoFile, packageRoot } from '../src/package-files.ts';

function git(args: string[]): string | undefined {
  const run = spawnSync('git', args, { cwd: packageRoot, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

export function currentCommit(env: NodeJS.ProcessEnv = process.env): string {
  const given = env['MCPENTRY_COMMIT']?.trim();
  if (given) return given;
  const head = git(['rev-parse', 'HEAD']);
  if (head === undefined) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return dirty === '' || dirty === undefined ? head : `${head}-dirty`;
}

// npm's configuration from the calling install removed (pre-commit's prefix, --force), so a
// nested npm works on this package's own directory.
const ownEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')),
);

/**
 * tsc from the dev dependencies, installing them first if they are missing. They are missing
 * under pre-commit: it installs a hook with `npm install -g git+file://...` while exporting
 * NPM_CONFIG_PREFIX, and npm's preparation of that git dependency then installs into the
 * prefix instead of the clone, so the clone's `prepare` finds no dev dependencies (pre-commit
 * 4.7 with npm 11).
 */
function tscPath(): string {
  const resolve = () => createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    return resolve();
  } catch {
    const npm = process.env['npm_execpath'];
    if (npm === undefined) throw new Error('typescript is not installed; run `npm ci` first');
    const install = spawnSync(
      process.execPath,
      [npm, 'ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: packageRoot, stdio: 'inherit', env: ownEnv },
    );
    if (install.status !== 0) process.exit(install.status ?? 1);
    return resolve();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const packing = ['pack', 'publish'].includes(process.env['npm_command'] ?? '');
  if (process.argv.includes('--unless-packing') && packing) process.exit(0);
  rmSync(`${packageRoot}dist`, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tscPath(), '-p', 'tsconfig.build.json'], {
    cwd: packageRoot,
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  mkdirSync(`${packageRoot}dist`, { recursive: true });
  writeFileSync(buildInfoFile, `${JSON.stringify({ commit: currentCommit() })}\n`);
}
