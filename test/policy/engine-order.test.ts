// The order the engine takes an object in, which is the API server's: the CRD schema's
// defaults, our mutating webhook's defaults, the CRD's x-kubernetes-validations (CEL) rules,
// then our rules; each stage before ours behind its option (the server turns them off, the
// CLI on). The CRD is the real one in deploy/crds/ with CEL rules added to spec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { entrySchemasFromCrd } from '../../src/crd/entry-schemas.ts';
import { celRule } from '../../src/cel/rule-findings.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import {
  defaultEngineOptions,
  type EngineOptions,
  type EntryInput,
} from '../../src/model/review.ts';
import { entry, type Json } from '../support/reviews.ts';
import { shown } from '../support/shown-findings.ts';

type CrdDoc = {
  spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Json } } } }[] };
};

const crd = parse(
  readFileSync(new URL('../../deploy/crds/mcpserverentries.yaml', import.meta.url), 'utf8'),
) as CrdDoc;
for (const v of crd.spec.versions)
  v.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [
    // Reads a field only the CRD default fills in: a runtime error (a denial) without it.
    { rule: 'self.allowPrivateEndpoint == false', message: 'private endpoints are not allowed' },
    {
      rule: "self.transport == 'streamable-http'",
      message: 'only streamable-http',
      fieldPath: '.transport',
    },
  ];
const schemas = entrySchemasFromCrd(crd);

const noLookups: Pick<EngineOptions, 'referencePolicy'> = {
  referencePolicy: {
    MCPGroup: 'ignore',
    MCPExternalAuthConfig: 'ignore',
    ConfigMap: 'ignore',
    Secret: 'ignore',
  },
};
const engineWith = (options: Partial<EngineOptions>): AdmissionEngine =>
  new AdmissionEngine(schemas, ManifestLookup.fromDocuments([], 'default'), {
    ...defaultEngineOptions,
    ...noLookups,
    ...options,
  });
const create = (object: Json): EntryInput => ({
  operation: 'CREATE',
  version: 'v1beta1',
  object,
  oldObject: null,
  namespace: 'default',
});

void describe('the engine follows the API server order', () => {
  test('CRD CEL rules run on the object with the CRD defaults applied', async () => {
    const written = create(entry());
    const verdict = await engineWith({}).check(written);
    assert.deepEqual(shown(verdict.denials), []);
    assert.equal(verdict.allowed, true);
    // Without the defaulting stages the rule reads a missing field, which the API server refuses.
    const undefaulted = await engineWith({ crdDefaults: false, mutatingDefaults: false }).check(
      written,
    );
    assert.equal(undefaulted.allowed, false);
    assert.deepEqual(
      undefaulted.denials.map((d) => d.rule),
      [celRule],
    );
  });

  test('our rules are judged on the object as the mutating webhook leaves it, when told', async () => {
    // The schema requires configMapRef.key; the mutating webhook defaults it to ca.crt.
    const written = create(entry({ caBundleRef: { configMapRef: { name: 'ca' } } }));
    const mutated = await engineWith({ mutatingDefaults: true }).check(written);
    assert.equal(mutated.allowed, true, JSON.stringify(shown(mutated.denials)));
    const unmutated = await engineWith({ mutatingDefaults: false }).check(written);
    assert.deepEqual(
      shown(unmutated.denials).map((d) => d.field),
      ['spec.caBundleRef.configMapRef.key'],
    );
    // Either way the patch reports what defaulting adds to the object as written.
    assert.deepEqual(mutated.patch, unmutated.patch);
    assert.deepEqual(
      mutated.patch.map((p) => p.path),
      ['/spec/caBundleRef/configMapRef/key', '/spec/allowPrivateEndpoint'],
    );
  });

  test('CRD CEL findings come after the schema and before our rules', async () => {
    const written = create(
      entry({ transport: 'sse', remoteUrl: 'https://10.0.0.1/mcp', extra: 1 }),
    );
    const verdict = await engineWith({}).check(written);
    const rules = verdict.denials.map((d) => d.rule);
    const cel = rules.indexOf(celRule);
    assert.ok(cel > 0, `a CEL denial after the schema's: ${rules.join(', ')}`);
    assert.ok(cel < rules.length - 1, `our rules after CEL: ${rules.join(', ')}`);
    assert.ok(
      rules.slice(cel + 1).every((r) => r !== celRule && r.startsWith('remote-url')),
      rules.join(', '),
    );
  });

  test('with the stages off (the server), CRD CEL rules and CRD defaults do not run', async () => {
    const server = engineWith({ crdDefaults: false, mutatingDefaults: false, crdCelRules: false });
    const verdict = await server.validate(create(entry({ transport: 'sse' })));
    assert.deepEqual(shown(verdict.denials), []);
    assert.deepEqual(server.prepare(create(entry())).object, entry());
  });
});
