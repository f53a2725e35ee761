// The build: a clean dist/ holding every src/**/*.ts as JavaScript, plus dist/build-info.json
// naming the commit that `mcpentry-webhook --version` prints. Run by `npm run build`, by
// `prepare` (npm ci, installs from git, pre-commit) and by `prepack` (npm pack and publish:
// dist/ starts empty, so no file compiled from a since-removed source can ship).
// `--unless-packing` (prepare's flag) does nothing when npm runs it as part of pack or
// publish, where prepack has just built.
//
// It needs nothing but Node (>= 22.19, the package's `engines`): the sources use only erasable
// TypeScript (tsconfig.json: erasableSyntaxOnly, verbatimModuleSyntax), so Node's own
// `stripTypeScriptTypes` turns each file into JavaScript by blanking its types, and the
// relative `.ts` import specifiers become `.js` (tsc's rewriteRelativeImportExtensions).
// Every line and column stays where it was in the source, so stack traces point into src/
// without source maps. No dev dependency is involved, which is what lets an install from git
// build (pre-commit installs a hook with `npm install -g git+file://...`, and npm's preparation
// of that clone does not reliably give it its dev dependencies). Type checking is
// `npm run typecheck`'s job.
//
// The commit comes from MCPENTRY_COMMIT (the image build, which has no .git), else from git,
// marked `-dirty` when the work tree differs from it; `unknown` outside a checkout.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';
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

/**
 * Relative module specifiers ending in `.ts` in static imports, re-exports and `import()`
 * calls with a literal argument (the only forms src/ uses; the build test checks none is left).
 */
const relativeTsSpecifier =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\r\n]*)\.ts\2/g;

/** One source file as JavaScript: types blanked in place, relative `.ts` specifiers made `.js`. */
export function toJavaScript(source: string): string {
  return stripTypeScriptTypes(source, { mode: 'strip' }).replace(
    relativeTsSpecifier,
    (_match, lead: string, quote: string, path: string) => `${lead}${quote}${path}.js${quote}`,
  );
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

export function build(): void {
  const src = join(packageRoot, 'src');
  const dist = join(packageRoot, 'dist');
  rmSync(dist, { recursive: true, force: true });
  for (const file of sources(src)) {
    const target = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, toJavaScript(readFileSync(file, 'utf8')));
  }
  writeFileSync(buildInfoFile, `${JSON.stringify({ commit: currentCommit() })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const packing = ['pack', 'publish'].includes(process.env['npm_command'] ?? '');
  if (process.argv.includes('--unless-packing') && packing) process.exit(0);
  build();
}
