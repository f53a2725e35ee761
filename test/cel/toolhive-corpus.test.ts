// ToolHive's own CRDs carry many x-kubernetes-validations rules (virtualmcpservers,
// mcpexternalauthconfigs...). Every one must either compile in our environment or be classified
// with a reason — no crash — and ToolHive's example objects must pass the rules of their CRDs,
// as they do on a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { convertCrdSchema } from '../../src/crd/convert.ts';
import { crdRules } from '../../src/cel/crd-rules.ts';
import { celRuleFindings as rawCelRuleFindings } from '../../src/cel/evaluate-rules.ts';
import { compileRule } from '../../src/cel/rule-program.ts';
import { shownResult } from '../support/shown-findings.ts';

/** The rules' findings, rendered as users see them. */
const celRuleFindings = (...args: Parameters<typeof rawCelRuleFindings>) =>
  shownResult(rawCelRuleFindings(...args));

const crdDir = new URL('../../../shared/reference/toolhive-crds/', import.meta.url);
const examplesDir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);

interface Crd {
  readonly kind: string;
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly {
      readonly name: string;
      readonly schema: { readonly openAPIV3Schema: unknown };
    }[];
  };
}

const documentsIn = (dir: URL): unknown[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')).map((d) => d.toJS() as unknown),
    );

const crds = documentsIn(crdDir).filter(
  (d): d is Crd => (d as Crd | null)?.kind === 'CustomResourceDefinition',
);

/** Rules as written in the CRD files, counted without the converter, to cross-check it. */
function rawRuleCount(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + rawRuleCount(x), 0);
  if (node === null || typeof node !== 'object') return 0;
  let n = 0;
  for (const [k, v] of Object.entries(node))
    n += k === 'x-kubernetes-validations' && Array.isArray(v) ? v.length : rawRuleCount(v);
  return n;
}

test('every CEL rule in every ToolHive CRD compiles, or is classified with a reason', () => {
  let rules = 0;
  let compiled = 0;
  const reasons = new Map<string, number>();
  let raw = 0;
  for (const crd of crds)
    for (const version of crd.spec.versions) {
      raw += rawRuleCount(version.schema.openAPIV3Schema);
      for (const rule of crdRules(convertCrdSchema(version.schema.openAPIV3Schema).schema)) {
        for (const text of [rule.rule, rule.messageExpression]) {
          if (text === undefined) continue;
          rules += 1;
          const result = compileRule(text);
          if (result.ok && !result.shape.transition) compiled += 1;
          else {
            const why = result.ok ? 'transition rule' : result.reason;
            assert.ok(why.length > 0, `${text} has a reason`);
            reasons.set(why, (reasons.get(why) ?? 0) + 1);
          }
        }
      }
    }
  console.log(
    `ToolHive CRDs: ${crds.length} CRDs, ${rules} CEL expressions, ${compiled} compile, ${rules - compiled} classified`,
  );
  for (const [why, n] of reasons) console.log(`  ${n} × ${why}`);
  assert.equal(
    raw,
    rules,
    'the collector finds every rule the files contain (none has a messageExpression)',
  );
  assert.ok(rules > 100, 'the corpus is the one with many rules');
  assert.equal(compiled + [...reasons.values()].reduce((a, b) => a + b, 0), rules);
});

test("ToolHive's example objects pass the CEL rules of their own CRDs", () => {
  let evaluated = 0;
  for (const doc of documentsIn(examplesDir)) {
    const object = doc as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
    const [group, version] = (object.apiVersion ?? '').split('/');
    const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === object.kind);
    const served = crd?.spec.versions.find((v) => v.name === version);
    if (served === undefined) continue;
    const schema = convertCrdSchema(served.schema.openAPIV3Schema).schema;
    if (crdRules(schema).length === 0) continue;
    evaluated += 1;
    const found = celRuleFindings(schema, doc);
    assert.deepEqual(
      found,
      { denials: [], warnings: [] },
      `${object.kind}/${object.metadata?.name}`,
    );
  }
  assert.ok(evaluated >= 2, `examples judged by CEL: ${evaluated}`);
});

test('a mutated ToolHive example is denied by the rule it breaks', () => {
  const auth = documentsIn(examplesDir).find(
    (d) => (d as { kind?: string }).kind === 'MCPExternalAuthConfig',
  ) as { apiVersion: string; spec: Record<string, unknown> };
  const crd = crds.find((c) => c.spec.names.kind === 'MCPExternalAuthConfig');
  const served = crd?.spec.versions.find((v) => auth.apiVersion.endsWith(`/${v.name}`));
  assert.ok(served);
  const schema = convertCrdSchema(served.schema.openAPIV3Schema).schema;
  const type = auth.spec['type'] as string;
  // The type names one block; removing that block breaks "type == X ? has(self.X) : ...".
  const spec = { ...auth.spec };
  delete spec[type];
  const found = celRuleFindings(schema, { ...auth, spec });
  assert.ok(
    found.denials.some(
      (d) => d.field === 'spec' && d.message.includes(`${type} configuration must be set`),
    ),
    JSON.stringify(found),
  );
});
