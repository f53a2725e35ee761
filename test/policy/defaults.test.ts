import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { defaultedEntry, defaultingPatch } from '../../src/policy/defaults.ts';
import { applyPatch } from '../../src/policy/json-patch.ts';
import type { JsonPatchOperation } from '../../src/model/verdict.ts';
import { entrySchemasFromCrd, loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';

/** The defaults come from the CRD: the bundled schema of each version. */
const schemaOf = (version: string) => loadBundledEntrySchemas().schema(version);

const addAllowPrivate: JsonPatchOperation = {
  op: 'add',
  path: '/spec/allowPrivateEndpoint',
  value: false,
};
const addCaKey: JsonPatchOperation = {
  op: 'add',
  path: '/spec/caBundleRef/configMapRef/key',
  value: 'ca.crt',
};

function entry(spec: unknown): unknown {
  return {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name: 'e', namespace: 'ns' },
    spec,
  };
}

const minimalSpec = {
  remoteUrl: 'https://mcp.example.com/mcp',
  transport: 'streamable-http',
  groupRef: { name: 'g' },
};

interface Case {
  readonly name: string;
  readonly object: unknown;
  readonly version: string;
  readonly patch: readonly JsonPatchOperation[];
}

void describe('defaultingPatch per version', () => {
  const cases: Case[] = [
    {
      name: 'v1beta1: allowPrivateEndpoint absent is defaulted to false',
      object: entry(minimalSpec),
      version: 'v1beta1',
      patch: [addAllowPrivate],
    },
    {
      name: 'v1alpha1: allowPrivateEndpoint is not defaulted',
      object: entry(minimalSpec),
      version: 'v1alpha1',
      patch: [],
    },
    {
      name: 'an unknown version gets no allowPrivateEndpoint',
      object: entry(minimalSpec),
      version: 'v2',
      patch: [],
    },
    {
      name: 'v1beta1: allowPrivateEndpoint true is kept',
      object: entry({ ...minimalSpec, allowPrivateEndpoint: true }),
      version: 'v1beta1',
      patch: [],
    },
    {
      name: 'v1beta1: allowPrivateEndpoint false is kept',
      object: entry({ ...minimalSpec, allowPrivateEndpoint: false }),
      version: 'v1beta1',
      patch: [],
    },
    {
      name: 'v1beta1: allowPrivateEndpoint null is defaulted, as Kubernetes prunes then defaults it',
      object: entry({ ...minimalSpec, allowPrivateEndpoint: null }),
      version: 'v1beta1',
      patch: [{ op: 'replace', path: '/spec/allowPrivateEndpoint', value: false }],
    },
    {
      name: 'v1beta1: a mistyped allowPrivateEndpoint is left for the schema',
      object: entry({ ...minimalSpec, allowPrivateEndpoint: 'yes' }),
      version: 'v1beta1',
      patch: [],
    },
    {
      name: 'v1alpha1: configMapRef without key gets ca.crt',
      object: entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca' } } }),
      version: 'v1alpha1',
      patch: [addCaKey],
    },
    {
      name: 'v1beta1: both defaults at once',
      object: entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca' } } }),
      version: 'v1beta1',
      patch: [addCaKey, addAllowPrivate],
    },
    {
      name: 'an empty configMapRef still gets its key',
      object: entry({ ...minimalSpec, caBundleRef: { configMapRef: {} } }),
      version: 'v1alpha1',
      patch: [addCaKey],
    },
    {
      name: 'an empty key is present: the schema decides, no default',
      object: entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca', key: '' } } }),
      version: 'v1alpha1',
      patch: [],
    },
    {
      name: 'a given key is kept',
      object: entry({
        ...minimalSpec,
        caBundleRef: { configMapRef: { name: 'ca', key: 'bundle.pem' } },
      }),
      version: 'v1alpha1',
      patch: [],
    },
    {
      name: 'a null key is present: no default',
      object: entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca', key: null } } }),
      version: 'v1alpha1',
      patch: [],
    },
    {
      name: 'caBundleRef without configMapRef is not given one',
      object: entry({ ...minimalSpec, caBundleRef: {} }),
      version: 'v1alpha1',
      patch: [],
    },
    ...[null, 'ca', 1, ['ca'], true].flatMap((wrong): Case[] => [
      {
        name: `caBundleRef ${JSON.stringify(wrong)} is left for the schema`,
        object: entry({ ...minimalSpec, caBundleRef: wrong }),
        version: 'v1alpha1',
        patch: [],
      },
      {
        name: `configMapRef ${JSON.stringify(wrong)} is left for the schema`,
        object: entry({ ...minimalSpec, caBundleRef: { configMapRef: wrong } }),
        version: 'v1alpha1',
        patch: [],
      },
    ]),
    {
      name: 'transport is never defaulted (v1beta1)',
      object: entry({
        remoteUrl: 'https://x',
        groupRef: { name: 'g' },
        allowPrivateEndpoint: true,
      }),
      version: 'v1beta1',
      patch: [],
    },
    {
      name: 'transport is never defaulted (v1alpha1)',
      object: entry({ remoteUrl: 'https://x', groupRef: { name: 'g' } }),
      version: 'v1alpha1',
      patch: [],
    },
    {
      name: 'an empty spec still gets allowPrivateEndpoint on v1beta1',
      object: entry({}),
      version: 'v1beta1',
      patch: [addAllowPrivate],
    },
    ...[undefined, null, 'spec', 42, [], [minimalSpec], true].map((spec): Case => ({
      name: `spec ${JSON.stringify(spec) ?? 'absent'} gets no patch`,
      object: spec === undefined ? { kind: 'MCPServerEntry' } : entry(spec),
      version: 'v1beta1',
      patch: [],
    })),
    ...[undefined, null, 'entry', 0, [], [{ spec: {} }]].map((object): Case => ({
      name: `object ${JSON.stringify(object) ?? 'undefined'} gets no patch`,
      object,
      version: 'v1beta1',
      patch: [],
    })),
    {
      name: 'an own __proto__ key in spec does not hide the absence of the field',
      object: JSON.parse(
        '{"spec":{"__proto__":{"allowPrivateEndpoint":true},"caBundleRef":{"__proto__":{"configMapRef":{}}}}}',
      ),
      version: 'v1beta1',
      patch: [addAllowPrivate],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const patch = defaultingPatch(c.object, schemaOf(c.version));
      assert.deepEqual(patch, c.patch);
      assert.deepEqual(applyPatch(c.object, patch), defaultedEntry(c.object, schemaOf(c.version)));
      assert.ok(patch.every((operation) => !operation.path.includes('transport')));
    });
  }
});

void describe('defaultedEntry', () => {
  void test('returns a new object and never changes its input', () => {
    const object = entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca' } } });
    const snapshot = structuredClone(object);
    const defaulted = defaultedEntry(object, schemaOf('v1beta1')) as {
      spec: { caBundleRef: unknown; groupRef: unknown };
    };
    assert.deepEqual(object, snapshot);
    assert.notEqual(defaulted, object);
    assert.notEqual(defaulted.spec, (object as { spec: unknown }).spec);
    assert.notEqual(
      defaulted.spec.caBundleRef,
      (object as { spec: { caBundleRef: unknown } }).spec.caBundleRef,
    );
    assert.deepEqual(defaulted.spec.groupRef, { name: 'g' });
  });

  void test('works on a deeply frozen input', () => {
    const freeze = (value: unknown): unknown => {
      if (typeof value === 'object' && value !== null) {
        Object.values(value).forEach(freeze);
        Object.freeze(value);
      }
      return value;
    };
    const object = freeze(entry({ ...minimalSpec, caBundleRef: { configMapRef: { name: 'ca' } } }));
    assert.deepEqual(defaultingPatch(object, schemaOf('v1beta1')), [addCaKey, addAllowPrivate]);
  });

  void test('keeps everything it does not default', () => {
    const object = entry({
      ...minimalSpec,
      headerForward: { addPlaintextHeaders: { 'X-A': 'b' } },
      unknownField: [1, { a: null }],
    });
    const defaulted = defaultedEntry(object, schemaOf('v1beta1')) as {
      spec: Record<string, unknown>;
    };
    const { allowPrivateEndpoint, ...rest } = defaulted.spec;
    assert.equal(allowPrivateEndpoint, false);
    assert.deepEqual(rest, (object as { spec: unknown }).spec);
  });
});

void describe('idempotence', () => {
  const versions = fc.constantFrom('v1alpha1', 'v1beta1', 'v2', '');
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, fc.jsonValue());
  const spec = fc.record(
    {
      remoteUrl: fc.string(),
      transport: fc.constantFrom('sse', 'streamable-http'),
      allowPrivateEndpoint: optional(fc.oneof(fc.boolean(), fc.constant(null))),
      caBundleRef: optional(
        fc.record(
          {
            configMapRef: optional(
              fc.record(
                { name: fc.string(), key: optional(fc.string()), optional: fc.boolean() },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const object = fc.oneof(
    fc.record({ kind: fc.constant('MCPServerEntry'), spec: optional(spec) }, { requiredKeys: [] }),
    fc.jsonValue(),
  );

  void test('defaulting the defaulted object changes nothing', () => {
    fc.assert(
      fc.property(object, versions, (o, version) => {
        const patch = defaultingPatch(o, schemaOf(version));
        const patched = applyPatch(o, patch);
        assert.deepEqual(patched, defaultedEntry(o, schemaOf(version)));
        assert.deepEqual(defaultingPatch(patched, schemaOf(version)), []);
      }),
      { numRuns: 1000 },
    );
  });

  void test('defaulting only adds or fills, never removes, and never sets transport', () => {
    fc.assert(
      fc.property(object, versions, (o, version) => {
        for (const operation of defaultingPatch(o, schemaOf(version))) {
          assert.notEqual(operation.op, 'remove');
          assert.ok(
            operation.path === '/spec/allowPrivateEndpoint' ||
              operation.path === '/spec/caBundleRef/configMapRef/key',
            operation.path,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('ToolHive examples', () => {
  const dir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    void test(`${file}: patch applies, is idempotent, matches the served version`, () => {
      const entries = parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))
        .map((doc) => doc.toJS() as { kind?: string; apiVersion?: string; spec?: object } | null)
        .filter((o) => o?.kind === 'MCPServerEntry');
      assert.ok(entries.length > 0);
      for (const object of entries) {
        const version = object?.apiVersion?.split('/')[1] ?? '';
        const patch = defaultingPatch(object, schemaOf(version));
        const hasField = object?.spec !== undefined && 'allowPrivateEndpoint' in object.spec;
        const expectAdd = version === 'v1beta1' && !hasField;
        assert.equal(
          patch.some((op) => op.path === '/spec/allowPrivateEndpoint'),
          expectAdd,
        );
        assert.deepEqual(defaultingPatch(applyPatch(object, patch), schemaOf(version)), []);
      }
    });
  }
});

void describe('the CRD is the one source of the allowPrivateEndpoint default', () => {
  const toolhiveCrd = new URL(
    '../../../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml',
    import.meta.url,
  );
  const toolhive = entrySchemasFromCrd(parse(readFileSync(toolhiveCrd, 'utf8')));

  void test("ToolHive's CRD declares it on v1alpha1 too: the webhook then defaults it there", () => {
    assert.deepEqual(defaultingPatch(entry(minimalSpec), schemaOf('v1alpha1')), []);
    assert.deepEqual(defaultingPatch(entry(minimalSpec), toolhive.schema('v1alpha1')), [
      addAllowPrivate,
    ]);
  });

  void test('the value is the schema default, not a constant of ours', () => {
    const schema = structuredClone(schemaOf('v1beta1'))!;
    const spec = (schema['properties'] as Record<string, Record<string, Record<string, object>>>)[
      'spec'
    ]!;
    spec['properties']!['allowPrivateEndpoint'] = { type: 'boolean', default: true };
    assert.deepEqual(defaultingPatch(entry(minimalSpec), schema), [
      { ...addAllowPrivate, value: true },
    ]);
  });
});
