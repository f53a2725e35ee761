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

if (import.meta.url === `file://${process.argv[1]}`) {
  const packing = ['pack', 'publish'].includes(process.env['npm_command'] ?? '');
  if (process.argv.includes('--unless-packing') && packing) process.exit(0);
  rmSync(`${packageRoot}dist`, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: packageRoot,
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  mkdirSync(`${packageRoot}dist`, { recursive: true });
  writeFileSync(buildInfoFile, `${JSON.stringify({ commit: currentCommit() })}\n`);
}
