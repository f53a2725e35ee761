// scripts/build.ts: dist/ from src/ with Node's own type stripping, no dev dependency. What the
// npm package, `prepare` under pre-commit and `npm run build` ship rests on two properties
// checked here: every relative `.ts` specifier becomes `.js` (a missed one would fail at import
// time in the installed package), and every token keeps its line and column (stack traces and
// the logger's error positions point into src/ without source maps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toJavaScript } from '../../scripts/build.ts';
import { repoRoot } from './support.ts';

test('types are blanked in place and relative .ts specifiers become .js', () => {
  const source = [
    "import type { A } from './a.ts';",
    "import { b, type C } from '../b/c.ts';",
    "export { d } from './d.ts';",
    "export * from './e.ts';",
    'const f = await import(',
    "  './f.ts');",
    "import './side-effect.ts';",
    "import { readFileSync } from 'node:fs';",
    "const literal: string = './not-an-import.ts';",
    'export function g(x: number, y?: C): A | undefined { return undefined as unknown as A; }',
  ].join('\n');
  const output = toJavaScript(source);
  const lines = output.split('\n');
  assert.equal(lines.length, source.split('\n').length);
  assert.equal(lines[0]?.trim(), '');
  assert.match(lines[1] ?? '', /^import \{ b,\s+\} from '\.\.\/b\/c\.js';$/);
  assert.equal(lines[2], "export { d } from './d.js';");
  assert.equal(lines[3], "export * from './e.js';");
  assert.equal(lines[5], "  './f.js');");
  assert.equal(lines[6], "import './side-effect.js';");
  assert.equal(lines[7], "import { readFileSync } from 'node:fs';");
  assert.match(lines[8] ?? '', /= '\.\/not-an-import\.ts';$/, 'a plain string is left alone');
  // Same columns: `return` sits where it sat in the source.
  const sourceLast = source.split('\n')[9] ?? '';
  assert.equal(lines[9]?.indexOf('return'), sourceLast.indexOf('return'));
  assert.doesNotMatch(lines[9] ?? '', /number|: C|\| undefined|as unknown/);
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

test('every file of src/ builds with no relative .ts specifier left and its line count kept', () => {
  const files = sources(join(repoRoot, 'src'));
  assert.ok(files.length > 50, `${files.length} sources`);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const output = toJavaScript(source);
    assert.equal(output.split('\n').length, source.split('\n').length, file);
    assert.doesNotMatch(output, /['"]\.{1,2}\/[^'"\n]*\.ts['"]/, file);
  }
});
