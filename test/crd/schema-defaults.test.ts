// Structural defaulting as the API server does it on decode (apiextensions-apiserver's
// defaulting.Default): the first stage of the engine's order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { specFieldDefault, withSchemaDefaults } from '../../src/crd/schema-defaults.ts';
import { entry } from '../support/reviews.ts';

const schema = {
  type: 'object',
  properties: {
    flag: { type: 'boolean', default: false },
    note: { type: 'string', nullable: true, default: 'n' },
    nested: {
      type: 'object',
      properties: { inner: { type: 'integer', default: 3 } },
    },
    made: {
      type: 'object',
      default: {},
      properties: { inner: { type: 'string', default: 'filled' } },
    },
    list: {
      type: 'array',
      items: {
        type: 'object',
        default: { name: 'item' },
        properties: { port: { type: 'integer', default: 80 } },
      },
    },
    map: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        default: { empty: true },
        properties: { weight: { type: 'integer', default: 1 } },
      },
    },
  },
};

interface Case {
  readonly name: string;
  readonly input: unknown;
  readonly want: unknown;
}

void describe('withSchemaDefaults', () => {
  const cases: Case[] = [
    {
      name: 'an absent field gets its default',
      input: {},
      want: { flag: false, made: { inner: 'filled' }, note: 'n' },
    },
    {
      name: 'a present value is kept, false and empty included',
      input: { flag: true, made: { inner: '' } },
      want: { flag: true, made: { inner: '' }, note: 'n' },
    },
    {
      name: 'a null in a field that is not nullable is defaulted',
      input: { flag: null },
      want: { flag: false, made: { inner: 'filled' }, note: 'n' },
    },
    {
      name: 'a null in a nullable field stays null',
      input: { note: null },
      want: { note: null, flag: false, made: { inner: 'filled' } },
    },
    {
      name: 'an absent parent gets no child defaults; a present one does',
      input: { nested: {} },
      want: { nested: { inner: 3 }, flag: false, made: { inner: 'filled' }, note: 'n' },
    },
    {
      name: 'list items get their defaults; a null item gets the item default',
      input: { list: [{}, null, { port: 8080 }] },
      want: {
        list: [{ port: 80 }, { name: 'item', port: 80 }, { port: 8080 }],
        flag: false,
        made: { inner: 'filled' },
        note: 'n',
      },
    },
    {
      name: 'map values get their defaults',
      input: { map: { a: {}, b: null } },
      want: {
        map: { a: { weight: 1 }, b: { empty: true, weight: 1 } },
        flag: false,
        made: { inner: 'filled' },
        note: 'n',
      },
    },
    { name: 'a scalar where an object belongs is left to the schema', input: 'text', want: 'text' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const before = structuredClone(c.input);
      assert.deepEqual(withSchemaDefaults(c.input, schema), c.want);
      assert.deepEqual(c.input, before, 'the input is never changed');
    });
  }

  test('a filled default is a copy: two objects never share it', () => {
    const a = withSchemaDefaults({}, schema) as { made: Record<string, unknown> };
    a.made['inner'] = 'changed';
    const b = withSchemaDefaults({}, schema) as { made: Record<string, unknown> };
    assert.equal(b.made['inner'], 'filled');
  });
});

void describe('the bundled schemas', () => {
  const schemas = loadBundledEntrySchemas();

  test('v1beta1 declares allowPrivateEndpoint false; v1alpha1 has no such field', () => {
    assert.equal(specFieldDefault(schemas.schema('v1beta1'), 'allowPrivateEndpoint'), false);
    assert.equal(specFieldDefault(schemas.schema('v1alpha1'), 'allowPrivateEndpoint'), undefined);
  });

  test('defaulted() applies the version schema and leaves an unknown version alone', () => {
    const written = entry({ caBundleRef: { configMapRef: { key: 'ca.crt' } } });
    const spec = (schemas.defaulted('v1beta1', written) as { spec: Record<string, unknown> }).spec;
    assert.equal(spec['allowPrivateEndpoint'], false);
    assert.deepEqual(spec['caBundleRef'], { configMapRef: { key: 'ca.crt', name: '' } });
    assert.equal(schemas.defaulted('v9', written), written);
  });
});
