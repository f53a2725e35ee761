import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CrdShapeError } from '../../src/crd/crd-versions.ts';
import { readdirSync, readFileSync } from 'node:fs';
import {
  bundledSchemaDir,
  entrySchemasFromCrd,
  loadBundledEntrySchemas,
} from '../../src/crd/entry-schemas.ts';
import { createSchemaAjv } from '../../src/crd/vocabulary.ts';
import { readEntryCrd } from '../../src/crd/generate-schemas.ts';
import { shown } from '../support/shown-findings.ts';

const valid = {
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name: 'e', namespace: 'ns' },
  spec: {
    remoteUrl: 'https://mcp.example.com/mcp',
    transport: 'streamable-http',
    groupRef: { name: 'g' },
  },
};

describe('EntrySchemas', () => {
  test('bundled schemas serve v1alpha1 and v1beta1 and are loaded once', () => {
    const schemas = loadBundledEntrySchemas();
    assert.deepEqual(schemas.versions, ['v1alpha1', 'v1beta1']);
    assert.equal(loadBundledEntrySchemas(), schemas);
  });

  // loadBundledEntrySchemas skips ajv's meta-schema check at run time (it costs every `check`
  // ~0.1 s); this is that check, for every schema shipped.
  test('every bundled schema passes the JSON Schema meta-schema and compiles strictly', () => {
    const files = readdirSync(bundledSchemaDir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 2);
    for (const file of files) {
      const schema = JSON.parse(readFileSync(`${bundledSchemaDir}${file}`, 'utf8')) as object;
      const ajv = createSchemaAjv();
      assert.equal(ajv.validateSchema(schema), true, `${file}: ${ajv.errorsText(ajv.errors)}`);
      assert.equal(typeof ajv.compile(schema), 'function');
    }
  });

  test('a schema that breaks the meta-schema is refused when meta-checking is on', () => {
    const ajv = createSchemaAjv();
    assert.equal(ajv.validateSchema({ type: 'object', required: 'name' }), false);
  });

  test('a valid entry has no findings', () => {
    assert.deepEqual(loadBundledEntrySchemas().validate('v1beta1', valid), []);
  });

  test('allowPrivateEndpoint exists in v1beta1 only', () => {
    const withFlag = { ...valid, spec: { ...valid.spec, allowPrivateEndpoint: true } };
    assert.deepEqual(loadBundledEntrySchemas().validate('v1beta1', withFlag), []);
    assert.deepEqual(shown(loadBundledEntrySchemas().validate('v1alpha1', withFlag)), [
      {
        field: 'spec.allowPrivateEndpoint',
        type: 'Forbidden',
        message: 'unknown field "spec.allowPrivateEndpoint"',
        rule: 'schema.unknown-field',
      },
    ]);
  });

  test('an unserved version is one finding listing the served ones', () => {
    assert.deepEqual(shown(loadBundledEntrySchemas().validate('v2', valid)), [
      {
        field: 'apiVersion',
        type: 'NotSupported',
        message: 'Unsupported value: "v2": supported values: "v1alpha1", "v1beta1"',
        rule: 'schema',
      },
    ]);
  });

  test('schemas from a CRD object behave like the bundled ones', () => {
    const fromCrd = entrySchemasFromCrd(readEntryCrd());
    const bundled = loadBundledEntrySchemas();
    assert.deepEqual(fromCrd.versions, bundled.versions);
    const bad = { ...valid, spec: { transport: 'grpc', remoteUrl: 'x' } };
    assert.deepEqual(fromCrd.validate('v1beta1', bad), bundled.validate('v1beta1', bad));
    assert.equal(fromCrd.validate('v1beta1', bad).length, 3);
  });

  test('a CRD that is not MCPServerEntry is refused with a clear error', () => {
    assert.throws(
      () =>
        entrySchemasFromCrd({
          kind: 'CustomResourceDefinition',
          metadata: { name: 'mcpgroups.toolhive.stacklok.dev' },
          spec: { group: 'toolhive.stacklok.dev', names: { kind: 'MCPGroup' }, versions: [] },
        }),
      (err: unknown) =>
        err instanceof CrdShapeError &&
        /mcpserverentries\.toolhive\.stacklok\.dev/.test(err.message) &&
        /mcpgroups/.test(err.message),
    );
    assert.throws(() => entrySchemasFromCrd('nope'), CrdShapeError);
  });

  test('CEL rules of a version are listed for reporting as not evaluated', () => {
    const crd = structuredClone(readEntryCrd()) as {
      spec: {
        versions: {
          schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
        }[];
      };
    };
    for (const v of crd.spec.versions)
      v.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [
        { rule: 'self.transport == "sse"', message: 'sse only' },
      ];
    const schemas = entrySchemasFromCrd(crd);
    assert.deepEqual(schemas.celRules('v1beta1'), [
      { path: 'spec', rule: 'self.transport == "sse"', message: 'sse only' },
    ]);
    assert.deepEqual(loadBundledEntrySchemas().celRules('v1beta1'), []);
    assert.deepEqual(schemas.celRules('v9'), []);
  });

  // How fast validate runs is a figure in bench/hot-paths.ts, not an assertion here.
});
