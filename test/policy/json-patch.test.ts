import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPatch, diffToPatch, jsonPointer } from '../../src/policy/json-patch.ts';
import type { JsonPatchOperation } from '../../src/model/verdict.ts';

void describe('jsonPointer: RFC 6901 escaping', () => {
  const cases: readonly [readonly (string | number)[], string][] = [
    [[], ''],
    [['spec'], '/spec'],
    [['metadata', 'labels', 'app.kubernetes.io/name'], '/metadata/labels/app.kubernetes.io~1name'],
    [['a~b'], '/a~0b'],
    [['~1'], '/~01'],
    [['a/~'], '/a~1~0'],
    [['//'], '/~1~1'],
    [[''], '/'],
    [['', ''], '//'],
    [['spec', 'list', 3], '/spec/list/3'],
    [[0], '/0'],
    [['-'], '/-'],
    [['__proto__'], '/__proto__'],
  ];
  for (const [segments, pointer] of cases) {
    void test(`${JSON.stringify(segments)} -> ${JSON.stringify(pointer)}`, () => {
      assert.equal(jsonPointer(segments), pointer);
    });
  }
});

interface DiffCase {
  readonly name: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly patch: readonly JsonPatchOperation[];
}

void describe('diffToPatch: minimal operations', () => {
  const cases: DiffCase[] = [
    {
      name: 'equal objects give no operations',
      before: { a: [1, { b: 2 }] },
      after: { a: [1, { b: 2 }] },
      patch: [],
    },
    { name: 'key order does not matter', before: { a: 1, b: 2 }, after: { b: 2, a: 1 }, patch: [] },
    {
      name: 'a new key is added',
      before: { a: 1 },
      after: { a: 1, b: 2 },
      patch: [{ op: 'add', path: '/b', value: 2 }],
    },
    {
      name: 'a new subtree is one add at its root, never an add under a missing parent',
      before: { metadata: { name: 'x' } },
      after: { metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'y' } } },
      patch: [{ op: 'add', path: '/metadata/labels', value: { 'app.kubernetes.io/name': 'y' } }],
    },
    {
      name: 'an empty new object is still added whole',
      before: {},
      after: { metadata: { labels: {} } },
      patch: [{ op: 'add', path: '/metadata', value: { labels: {} } }],
    },
    {
      name: 'a key with / and ~ is escaped',
      before: { metadata: { labels: {} } },
      after: { metadata: { labels: { 'app.kubernetes.io/name': 'y', 'a~b': 'z' } } },
      patch: [
        { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'y' },
        { op: 'add', path: '/metadata/labels/a~0b', value: 'z' },
      ],
    },
    {
      name: 'a changed scalar is replaced',
      before: { spec: { transport: 'sse' } },
      after: { spec: { transport: 'streamable-http' } },
      patch: [{ op: 'replace', path: '/spec/transport', value: 'streamable-http' }],
    },
    {
      name: 'a type change is replaced',
      before: { spec: { x: { y: 1 } } },
      after: { spec: { x: 'flat' } },
      patch: [{ op: 'replace', path: '/spec/x', value: 'flat' }],
    },
    {
      name: 'object to array is replaced',
      before: { x: { 0: 'a' } },
      after: { x: ['a'] },
      patch: [{ op: 'replace', path: '/x', value: ['a'] }],
    },
    {
      name: 'a dropped key is removed',
      before: { a: 1, b: 2 },
      after: { a: 1 },
      patch: [{ op: 'remove', path: '/b' }],
    },
    {
      name: 'null to absent is a remove',
      before: { a: null },
      after: {},
      patch: [{ op: 'remove', path: '/a' }],
    },
    {
      name: 'absent to null is an add',
      before: {},
      after: { a: null },
      patch: [{ op: 'add', path: '/a', value: null }],
    },
    {
      name: 'false to null is a replace',
      before: { a: false },
      after: { a: null },
      patch: [{ op: 'replace', path: '/a', value: null }],
    },
    {
      name: 'same-length arrays are diffed element by element',
      before: { list: [{ a: 1 }, 'x', 3] },
      after: { list: [{ a: 1, b: 2 }, 'y', 3] },
      patch: [
        { op: 'add', path: '/list/0/b', value: 2 },
        { op: 'replace', path: '/list/1', value: 'y' },
      ],
    },
    {
      name: 'arrays of different length are replaced whole',
      before: { list: [1, 2] },
      after: { list: [1, 2, 3] },
      patch: [{ op: 'replace', path: '/list', value: [1, 2, 3] }],
    },
    {
      name: 'a shorter array is replaced whole',
      before: { list: [1, 2] },
      after: { list: [] },
      patch: [{ op: 'replace', path: '/list', value: [] }],
    },
    {
      name: 'a changed root scalar replaces the root',
      before: 1,
      after: 2,
      patch: [{ op: 'replace', path: '', value: 2 }],
    },
    {
      name: 'root object to null',
      before: { a: 1 },
      after: null,
      patch: [{ op: 'replace', path: '', value: null }],
    },
    {
      name: 'the empty key',
      before: { '': 1 },
      after: { '': 2 },
      patch: [{ op: 'replace', path: '/', value: 2 }],
    },
    {
      name: 'an own __proto__ key is an ordinary key',
      before: JSON.parse('{"a":1}'),
      after: JSON.parse('{"a":1,"__proto__":{"polluted":true}}'),
      patch: [{ op: 'add', path: '/__proto__', value: JSON.parse('{"polluted":true}') }],
    },
    {
      name: 'undefined properties count as absent',
      before: { a: 1, b: undefined },
      after: { a: 1 },
      patch: [],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const patch = diffToPatch(c.before, c.after);
      assert.deepEqual(patch, c.patch);
      assert.deepEqual(applyPatch(c.before, patch), JSON.parse(JSON.stringify(c.after)));
    });
  }

  void test('operation values are copies, not the after object', () => {
    const after = { labels: { a: 'b' } };
    const [operation] = diffToPatch({}, after);
    after.labels.a = 'changed';
    assert.deepEqual(operation?.value, { a: 'b' });
  });

  void test('__proto__ never reaches Object.prototype', () => {
    const after: unknown = JSON.parse('{"__proto__":{"polluted":true}}');
    const result = applyPatch({}, diffToPatch({}, after)) as Record<string, unknown>;
    assert.ok(Object.hasOwn(result, '__proto__'));
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

interface ApplyCase {
  readonly name: string;
  readonly doc: unknown;
  readonly patch: readonly JsonPatchOperation[];
  readonly result: unknown;
}

interface ApplyErrorCase {
  readonly name: string;
  readonly doc: unknown;
  readonly patch: readonly JsonPatchOperation[];
  readonly error: RegExp;
}

void describe('applyPatch: RFC 6902 semantics', () => {
  const cases: ApplyCase[] = [
    {
      name: 'add on an existing key replaces it',
      doc: { a: 1 },
      patch: [{ op: 'add', path: '/a', value: 2 }],
      result: { a: 2 },
    },
    {
      name: 'add a new key',
      doc: { a: 1 },
      patch: [{ op: 'add', path: '/b', value: [1] }],
      result: { a: 1, b: [1] },
    },
    {
      name: 'add at an array index inserts',
      doc: { l: [1, 3] },
      patch: [{ op: 'add', path: '/l/1', value: 2 }],
      result: { l: [1, 2, 3] },
    },
    {
      name: 'add at the array length appends',
      doc: { l: [1] },
      patch: [{ op: 'add', path: '/l/1', value: 2 }],
      result: { l: [1, 2] },
    },
    {
      name: '- appends',
      doc: { l: [1] },
      patch: [{ op: 'add', path: '/l/-', value: 2 }],
      result: { l: [1, 2] },
    },
    {
      name: 'replace an array element',
      doc: { l: [1, 2] },
      patch: [{ op: 'replace', path: '/l/0', value: 9 }],
      result: { l: [9, 2] },
    },
    {
      name: 'remove an array element shifts the rest',
      doc: { l: [1, 2, 3] },
      patch: [{ op: 'remove', path: '/l/0' }],
      result: { l: [2, 3] },
    },
    {
      name: 'remove a key',
      doc: { a: 1, b: 2 },
      patch: [{ op: 'remove', path: '/a' }],
      result: { b: 2 },
    },
    {
      name: 'replace the root',
      doc: { a: 1 },
      patch: [{ op: 'replace', path: '', value: [1] }],
      result: [1],
    },
    {
      name: 'add at the root replaces it',
      doc: 1,
      patch: [{ op: 'add', path: '', value: { a: 1 } }],
      result: { a: 1 },
    },
    {
      name: '~1 in a path is /',
      doc: {},
      patch: [{ op: 'add', path: '/a~1b', value: 1 }],
      result: { 'a/b': 1 },
    },
    {
      name: '~01 in a path is ~1',
      doc: {},
      patch: [{ op: 'add', path: '/~01', value: 1 }],
      result: { '~1': 1 },
    },
    {
      name: '- is an ordinary key in an object',
      doc: {},
      patch: [{ op: 'add', path: '/-', value: 1 }],
      result: { '-': 1 },
    },
    {
      name: 'a numeric key in an object',
      doc: { '0': 'a' },
      patch: [{ op: 'replace', path: '/0', value: 'b' }],
      result: { '0': 'b' },
    },
    {
      name: 'operations apply in order',
      doc: {},
      patch: [
        { op: 'add', path: '/m', value: {} },
        { op: 'add', path: '/m/l', value: [] },
        { op: 'add', path: '/m/l/-', value: 'x' },
      ],
      result: { m: { l: ['x'] } },
    },
    { name: 'an empty patch is the identity', doc: { a: [1] }, patch: [], result: { a: [1] } },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.deepEqual(applyPatch(c.doc, c.patch), c.result);
    });
  }

  const errors: ApplyErrorCase[] = [
    {
      name: 'missing parent',
      doc: {},
      patch: [{ op: 'add', path: '/metadata/labels', value: {} }],
      error: /parent "\/metadata" of "\/metadata\/labels" does not exist/,
    },
    {
      name: 'missing grandparent',
      doc: { a: {} },
      patch: [{ op: 'add', path: '/a/b/c', value: 1 }],
      error: /parent "\/a\/b" .* does not exist/,
    },
    {
      name: 'parent past the end of an array',
      doc: { l: [] },
      patch: [{ op: 'add', path: '/l/0/x', value: 1 }],
      error: /parent "\/l\/0" does not exist/,
    },
    {
      name: 'parent is a scalar',
      doc: { a: 1 },
      patch: [{ op: 'add', path: '/a/b', value: 1 }],
      error: /not an object or array/,
    },
    {
      name: 'replace a missing key',
      doc: {},
      patch: [{ op: 'replace', path: '/a', value: 1 }],
      error: /replace target "\/a" does not exist/,
    },
    {
      name: 'remove a missing key',
      doc: {},
      patch: [{ op: 'remove', path: '/a' }],
      error: /remove target "\/a" does not exist/,
    },
    {
      name: 'replace past the end of an array',
      doc: { l: [1] },
      patch: [{ op: 'replace', path: '/l/1', value: 1 }],
      error: /does not exist/,
    },
    {
      name: 'remove with -',
      doc: { l: [1] },
      patch: [{ op: 'remove', path: '/l/-' }],
      error: /not an array index/,
    },
    {
      name: 'add past the end of an array',
      doc: { l: [] },
      patch: [{ op: 'add', path: '/l/1', value: 1 }],
      error: /past the end/,
    },
    {
      name: 'array index with a leading zero',
      doc: { l: [1, 2] },
      patch: [{ op: 'replace', path: '/l/01', value: 1 }],
      error: /not an array index/,
    },
    {
      name: 'negative array index',
      doc: { l: [1] },
      patch: [{ op: 'remove', path: '/l/-1' }],
      error: /not an array index/,
    },
    {
      name: 'path without a leading slash',
      doc: {},
      patch: [{ op: 'add', path: 'a', value: 1 }],
      error: /must be empty or start with "\/"/,
    },
    {
      name: 'bad ~ escape',
      doc: {},
      patch: [{ op: 'add', path: '/a~2', value: 1 }],
      error: /bad "~" escape/,
    },
    {
      name: 'trailing ~',
      doc: {},
      patch: [{ op: 'add', path: '/a~', value: 1 }],
      error: /bad "~" escape/,
    },
    {
      name: 'remove the root',
      doc: {},
      patch: [{ op: 'remove', path: '' }],
      error: /cannot remove the document root/,
    },
    {
      name: 'add without a value',
      doc: {},
      patch: [{ op: 'add', path: '/a' }],
      error: /has no value/,
    },
    {
      name: 'unsupported op',
      doc: {},
      patch: [{ op: 'move', path: '/a' } as unknown as JsonPatchOperation],
      error: /unsupported op "move"/,
    },
    {
      name: 'inherited keys are not parents',
      doc: {},
      patch: [{ op: 'add', path: '/toString/x', value: 1 }],
      error: /does not exist/,
    },
  ];
  for (const c of errors) {
    void test(`throws: ${c.name}`, () => {
      assert.throws(() => applyPatch(c.doc, c.patch), c.error);
    });
  }

  void test('the input document is never changed', () => {
    const doc = { a: { b: [1, 2] } };
    const snapshot = structuredClone(doc);
    applyPatch(doc, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'remove', path: '/a/b/0' },
      { op: 'add', path: '/c', value: 1 },
    ]);
    assert.deepEqual(doc, snapshot);
  });

  void test('the result does not share objects with the patch', () => {
    const operation: JsonPatchOperation = { op: 'add', path: '/a', value: { b: 1 } };
    const result = applyPatch({}, [operation]) as { a: { b: number } };
    result.a.b = 2;
    assert.deepEqual(operation.value, { b: 1 });
  });

  void test('add at /__proto__ makes an own key and leaves prototypes alone', () => {
    const result = applyPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]);
    assert.deepEqual(Object.keys(result as object), ['__proto__']);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

/** Follows a pointer through `doc`; undefined when any step is missing. */
function resolve(doc: unknown, pointer: string): { value: unknown } | undefined {
  if (pointer === '') return { value: doc };
  let here: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(here) && /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < here.length) {
      here = here[Number(token)];
    } else if (
      typeof here === 'object' &&
      here !== null &&
      !Array.isArray(here) &&
      Object.hasOwn(here, token)
    ) {
      here = (here as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return { value: here };
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

void describe('properties over random JSON', () => {
  // Pairs that share structure exercise the element-wise and nested paths, not just root replaces.
  const json = fc.jsonValue({ maxDepth: 4 });
  const related = json.chain((a) =>
    fc.tuple(fc.constant(a), fc.oneof(json, fc.constant(structuredClone(a)), mutated(a))),
  );

  function mutated(a: unknown): fc.Arbitrary<unknown> {
    if (typeof a !== 'object' || a === null) return json;
    return fc.tuple(json, fc.nat()).map(([replacement, pick]) => {
      const copy = structuredClone(a) as Record<string, unknown> | unknown[];
      const keys = Object.keys(copy);
      if (keys.length === 0) return replacement;
      const key = keys[pick % keys.length] as string;
      if (Array.isArray(copy)) copy[Number(key)] = replacement;
      else
        Object.defineProperty(copy, key, {
          value: replacement,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return copy;
    });
  }

  void test('applyPatch(a, diffToPatch(a, b)) equals b', () => {
    fc.assert(
      fc.property(related, ([a, b]) => {
        assert.deepStrictEqual(applyPatch(a, diffToPatch(a, b)), b);
      }),
      { numRuns: 1000 },
    );
  });

  void test('diffToPatch(a, a) is empty', () => {
    fc.assert(
      fc.property(json, (a) => {
        assert.deepEqual(diffToPatch(a, structuredClone(a)), []);
      }),
    );
  });

  void test('every operation’s parent exists in before', () => {
    fc.assert(
      fc.property(related, ([a, b]) => {
        for (const operation of diffToPatch(a, b)) {
          if (operation.path === '') continue;
          assert.notEqual(resolve(a, parentPointer(operation.path)), undefined, operation.path);
          if (operation.op !== 'add') assert.notEqual(resolve(a, operation.path), undefined);
          else assert.equal(resolve(a, operation.path), undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  void test('neither input is changed', () => {
    fc.assert(
      fc.property(related, ([a, b]) => {
        const [copyA, copyB] = [structuredClone(a), structuredClone(b)];
        applyPatch(a, diffToPatch(a, b));
        assert.deepStrictEqual(a, copyA);
        assert.deepStrictEqual(b, copyB);
      }),
    );
  });

  void test('never throws on any JSON, including objects with prototype-named keys', () => {
    const tricky = fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a/b', '~', ''),
      json,
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.oneof(json, tricky), fc.oneof(json, tricky), (a, b) => {
        const patch = diffToPatch(a, b);
        assert.deepStrictEqual(applyPatch(a, patch), b);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      }),
      { numRuns: 500 },
    );
  });
});
