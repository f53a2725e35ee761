// Text to objects as kubectl reads it: document streams, Lists, aliases, YAML 1.1 scalars,
// strict duplicate fields, positions, and hostile input refused quickly with a position.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from '../../src/manifests/parse-manifest-text.ts';
import { MAX_ALIAS_EXPANSION_NODES, MAX_NESTING_DEPTH } from '../../src/manifests/construct.ts';
import { pathOf } from '../support/shown-findings.ts';

function objects(text: string): Record<string, unknown>[] {
  const parsed = parseManifestText(text, 'test.yaml');
  assert.deepEqual(parsed.errors, []);
  return parsed.documents.map((d) => d.object);
}

function onlyError(text: string): { line?: number; column?: number; message: string } {
  const parsed = parseManifestText(text, 'test.yaml');
  assert.equal(parsed.errors.length, 1, JSON.stringify(parsed.errors));
  const [error] = parsed.errors;
  assert.ok(error);
  assert.equal(error.source, 'test.yaml');
  return error;
}

const ENTRY = `apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata:
  name: docs
spec:
  remoteUrl: https://mcp.example.com/mcp
  transport: streamable-http
  groupRef:
    name: engineering
  headerForward:
    addPlaintextHeaders:
      X-Tenant-ID: tenant-1
    addHeadersFromSecret:
      - headerName: X-API-Key
        valueSecretRef:
          name: search-api
          key: api-key
`;

describe('document streams', () => {
  test('multi-document YAML yields each object with its index, empty documents skipped', () => {
    // Indexes count the pieces kubectl's decoder cuts at `---`: the leading comment is one.
    const parsed = parseManifestText(
      `# leading comment\n---\nkind: A\n---\n# only a comment\n---\nkind: B\n...\n---\nkind: C\n`,
      's.yaml',
    );
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(
      parsed.documents.map((d) => [d.object['kind'], d.index, d.line, d.column]),
      [
        ['A', 1, 3, 1],
        ['B', 3, 7, 1],
        ['C', 4, 10, 1],
      ],
    );
  });

  test('JSON is read as the one-document YAML it is', () => {
    const [obj] = objects(
      '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"data": {"on": "yes", "n": 1}\n}\n',
    );
    assert.deepEqual(obj, { apiVersion: 'v1', kind: 'ConfigMap', data: { on: 'yes', n: 1 } });
  });

  test('kind: List and typed lists expand into their items, with positions', () => {
    const parsed = parseManifestText(
      `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
  - apiVersion: v1
    kind: Secret
    metadata: {name: b}
---
apiVersion: v1
kind: ConfigMapList
items:
  - kind: ConfigMap
    metadata:
      name: c
`,
      'list.yaml',
    );
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(
      parsed.documents.map((d) => [d.object['kind'], d.index, d.listItem, d.line, d.column]),
      [
        ['ConfigMap', 0, 0, 4, 5],
        ['Secret', 0, 1, 7, 5],
        ['ConfigMap', 1, 0, 14, 5],
      ],
    );
    assert.deepEqual(parsed.documents[2]?.locate(pathOf('metadata.name')), {
      line: 16,
      column: 13,
    });
  });

  test('a List item that is not an object is an error; the others are kept', () => {
    const parsed = parseManifestText('kind: List\nitems:\n  - kind: A\n  - just text\n', 'l.yaml');
    assert.deepEqual(
      parsed.documents.map((d) => d.object['kind']),
      ['A'],
    );
    assert.equal(parsed.errors.length, 1);
    assert.match(parsed.errors[0]?.message ?? '', /expected a Kubernetes object.*string/);
    assert.equal(parsed.errors[0]?.line, 4);
  });

  test('a document that is a sequence or a scalar is an error', () => {
    assert.match(onlyError('- a\n- b\n').message, /found a sequence/);
    assert.match(onlyError('just text\n').message, /found string/);
  });

  test('comments, anchors, aliases and merge keys', () => {
    const [obj] = objects(`# header
metadata: &meta
  labels: {team: platform}  # trailing comment
spec:
  base: &base {transport: sse, groupRef: {name: g}}
  copy: *base
  merged:
    <<: [*base, {extra: 1, transport: ignored}]
    transport: streamable-http
  labels: *meta
`);
    assert.deepEqual(obj, {
      metadata: { labels: { team: 'platform' } },
      spec: {
        base: { transport: 'sse', groupRef: { name: 'g' } },
        copy: { transport: 'sse', groupRef: { name: 'g' } },
        merged: { transport: 'streamable-http', groupRef: { name: 'g' }, extra: 1 },
        labels: { labels: { team: 'platform' } },
      },
    });
  });

  test('aliased values are copies, so editing one does not change another', () => {
    const [obj] = objects('a: &x {k: 1}\nb: *x\n');
    const a = obj?.['a'] as Record<string, unknown>;
    a['k'] = 2;
    assert.deepEqual(obj?.['b'], { k: 1 });
  });
});

describe('scalars as Kubernetes reads them (go-yaml v2, YAML 1.1)', () => {
  test('`transport: on` is the boolean true (so the schema rejects it), `allowPrivateEndpoint: yes` is true', () => {
    const [obj] = objects('spec:\n  transport: on\n  allowPrivateEndpoint: yes\n  other: off\n');
    assert.deepEqual(obj, { spec: { transport: true, allowPrivateEndpoint: true, other: false } });
  });

  test('quoted and block scalars stay strings', () => {
    const [obj] = objects('a: \'on\'\nb: "0755"\nc: |\n  yes\nd: >-\n  12\n');
    assert.deepEqual(obj, { a: 'on', b: '0755', c: 'yes\n', d: '12' });
  });

  test('octal, hex, binary, underscores, floats, nulls and timestamps', () => {
    const [obj] = objects(
      'mode: 0755\nhex: 0x1F\nbin: 0b11\nbig: 1_000_000\nf: 1.5e3\nnil: ~\nempty:\nwhen: 2026-08-01T10:00:00Z\nsexagesimal: 1:30\n',
    );
    assert.deepEqual(obj, {
      mode: 493,
      hex: 31,
      bin: 3,
      big: 1000000,
      f: 1500,
      nil: null,
      empty: null,
      when: '2026-08-01T10:00:00Z',
      sexagesimal: '1:30',
    });
  });

  test('explicit tags: !!str keeps text, !!int reads a quoted number, a mismatch is an error', () => {
    const [obj] = objects('a: !!str 0755\nb: !!int "42"\nc: !!float 1\nd: !custom text\n');
    assert.deepEqual(obj, { a: '0755', b: 42, c: 1, d: 'text' });
    const error = onlyError('x: 1\ny: !!int twelve\n');
    assert.match(error.message, /cannot decode !!str `twelve` as a !!int/);
    assert.deepEqual([error.line, error.column], [2, 10]);
  });

  test('non-string keys become JSON member names as sigs.k8s.io/yaml makes them', () => {
    const [obj] = objects('on: a\n1: b\n0x10: c\n1.5: d\n');
    assert.deepEqual(obj, { true: 'a', '1': 'b', '16': 'c', '1.5': 'd' });
  });

  test('a null key is an error (JSON has none)', () => {
    assert.match(onlyError('~: x\n').message, /map key must be a string/);
  });

  test('integers beyond 2^53 are kept exactly, as kubectl sends them (int64 and uint64)', () => {
    assert.deepEqual(objects('spec:\n  size: 9007199254740993\n'), [
      { spec: { size: 9007199254740993n } },
    ]);
    assert.deepEqual(
      objects('a: -9223372036854775808\nb: 18446744073709551615\nc: 0x7fffffffffffffff\n'),
      [{ a: -9223372036854775808n, b: 18446744073709551615n, c: 9223372036854775807n }],
    );
    // Beyond 64 bits go-yaml reads a decimal as a float64 (and hex as text), and so do we.
    assert.deepEqual(objects('a: 18446744073709551616\nb: 0x10000000000000000\n'), [
      { a: 18446744073709551616, b: '0x10000000000000000' },
    ]);
    assert.deepEqual(objects('ok: 9007199254740991\n'), [{ ok: 9007199254740991 }]);
  });

  test('.inf and .nan cannot become JSON', () => {
    assert.match(onlyError('a: .inf\n').message, /not a number JSON can carry/);
    assert.match(onlyError('a: .nan\n').message, /not a number JSON can carry/);
  });

  test('a __proto__ key is data, not a prototype change', () => {
    const [obj] = objects('__proto__: {polluted: true}\n');
    assert.ok(obj);
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.keys(obj), ['__proto__']);
    assert.equal((obj as { polluted?: unknown }).polluted, undefined);
  });
});

describe('duplicate fields (kubectl strict field validation)', () => {
  test('a repeated key is an error at the second occurrence', () => {
    const error = onlyError(
      'spec:\n  transport: sse\n  remoteUrl: https://a\n  transport: streamable-http\n',
    );
    assert.match(error.message, /duplicate field "spec\.transport"/);
    assert.deepEqual([error.line, error.column], [4, 3]);
  });

  test('keys that resolve to the same name collide (`on` and `true`)', () => {
    assert.match(onlyError('on: 1\n"true": 2\n').message, /duplicate field "true"/);
  });

  test('a merged key overridden by an explicit one is not a duplicate', () => {
    assert.deepEqual(objects('b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n')[0]?.['c'], { x: 2 });
  });

  test('the document with the duplicate is dropped, the others in the file are kept', () => {
    const parsed = parseManifestText('kind: A\n---\nkind: B\nkind: C\n---\nkind: D\n', 'd.yaml');
    assert.deepEqual(
      parsed.documents.map((d) => d.object['kind']),
      ['A', 'D'],
    );
    assert.equal(parsed.errors.length, 1);
    assert.equal(parsed.errors[0]?.line, 4);
  });
});

describe('syntax errors', () => {
  test('broken YAML is reported with line and column; the other documents are kept', () => {
    const parsed = parseManifestText(
      'kind: Good\n---\nkind: Bad\nspec: [1, 2\n---\nkind: AlsoGood\n',
      'b.yaml',
    );
    assert.deepEqual(
      parsed.documents.map((d) => d.object['kind']),
      ['Good', 'AlsoGood'],
    );
    assert.ok(parsed.errors.length >= 1);
    const [error] = parsed.errors;
    assert.equal(error?.source, 'b.yaml');
    assert.match(error?.message ?? '', /^YAML syntax error: /);
    assert.equal(typeof error?.line, 'number');
    assert.ok((error?.line ?? 0) >= 4 && (error?.line ?? 0) <= 5, `line ${error?.line}`);
    assert.equal(typeof error?.column, 'number');
  });

  test('bad indentation points at its line', () => {
    const parsed = parseManifestText('metadata:\n  name: a\n name: b\n', 'i.yaml');
    assert.equal(parsed.documents.length, 0);
    assert.equal(parsed.errors[0]?.line, 3);
  });

  test('an unknown alias is an error', () => {
    const parsed = parseManifestText('a: *nowhere\n', 'a.yaml');
    assert.equal(parsed.documents.length, 0);
    assert.match(parsed.errors[0]?.message ?? '', /nowhere/);
  });
});

// How fast each hostile input is refused is a figure in bench/hot-paths.ts.
describe('hostile input', () => {
  test('billion laughs: refused with a clear message', () => {
    let text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++) {
      text += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]\n`;
    }
    const error = onlyError(text);
    assert.match(error.message, new RegExp(`more than ${MAX_ALIAS_EXPANSION_NODES} nodes`));
  });

  test('a merge-key bomb is stopped by the same budget', () => {
    let text = 'a0: &a0 {k: v}\n';
    for (let i = 1; i < 12; i++) {
      text += `a${i}: &a${i}\n${Array.from({ length: 8 }, (_, j) => `  k${j}: *a${i - 1}`).join('\n')}\n`;
    }
    assert.match(onlyError(text).message, /aliases expand/);
  });

  test('an alias inside the node it names is refused', () => {
    const parsed = parseManifestText('a: &x\n  b: *x\n', 'r.yaml');
    assert.equal(parsed.documents.length, 0);
    assert.ok(parsed.errors.length >= 1);
  });

  test('deep flow nesting is refused before parsing (1,000,000 brackets)', () => {
    const error = onlyError(`a: ${'['.repeat(1_000_000)}`);
    assert.match(error.message, /brackets nest deeper than/);
    assert.equal(error.line, 1);
  });

  test('nesting just past the cap is refused with the cap in the message', () => {
    const depth = MAX_NESTING_DEPTH + 10;
    const error = onlyError(`a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    assert.match(error.message, new RegExp(`nesting deeper than ${MAX_NESTING_DEPTH} levels`));
  });

  test('deep block nesting (indentation) is refused', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    const parsed = parseManifestText(text, 'deep.yaml');
    assert.equal(parsed.documents.length, 0);
    assert.equal(parsed.errors.length, 1);
    assert.match(parsed.errors[0]?.message ?? '', /nesting/);
  });

  test('a long chain of block indicators on one line is refused before parsing', () => {
    const error = onlyError(`${'- '.repeat(500_000)}x\n`);
    assert.match(error.message, /block indicators/);
  });

  test('nesting that real manifests use is fine', () => {
    const depth = 40;
    const [obj] = objects(`a: ${'['.repeat(depth)}1${']'.repeat(depth)}\n`);
    assert.ok(obj);
  });
});

describe('locate: field path to line and column', () => {
  const parsed = parseManifestText(`# comment\n---\n${ENTRY}`, 'entry.yaml');
  const [doc] = parsed.documents;
  assert.ok(doc);

  const table: [path: string, line: number, column: number][] = [
    ['', 3, 1],
    // Where each value is written (a nested block: its first line).
    ['spec', 8, 3],
    ['spec.remoteUrl', 8, 14],
    ['spec.transport', 9, 14],
    ['spec.groupRef.name', 11, 11],
    ['spec.headerForward.addPlaintextHeaders[X-Tenant-ID]', 14, 20],
    ['spec.headerForward.addPlaintextHeaders.X-Tenant-ID', 14, 20],
    ['spec.headerForward.addHeadersFromSecret[0]', 16, 9],
    ['spec.headerForward.addHeadersFromSecret[0].headerName', 16, 21],
    ['spec.headerForward.addHeadersFromSecret[0].valueSecretRef.key', 19, 16],
  ];
  for (const [path, line, column] of table) {
    test(`${path === '' ? '(object)' : path} is at ${line}:${column}`, () => {
      assert.deepEqual(
        path === '' ? { line: doc.line, column: doc.column } : doc.locate(pathOf(path)),
        {
          line,
          column,
        },
      );
    });
  }

  test('a field that is not written is undefined; locateNearest falls back to its parent', () => {
    assert.equal(doc.locate(pathOf('spec.caBundleRef')), undefined);
    assert.equal(doc.locate(pathOf('spec.headerForward.addHeadersFromSecret[3]')), undefined);
    assert.deepEqual(doc.locateNearest(pathOf('spec.caBundleRef.configMapRef.name')), {
      line: 7,
      column: 1,
    });
    assert.deepEqual(doc.locateNearest(pathOf('nothing.here')), { line: 3, column: 1 });
  });

  test('a field reached through an alias is located at the alias', () => {
    const [aliased] = parseManifestText(
      'base: &b {name: g}\nspec:\n  groupRef: *b\n',
      'a.yaml',
    ).documents;
    assert.deepEqual(aliased?.locate(pathOf('spec.groupRef')), { line: 3, column: 13 });
    assert.deepEqual(aliased?.locateNearest(pathOf('spec.groupRef.name')), { line: 3, column: 3 });
  });

  test('columns count characters, not bytes', () => {
    const [doc2] = parseManifestText(
      'metadata:\n  annotations: {é: "ü", x: 1}\n',
      'u.yaml',
    ).documents;
    assert.deepEqual(doc2?.locate(pathOf('metadata.annotations.x')), { line: 2, column: 28 });
  });
});
