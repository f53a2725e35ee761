import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { ConversionError, convertCrdSchema, type JsonSchema } from '../../src/crd/convert.ts';
import { createSchemaAjv, registerKubernetesVocabulary } from '../../src/crd/vocabulary.ts';

// Each test wraps the schema under test as `spec.x` of a root object, converts it, compiles it
// with strict ajv and checks values at spec.x.
function root(x: JsonSchema): JsonSchema {
  return { type: 'object', properties: { spec: { type: 'object', properties: { x } } } };
}

function validator(x: JsonSchema): (value: unknown) => boolean {
  const check = createSchemaAjv().compile(convertCrdSchema(root(x)).schema);
  return (value) => check({ spec: { x: value } });
}

function convertedX(x: JsonSchema): JsonSchema {
  const spec = (convertCrdSchema(root(x)).schema.properties as Record<string, JsonSchema>).spec;
  return (spec?.properties as Record<string, JsonSchema>).x ?? {};
}

describe('converter traps', () => {
  test('x-kubernetes-int-or-string accepts integers and strings only', () => {
    const ok = validator({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    assert.equal(ok(8080), true);
    assert.equal(ok('http'), true);
    assert.equal(ok(1.5), false);
    assert.equal(ok(true), false);
    assert.equal(ok({}), false);
  });

  test('int-or-string keeps string-only keywords on strings and numeric ones on integers', () => {
    const ok = validator({
      'x-kubernetes-int-or-string': true,
      pattern: '^[0-9]+%$',
      maximum: 100,
    });
    assert.equal(ok('50%'), true);
    assert.equal(ok('50'), false);
    assert.equal(ok(100), true);
    assert.equal(ok(101), false);
  });

  test('x-kubernetes-preserve-unknown-fields keeps unknown fields but still checks declared ones', () => {
    const ok = validator({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { n: { type: 'integer' } },
    });
    assert.equal(ok({ anything: { deep: [1] } }), true);
    assert.equal(ok({ n: 'no' }), false);
  });

  test('preserve-unknown-fields without a type accepts any value', () => {
    const ok = validator({ 'x-kubernetes-preserve-unknown-fields': true });
    for (const v of [1, 'a', null, [1], { a: 1 }]) assert.equal(ok(v), true);
  });

  test('objects without preserve-unknown-fields refuse unknown fields (pruning made visible)', () => {
    const ok = validator({ type: 'object', properties: { a: { type: 'string' } } });
    assert.equal(ok({ a: 'x' }), true);
    assert.equal(ok({ a: 'x', b: 1 }), false);
    assert.equal(convertedX({ type: 'object' }).additionalProperties, false);
  });

  test('maps (additionalProperties schema) accept any key with a valid value', () => {
    const ok = validator({ type: 'object', additionalProperties: { type: 'string' } });
    assert.equal(ok({ 'X-Any': 'v' }), true);
    assert.equal(ok({ 'X-Any': 1 }), false);
  });

  test('x-kubernetes-embedded-resource allows apiVersion, kind and any metadata', () => {
    const ok = validator({
      type: 'object',
      'x-kubernetes-embedded-resource': true,
      properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    });
    assert.equal(
      ok({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', labels: { a: 'b' } },
        spec: { x: 1 },
      }),
      true,
    );
    assert.equal(ok({ apiVersion: 'v1', status: {} }), false);
    assert.equal(ok({ apiVersion: 1 }), false);
  });

  test('root allows apiVersion, kind and any metadata, and refuses unknown top-level fields', () => {
    const check = createSchemaAjv().compile(
      convertCrdSchema({ type: 'object', properties: { spec: { type: 'object' } } }).schema,
    );
    assert.equal(
      check({
        apiVersion: 'g/v1',
        kind: 'K',
        metadata: { name: 'n', annotations: { a: 'b' }, finalizers: ['f'] },
        spec: {},
      }),
      true,
    );
    assert.equal(check({ spec: {}, extra: true }), false);
  });

  test('nullable adds null to the type', () => {
    const ok = validator({ type: 'string', nullable: true });
    assert.equal(ok(null), true);
    assert.equal(ok('a'), true);
    assert.equal(ok(1), false);
    assert.equal(validator({ type: 'string' })(null), false);
  });

  test('nullable int-or-string accepts null', () => {
    const ok = validator({ 'x-kubernetes-int-or-string': true, nullable: true });
    assert.equal(ok(null), true);
    assert.equal(ok(false), false);
  });

  test('x-kubernetes-list-type: set requires unique items', () => {
    const ok = validator({
      type: 'array',
      'x-kubernetes-list-type': 'set',
      items: { type: 'string' },
    });
    assert.equal(ok(['a', 'b']), true);
    assert.equal(ok(['a', 'a']), false);
    assert.equal(
      validator({ type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } })([
        'a',
        'a',
      ]),
      true,
    );
  });

  test('x-kubernetes-list-type: map requires unique key tuples, counting defaults', () => {
    const ok = validator({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name', 'protocol'],
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          protocol: { type: 'string', default: 'TCP' },
          v: { type: 'integer' },
        },
      },
    });
    assert.equal(ok([{ name: 'a' }, { name: 'a', protocol: 'UDP' }]), true);
    assert.equal(
      ok([
        { name: 'a', v: 1 },
        { name: 'a', v: 2 },
      ]),
      false,
    );
    assert.equal(ok([{ name: 'a' }, { name: 'a', protocol: 'TCP' }]), false);
  });

  test('list-type map without list-map-keys is refused like the API server does', () => {
    assert.throws(
      () =>
        convertCrdSchema(
          root({ type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } }),
        ),
      ConversionError,
    );
  });

  test('x-kubernetes-map-type is kept as an annotation and changes nothing', () => {
    const x = {
      type: 'object',
      'x-kubernetes-map-type': 'atomic',
      properties: { a: { type: 'string' } },
    };
    assert.equal(convertedX(x)['x-kubernetes-map-type'], 'atomic');
    assert.equal(validator(x)({ a: 'b' }), true);
  });

  test('default is kept as an annotation and not applied', () => {
    const x = { type: 'object', properties: { a: { type: 'string', default: 'd' } } };
    assert.equal((convertedX(x).properties as Record<string, JsonSchema>).a?.default, 'd');
    const value = {};
    assert.equal(validator(x)(value), true);
    assert.deepEqual(value, {});
  });

  test('formats the API server enforces are enforced', () => {
    const cases: [string, unknown, unknown][] = [
      ['date-time', '2024-02-29T10:00:00Z', '2023-02-29T10:00:00Z'],
      ['datetime', '2024-01-01T10:00:00.5+02:00', 'yesterday'],
      ['date', '2024-02-29', '2024-02-30'],
      ['byte', 'aGVsbG8=', 'not base64!'],
      ['uuid', '123e4567-e89b-12d3-a456-426614174000', '123e4567'],
      ['ipv4', '010.0.0.1', '10.0.0.256'],
      ['ipv6', '::1', '1.2.3.4'],
      ['cidr', '10.0.0.0/8', '10.0.0.0/33'],
      ['hostname', 'example.com', 'exa mple.com'],
      ['uri', 'https://example.com/a', 'example.com'],
      ['duration', '1h30m', 'soon'],
      ['email', 'a@example.com', 'not-an-email'],
      ['mac', '00:1a:2b:3c:4d:5e', '00:1a:2b'],
    ];
    for (const [format, good, bad] of cases) {
      const ok = validator({ type: 'string', format });
      assert.equal(ok(good), true, `${format} accepts ${String(good)}`);
      assert.equal(ok(bad), false, `${format} refuses ${String(bad)}`);
    }
  });

  test('formats the API server ignores are not enforced (int32 range, int64, unknown names)', () => {
    assert.equal(validator({ type: 'integer', format: 'int32' })(2 ** 40), true);
    assert.equal(validator({ type: 'integer', format: 'int64' })(2 ** 60), true);
    assert.equal(validator({ type: 'number', format: 'double' })(1.5), true);
    const made = { type: 'string', format: 'workload.tool_name' };
    assert.equal(validator(made)('anything at all'), true);
    assert.equal(convertedX(made)['x-ignored-format'], 'workload.tool_name');
    assert.equal(convertedX(made).format, undefined);
  });

  test('OpenAPI 3.0 boolean exclusiveMinimum/exclusiveMaximum become numeric', () => {
    const x = {
      type: 'integer',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 10,
      exclusiveMaximum: true,
    };
    assert.deepEqual(
      {
        min: convertedX(x).exclusiveMinimum,
        max: convertedX(x).exclusiveMaximum,
        minimum: convertedX(x).minimum,
      },
      { min: 0, max: 10, minimum: undefined },
    );
    const ok = validator(x);
    assert.equal(ok(0), false);
    assert.equal(ok(1), true);
    assert.equal(ok(10), false);
    assert.equal(validator({ type: 'integer', minimum: 0, exclusiveMinimum: false })(0), true);
  });

  test('patterns are compiled with the u flag (an astral character is one character)', () => {
    assert.equal(validator({ type: 'string', pattern: '^.$' })('😀'), true);
    assert.equal(validator({ type: 'string', pattern: '^\\p{L}+$' })('héllo'), true);
  });

  test('a translated pattern keeps the RE2 original beside it', () => {
    const x = convertedX({ type: 'string', pattern: '^[^\\s]+$' });
    assert.equal(x['x-re2-pattern'], '^[^\\s]+$');
    assert.equal(x.pattern, '^[^\\t\\n\\f\\r ]+$');
    assert.equal(convertedX({ type: 'string', pattern: '^https?://' })['x-re2-pattern'], undefined);
  });

  test('an untranslatable pattern throws ConversionError naming the schema path and construct', () => {
    assert.throws(
      () => convertCrdSchema(root({ type: 'string', pattern: '^a\\C$' })),
      (err: unknown) =>
        err instanceof ConversionError &&
        err.schemaPath === '#/properties/spec/properties/x/pattern' &&
        err.construct.includes('\\C') &&
        err.message.includes('#/properties/spec/properties/x/pattern'),
    );
  });

  test('x-kubernetes-validations are kept and collected as not-evaluated CEL rules', () => {
    const crd = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [{ rule: 'self.a != self.b', message: 'a and b differ' }],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                'x-kubernetes-validations': [{ rule: 'has(self.n)' }],
                properties: { n: { type: 'string' } },
              },
            },
          },
        },
      },
    };
    const { schema, celRules } = convertCrdSchema(crd);
    assert.deepEqual(celRules, [
      { path: 'spec', rule: 'self.a != self.b', message: 'a and b differ' },
      { path: 'spec.items[*]', rule: 'has(self.n)', message: 'failed rule: has(self.n)' },
    ]);
    assert.equal(
      createSchemaAjv().compile(schema)({ spec: { items: [{}] } }),
      true,
      'CEL is not evaluated',
    );
  });

  test('unknown x-kubernetes-* keywords are refused, not dropped', () => {
    assert.throws(
      () => convertCrdSchema(root({ type: 'string', 'x-kubernetes-made-up': true })),
      (err: unknown) => err instanceof ConversionError && err.construct === 'x-kubernetes-made-up',
    );
  });

  test('keywords a structural schema forbids are refused', () => {
    assert.throws(() => convertCrdSchema(root({ $ref: '#/definitions/x' })), ConversionError);
    assert.throws(
      () => convertCrdSchema(root({ type: 'object', patternProperties: {} })),
      ConversionError,
    );
  });

  test('a node without a type is refused unless it preserves unknown fields or is int-or-string', () => {
    assert.throws(
      () => convertCrdSchema(root({ properties: { a: { type: 'string' } } })),
      ConversionError,
    );
  });

  test('required in an anyOf/oneOf branch compiles under strictRequired and still requires', () => {
    const ok = validator({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
    });
    assert.equal(ok({ a: 'x' }), true);
    assert.equal(ok({}), false);
    assert.equal(ok({ a: 'x', b: 'y' }), false);
  });

  test('output compiles with plain strict ajv + ajv-formats once the Kubernetes vocabulary is registered', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    addFormats.default(ajv);
    registerKubernetesVocabulary(ajv);
    const schema = convertCrdSchema(
      root({
        type: 'object',
        properties: {
          t: { type: 'string', format: 'date-time' },
          n: { type: 'integer', format: 'int32' },
        },
      }),
    ).schema;
    assert.equal(ajv.compile(schema)({ spec: { x: { t: '2024-01-01T00:00:00Z', n: 1 } } }), true);
  });
});
