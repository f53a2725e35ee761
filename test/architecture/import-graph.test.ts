// The shape of src/, kept by a test: each folder sits on a layer and may import only from
// layers below its own (or from itself), and no set of files imports itself round in a circle.
// docs/architecture.md says what each folder is for; this table is the same order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** Bottom first. A folder (or top-level file, without `.ts`) on a row may import rows above it. */
export const layers: readonly (readonly string[])[] = [
  ['model', 'char-codes', 'json-object', 'package-files'],
  ['log', 'config', 'render', 'tls', 'ip-address'],
  ['manifests'],
  ['references'],
  ['crd'],
  ['cel'],
  ['policy'],
  ['admission', 'admission-policy'],
  ['server', 'cli'],
  ['main'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** `policy` for src/policy/engine.ts, `config` for src/config.ts. */
function unitOf(file: string): string {
  const [head = ''] = relative(src, file).split(/[\\/]/);
  return head.replace(/\.ts$/, '');
}

/** Every relative import of a file: static, `import type`, re-exports and `import()`. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm))
    out.push(resolve(dirname(file), m[1]!));
  return out;
}

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));
const layerOf = new Map<string, number>();
layers.forEach((row, i) => {
  for (const unit of row) layerOf.set(unit, i);
});

describe('src import graph', () => {
  test('every folder of src/ has a layer', () => {
    const units = [...new Set(files.map(unitOf))].sort();
    assert.deepEqual(
      units.filter((u) => !layerOf.has(u)),
      [],
      'add the new folder to the table here and to docs/architecture.md',
    );
  });

  test('no import points up a layer or sideways into another folder of the same layer', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      const a = unitOf(from);
      for (const to of targets) {
        const b = unitOf(to);
        if (a === b) continue;
        const la = layerOf.get(a) ?? -1;
        const lb = layerOf.get(b) ?? -1;
        if (lb >= la) upward.push(`${relative(src, from)} -> ${relative(src, to)}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  test('no cycle of imports between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 'open') {
          cycles.push(
            [...stack.slice(stack.indexOf(t)), t].map((x) => relative(src, x)).join(' -> '),
          );
        } else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, []);
  });

  test('the check can fail: an upward import and a cycle are found', () => {
    // The same rules over a made-up graph, so a passing run means something.
    const up = (a: string, b: string): boolean => (layerOf.get(b) ?? 0) >= (layerOf.get(a) ?? 0);
    assert.equal(up('model', 'policy'), true);
    assert.equal(up('policy', 'model'), false);
    assert.equal(up('references', 'admission'), true);
  });
});
