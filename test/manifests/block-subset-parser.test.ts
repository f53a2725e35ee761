// The fast reader must be invisible: for any text, parseManifestText (documents cut apart, the
// block-subset parser first, `yaml` per document when it declines) gives exactly what `yaml`
// over the whole stream gives: the same objects (key order included), indexes, List items,
// positions of every field, and errors. Checked on every manifest and CRD the repository and
// the shared reference hold, on hand-picked edge cases, and on generated manifests that mix
// the subset with everything it must decline.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { parseBlockSubset } from '../../src/manifests/block-subset-parser.ts';
import { constructDocument } from '../../src/manifests/construct.ts';
import { splitDocuments } from '../../src/manifests/document-chunks.ts';
import {
  parseManifestText,
  parseWholeStreamWithYaml,
} from '../../src/manifests/parse-manifest-text.ts';
import type { ParsedManifests } from '../../src/manifests/parse-manifest-text.ts';
import { generateStream } from '../../bench/check/generate.ts';
import { pathOf } from '../support/shown-findings.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS_DIRS = [
  join(REPO, 'test'),
  join(REPO, 'examples'),
  join(REPO, 'deploy'),
  join(REPO, '../shared/reference/toolhive-examples'),
  join(REPO, '../shared/reference/toolhive-crds'),
];

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return corpusFiles(path);
    return /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

/** Every field path of an object that locate() can take unambiguously. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => {
      const path = `${prefix}[${i}]`;
      return [path, ...fieldPaths(item, path)];
    });
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, member]) => {
    if (/[[\]]/.test(key)) return [];
    const dotted = key !== '' && !key.includes('.');
    const path = !dotted ? `${prefix}[${key}]` : prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...fieldPaths(member, path)];
  });
}

/** Everything a caller can observe of a reading. */
function observable(parsed: ParsedManifests): unknown {
  return {
    errors: parsed.errors,
    documents: parsed.documents.map((d) => ({
      source: d.source,
      index: d.index,
      listItem: d.listItem,
      line: d.line,
      column: d.column,
      object: d.object,
      json: JSON.stringify(d.object, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      positions: [...fieldPaths(d.object), 'no.such.field', 'metadata.nothing[3]'].map((p) => [
        p,
        d.locate(pathOf(p)),
        d.locateNearest(pathOf(p)),
      ]),
    })),
  };
}

function assertSameReading(text: string, label: string): void {
  assert.deepEqual(
    observable(parseManifestText(text, 'x.yaml')),
    observable(parseWholeStreamWithYaml(text, 'x.yaml')),
    `${label}:\n${text}`,
  );
}

/**
 * Per document: when the subset parser accepts, its value and field offsets equal what
 * construct.ts builds from `yaml`'s document. Returns how many documents it accepted.
 */
function assertSubsetAgreesWithYaml(text: string, label: string): number {
  const { chunks } = splitDocuments(text);
  let accepted = 0;
  for (const { start, end } of chunks) {
    const offsets = new Map<string, number>();
    const fast = parseBlockSubset(text, start, end, offsets);
    if (fast === undefined) continue;
    accepted += 1;
    const docs = parseAllDocuments(text.slice(start, end), {
      schema: 'failsafe',
      uniqueKeys: false,
    });
    const [doc] = docs;
    const context = `${label}, document at ${start}:\n${text.slice(start, end)}`;
    if (docs.length === 0) {
      // A piece of only comments and blank lines: no document for `yaml`, null for the subset.
      assert.equal(fast.value, null, context);
      continue;
    }
    assert.ok(Array.isArray(docs) && docs.length === 1 && doc !== undefined, context);
    assert.deepEqual(doc.errors, [], context);
    const rootOffset = doc.contents?.range[0] ?? doc.range[0];
    const constructed = constructDocument(doc.contents, rootOffset);
    assert.deepEqual(constructed.errors, [], context);
    const value = constructed.value;
    assert.deepEqual(fast.value, value, context);
    assert.equal(JSON.stringify(fast.value), JSON.stringify(value), context);
    if (value !== null) {
      assert.equal(fast.rootOffset - start, rootOffset, context);
      const shifted = [...constructed.offsets].map(([k, o]) => [k, o + start]);
      assert.deepEqual([...offsets], shifted, context);
    }
  }
  return accepted;
}

describe('the corpus: every manifest and CRD in the repository and the shared reference', () => {
  const files = CORPUS_DIRS.flatMap((dir) => corpusFiles(dir));
  test('the corpus is not empty', () => {
    assert.ok(files.length > 40, `${files.length} files`);
  });
  for (const file of files) {
    test(file.slice(REPO.length), () => {
      const text = readFileSync(file, 'utf8').replace(/^\ufeff/, '');
      assertSubsetAgreesWithYaml(text, file);
      assertSameReading(text, file);
    });
  }

  test('the benchmark stream is read by the subset parser throughout', () => {
    const { text, documents } = generateStream(200, 5);
    assert.equal(assertSubsetAgreesWithYaml(text, 'bench'), documents);
    assertSameReading(text, 'bench');
  });
});

// Inputs at the subset's edges: each must be read the same either way (accepted or declined).
const EDGE_CASES: readonly string[] = [
  '',
  '\n\n# only a comment\n',
  '---\n',
  '--- # c\nkind: A\n',
  '...\n',
  'kind: A\n...\n',
  'kind: A\n...\nkind: B\n',
  'kind: A\n...\n# c\n---\nkind: B\n',
  '# c\n---\n---\nkind: A\n',
  '%YAML 1.1\n---\nkind: A\n',
  'kind: A\n--- |\n  text\n',
  '--- {a: 1}\n',
  'a: "x\n---\ny"\n',
  'a: |\n  x\n---\nb: 1\n',
  'a: |\n  x\n  y\n\nb: 1\n',
  'a: |-\n  x\n\n\nb: 1\n',
  'a: |+\n  x\n\n',
  'a: |2\n   x\n',
  'a: >\n  folded\n  text\n',
  'a: |\n\n  x\n',
  'a: |\n  \n  x\n',
  'a: |\n    \n  x\n',
  'a: |\n  x\n   \n  y\n',
  'a: |\n  x\n    # not a comment\n  # nor this\n# a comment\nb: 1\n',
  'a: |\n    x\n  # less indented\nb: 1\n',
  'a: |\n  x',
  'a: |\n',
  'a: |\nb: 1\n',
  'a: |-\n\n\nb: 1\n',
  '- a\n- b\n',
  'just text\n',
  'a:\n- x\n-   y: 1\n    z: 2\n-\n  q: 1\n- []\n- {}\n- "s"\n- |\n  t\n',
  'a:\n-\nb: 1\n',
  'a:\n  -\n  - x\n',
  'a:\n- - x\n  - y\n',
  'a: b\n  # c\nd: 1\n',
  'a: b\n  # c\n  e\n',
  'a: b\n  c\n',
  'a:\n  b\n',
  '"": 1\nb: 2\n',
  'a: x #c\nb: "q" # d\nc: x#y\nd: "q"#e\n',
  'a:    \n  b: 1\n',
  'a: # comment\n  b: 1\n',
  'a: b: c\n',
  'a: b:\n',
  'a:b\n',
  'a : b\n',
  'on: 1\n"true": 2\n',
  'on: a\n1: b\n0x10: c\n1.5: d\n',
  '~: x\n',
  'a: 1\na: 2\n',
  '<<: {a: 1}\n',
  'b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n',
  '__proto__: {polluted: true}\n',
  '__proto__:\n  polluted: true\n',
  'a: 9007199254740993\n',
  'a: .inf\nb: .nan\n',
  'mode: 0755\nhex: 0x1F\nbin: 0b11\nbig: 1_000_000\nf: 1.5e3\nnil: ~\nempty:\nwhen: 2026-08-01\nsix: 1:30\n',
  "a: 'on'\nb: \"0755\"\nc: 'it''s'\nd: \"x\\ty\"\ne: ''\n",
  'a: [1, 2]\nb: {c: d}\nc: [ ]\nd: []x\n',
  'a: !!str 1\nb: &x y\nc: *x\n',
  'a: -\nb: - x\n',
  'a: -1\nb: --flag\nc: -x\n',
  'a: ?x\nb: ? x\n',
  'a: "a: b"\n- x\n',
  '- "a": 1\n',
  'list:\n- "a": 1\n  b: 2\n',
  'k: v\n\tt: 1\n',
  'k: v\r\nl: w\r\n',
  'k: caf\u00e9\nm: \u{1f600} x\n',
  'metadata:\n  annotations: {é: "ü", x: 1}\n',
  'a: b,c\nd: [x]y\ne: x,[y]\nf[0]: 1\n{g}: 2\n',
  'url: https://example.com/a?b=c#frag\n',
  `${'k'.repeat(1100)}: v\n`,
  'a:\n  b:\n    c:\n- x\n',
  'a:\n    b: 1\n  c: 2\n',
  ' a: 1\n',
  'apiVersion: v1\nkind: List\nitems:\n- kind: A\n- just text\n',
  'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - kind: Secret\n    metadata:\n      name: b\n',
  'kind: ConfigMapList\nitems: []\n',
  '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"on": "yes", "n": 1}}\n',
];

describe('edge cases of the subset', () => {
  for (const text of EDGE_CASES) {
    test(JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text), () => {
      assertSubsetAgreesWithYaml(text, 'edge case');
      assertSameReading(text, 'edge case');
    });
  }
});

// ---- generated manifests -----------------------------------------------------------------------

type Tree =
  | { readonly kind: 'map'; readonly entries: readonly (readonly [string, Tree])[] }
  | { readonly kind: 'seq'; readonly items: readonly Tree[] }
  | { readonly kind: 'scalar'; readonly text: string }
  | { readonly kind: 'block'; readonly header: string; readonly lines: readonly string[] };

const WORDS = ['name', 'spec', 'kind', 'x', 'app.kubernetes.io/name', 'a b', 'ns-1', 'é'];
const keyText = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...WORDS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'on',
      'yes',
      'true',
      'Off',
      '1',
      '0x10',
      '1.5',
      '~',
      'null',
      '<<',
      '__proto__',
      '"q"',
      "'s'",
      '"a: b"',
      "'it''s'",
      'a#b',
      'a:b',
      '-k',
      '?k',
      '[k]',
      '&a k',
      '!t k',
      '"e\\n"',
      '""',
      'k ',
      'k #c',
    ),
  },
);
const scalarText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('value', 'https://mcp.example.com/v1', 'sse', 'tools') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'yes',
      'no',
      'on',
      'OFF',
      'y',
      'true',
      '~',
      'null',
      'Null',
      '0755',
      '0x1F',
      '0b11',
      '0o17',
      '1_000',
      '-12',
      '+3',
      '1.5',
      '1e3',
      '.5',
      '.inf',
      '-.Inf',
      '.nan',
      '1e400',
      '9007199254740993',
      '9007199254740991',
      '2026-08-01',
      '1:30',
      '"quoted"',
      "'single'",
      "'it''s'",
      '"a #b"',
      '"esc\\t"',
      '""',
      "''",
      'x #comment',
      'a: b',
      'b:',
      '- x',
      '-1',
      '--flag',
      '[]',
      '{}',
      '[ ]',
      '[a, b]',
      '{a: 1}',
      '&anchor v',
      '*alias',
      '!!str 1',
      '!!int "7"',
      '? k',
      '>',
      '|',
      '@at',
      '`tick`',
      '%pct',
      'a,b',
      'x]',
      'tab\there',
      'é ü',
      '#hash',
      'a # b # c',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.stringMatching(/^[a-z0-9 :#'"\-.,[\]{}é]{1,12}$/),
  },
);
const blockLines = fc.array(
  fc.oneof(
    fc.constantFrom('line', '', '  more indented', '# not a comment', '---', 'a: b'),
    fc.stringMatching(/^[a-z #:]{0,8}$/),
  ),
  { maxLength: 5 },
);

const tree = fc.letrec<{ node: Tree; map: Tree; seq: Tree }>((tie) => ({
  node: fc.oneof(
    { weight: 5, arbitrary: scalarText.map((text): Tree => ({ kind: 'scalar', text })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ header: fc.constantFrom('|', '|-', '|+', '>', '>-', '|2'), lines: blockLines })
        .map((b): Tree => ({ kind: 'block', ...b })),
    },
    { weight: 2, arbitrary: tie('map') },
    { weight: 1, arbitrary: tie('seq') },
  ),
  map: fc
    .array(fc.tuple(keyText, tie('node')), { minLength: 1, maxLength: 5 })
    .map((entries): Tree => ({ kind: 'map', entries })),
  seq: fc
    .array(tie('node'), { minLength: 1, maxLength: 4 })
    .map((items): Tree => ({ kind: 'seq', items })),
}));

interface Style {
  readonly step: number; // indentation per level
  readonly seqIndented: boolean; // `key:\n  - a` rather than `key:\n- a`
  readonly comments: boolean; // comment lines here and there
  readonly trailing: string; // after inline values
}

const style = fc.record({
  step: fc.constantFrom(1, 2, 4),
  seqIndented: fc.boolean(),
  comments: fc.boolean(),
  trailing: fc.constantFrom('', ' ', '  # note', ' #'),
});

function render(node: Tree, indent: number, s: Style, out: string[], lead: string): void {
  const pad = ' '.repeat(indent);
  const comment = (at: number): void => {
    if (s.comments && out.length % 3 === 1) out.push(`${' '.repeat(at)}# remark`);
  };
  switch (node.kind) {
    case 'scalar':
      out.push(`${lead}${node.text}${s.trailing}`);
      return;
    case 'block':
      out.push(`${lead}${node.header}`);
      for (const line of node.lines)
        out.push(line === '' ? '' : `${pad}${' '.repeat(s.step)}${line}`);
      return;
    case 'map':
      node.entries.forEach(([key, value], i) => {
        const keyLead = i === 0 ? lead : pad;
        if (i > 0) comment(indent);
        if (value.kind === 'map') {
          out.push(`${keyLead}${key}:`);
          render(value, indent + s.step, s, out, ' '.repeat(indent + s.step));
        } else if (value.kind === 'seq') {
          out.push(`${keyLead}${key}:`);
          const at = s.seqIndented ? indent + s.step : indent;
          render(value, at, s, out, ' '.repeat(at));
        } else {
          render(value, indent, s, out, `${keyLead}${key}: `);
        }
      });
      return;
    case 'seq':
      node.items.forEach((item, i) => {
        const itemLead = `${i === 0 ? lead : pad}- `;
        if (i > 0) comment(indent);
        render(item, indent + 2, s, out, itemLead);
      });
      return;
  }
}

const SEPARATORS = ['---\n', '--- # next\n', '...\n---\n', '\n---\n\n', '---\n# empty\n---\n', ''];

const manifestStream = fc
  .record({
    docs: fc.array(
      fc.record({
        root: tree.map,
        style,
        separator: fc.constantFrom(...SEPARATORS),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    leading: fc.constantFrom('', '# header\n', '---\n'),
  })
  .map(({ docs, leading }) => {
    const parts = docs.map(({ root, style: s, separator }, i) => {
      const lines: string[] = [];
      render(root, 0, s, lines, '');
      return `${i === 0 ? '' : separator || '---\n'}${lines.join('\n')}\n`;
    });
    return leading + parts.join('');
  });

describe('generated manifests', () => {
  test('the subset parser agrees with yaml on every document it accepts, and the reading is the same', () => {
    let accepted = 0;
    fc.assert(
      fc.property(manifestStream, (text) => {
        accepted += assertSubsetAgreesWithYaml(text, 'generated');
        assertSameReading(text, 'generated');
      }),
      { numRuns: 1500 },
    );
    // The property is only worth something if the fast path is taken often.
    assert.ok(accepted > 300, `subset parser accepted only ${accepted} documents`);
  });

  test('Kubernetes-shaped documents (safe keys and values) are nearly all accepted', () => {
    const safeScalar = fc.constantFrom('value', 'sse', '"quoted"', "'single'", '8080', 'true', '~');
    const safeTree = fc.letrec<{ node: Tree; map: Tree }>((tie) => ({
      node: fc.oneof(
        { weight: 4, arbitrary: safeScalar.map((text): Tree => ({ kind: 'scalar', text })) },
        { weight: 1, arbitrary: tie('map') },
        {
          weight: 1,
          arbitrary: fc
            .array(tie('map'), { minLength: 1, maxLength: 3 })
            .map((items): Tree => ({ kind: 'seq', items })),
        },
      ),
      map: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...WORDS), tie('node')), {
          selector: ([k]) => k,
          minLength: 1,
          maxLength: 4,
        })
        .map((entries): Tree => ({ kind: 'map', entries })),
    }));
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(safeTree.map, style, (root, s) => {
        const lines: string[] = [];
        render(root, 0, { ...s, trailing: '' }, lines, '');
        const text = `${lines.join('\n')}\n`;
        total += 1;
        accepted += assertSubsetAgreesWithYaml(text, 'kubernetes-shaped');
        assertSameReading(text, 'kubernetes-shaped');
      }),
      { numRuns: 500 },
    );
    assert.ok(accepted >= total * 0.95, `accepted ${accepted} of ${total}`);
  });
});
