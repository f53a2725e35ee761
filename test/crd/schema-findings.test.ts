// Schema findings read like the API server's field errors. Each row names the rule it proves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertCrdSchema } from '../../src/crd/convert.ts';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { createSchemaAjv } from '../../src/crd/vocabulary.ts';
import type { Finding } from '../../src/model/findings.ts';
import { renderFieldPath, renderFinding as formatFinding } from '../../src/render/messages.ts';
import { kubernetesTypeName, schemaFindings } from '../../src/crd/schema-findings.ts';

const base = {
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name: 'e' },
};
const goodSpec = {
  remoteUrl: 'https://mcp.example.com/mcp',
  transport: 'sse',
  groupRef: { name: 'g' },
};
const header = (headerName: string) => ({ headerName, valueSecretRef: { name: 's', key: 'k' } });

function findings(spec: Record<string, unknown>): Finding[] {
  return loadBundledEntrySchemas().validate('v1beta1', { ...base, spec });
}

describe('schema findings phrasing', () => {
  const rows: {
    name: string;
    spec: Record<string, unknown>;
    expected: string[];
    type?: Finding['type'];
  }[] = [
    {
      name: 'enum -> Unsupported value (bad transport)',
      spec: { ...goodSpec, transport: 'grpc' },
      expected: [
        'spec.transport: Unsupported value: "grpc": supported values: "sse", "streamable-http"',
      ],
      type: 'NotSupported',
    },
    {
      name: 'required -> path of the missing child',
      spec: { transport: 'sse', groupRef: { name: 'g' } },
      expected: ['spec.remoteUrl: Required value'],
      type: 'Required',
    },
    {
      name: 'pattern -> Invalid value, quoting the RE2 pattern',
      spec: { ...goodSpec, remoteUrl: 'ftp://x' },
      expected: [`spec.remoteUrl: Invalid value: "ftp://x": should match '^https?://'`],
      type: 'Invalid',
    },
    {
      name: 'maxLength -> Too long (header name in a list item)',
      spec: { ...goodSpec, headerForward: { addHeadersFromSecret: [header('X'.repeat(256))] } },
      expected: [
        'spec.headerForward.addHeadersFromSecret[0].headerName: Too long: may not be longer than 255',
      ],
      type: 'TooLong',
    },
    {
      name: 'minLength -> should be at least N chars long',
      spec: { ...goodSpec, groupRef: { name: '' } },
      expected: ['spec.groupRef.name: Invalid value: "": should be at least 1 chars long'],
    },
    {
      name: 'type -> Invalid value naming the actual type',
      spec: { ...goodSpec, allowPrivateEndpoint: 'yes' },
      expected: ['spec.allowPrivateEndpoint: Invalid value: "string": must be of type boolean'],
    },
    {
      name: 'type of a map value -> key in brackets',
      spec: { ...goodSpec, headerForward: { addPlaintextHeaders: { 'X-Foo': 1 } } },
      expected: [
        'spec.headerForward.addPlaintextHeaders[X-Foo]: Invalid value: "integer": must be of type string',
      ],
    },
    {
      name: 'additionalProperties false -> unknown field',
      spec: { ...goodSpec, foo: 1 },
      expected: ['spec.foo: unknown field "spec.foo"'],
      type: 'Forbidden',
    },
    {
      name: 'list map keys -> Duplicate value',
      spec: {
        ...goodSpec,
        headerForward: { addHeadersFromSecret: [header('X-A'), header('X-A')] },
      },
      expected: [
        'spec.headerForward.addHeadersFromSecret[1]: Duplicate value: {"headerName":"X-A"}',
      ],
      type: 'Duplicate',
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const got = findings(row.spec);
      assert.deepEqual(got.map(formatFinding), row.expected);
      if (row.type !== undefined) assert.equal(got[0]?.type, row.type);
    });
  }

  test('rule ids: schema, and schema.unknown-field for unknown fields', () => {
    assert.equal(findings({ ...goodSpec, transport: 'x' })[0]?.rule, 'schema');
    assert.equal(findings({ ...goodSpec, foo: 1 })[0]?.rule, 'schema.unknown-field');
  });

  test('all errors are reported, not just the first', () => {
    const got = findings({ transport: 'grpc', remoteUrl: 'ftp://x', foo: 1 });
    assert.deepEqual(got.map((f) => renderFieldPath(f.path)).sort(), [
      'spec.foo',
      'spec.groupRef',
      'spec.remoteUrl',
      'spec.transport',
    ]);
  });

  test('a wrong type for a whole object is one finding', () => {
    assert.deepEqual(findings({ ...goodSpec, headerForward: 'x' }).map(formatFinding), [
      'spec.headerForward: Invalid value: "string": must be of type object',
    ]);
  });

  test('anyOf noise collapses: int-or-string gets one finding naming both types', () => {
    const { schema } = convertCrdSchema({
      type: 'object',
      properties: { port: { 'x-kubernetes-int-or-string': true } },
    });
    const check = createSchemaAjv().compile(schema);
    const object = { port: true };
    assert.equal(check(object), false);
    assert.ok((check.errors ?? []).length >= 3, 'ajv reports each branch and the anyOf');
    assert.deepEqual(schemaFindings(check.errors ?? [], object, schema).map(formatFinding), [
      'port: Invalid value: "boolean": must be of type integer or string',
    ]);
  });

  test('set duplicates point at the repeated item', () => {
    const { schema } = convertCrdSchema({
      type: 'object',
      properties: {
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      },
    });
    const check = createSchemaAjv().compile(schema);
    const object = { tags: ['a', 'b', 'a'] };
    check(object);
    assert.deepEqual(schemaFindings(check.errors ?? [], object, schema).map(formatFinding), [
      'tags[2]: Duplicate value: "a"',
    ]);
  });

  test('numeric limits and item counts', () => {
    const { schema } = convertCrdSchema({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 0, maximum: 10, exclusiveMaximum: true },
        l: { type: 'array', maxItems: 1, items: { type: 'string' } },
      },
    });
    const check = createSchemaAjv().compile(schema);
    const object = { n: 10, l: ['a', 'b'] };
    check(object);
    assert.deepEqual(schemaFindings(check.errors ?? [], object, schema).map(formatFinding), [
      'n: Invalid value: "10": should be less than 10',
      'l: Too many: 2: must have at most 1 items',
    ]);
  });

  test('a translated pattern is quoted in its RE2 form', () => {
    const { schema } = convertCrdSchema({
      type: 'object',
      properties: { s: { type: 'string', pattern: '^\\S+$' } },
    });
    const check = createSchemaAjv().compile(schema);
    const object = { s: 'a b' };
    check(object);
    assert.deepEqual(schemaFindings(check.errors ?? [], object, schema).map(formatFinding), [
      `s: Invalid value: "a b": should match '^\\S+$'`,
    ]);
  });

  test('type names follow Kubernetes (whole numbers are integers)', () => {
    assert.deepEqual([1, 1.5, 'a', true, null, [], {}].map(kubernetesTypeName), [
      'integer',
      'number',
      'string',
      'boolean',
      'null',
      'array',
      'object',
    ]);
  });
});
