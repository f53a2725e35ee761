// x-kubernetes-validations rules over realistic MCPServerEntry-shaped objects: what passes, what
// denies (and where, with which message and type), what is reported as not checked, and why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonSchema } from '../../src/crd/convert.ts';
import {
  celRuleFindings as rawCelRuleFindings,
  defaultCelBudget,
} from '../../src/cel/evaluate-rules.ts';
import { shownResult } from '../support/shown-findings.ts';

/** The rules' findings, rendered as users see them. */
const celRuleFindings = (...args: Parameters<typeof rawCelRuleFindings>) =>
  shownResult(rawCelRuleFindings(...args));

type Rule = Record<string, unknown>;

/** The shape of our CRD's spec, enough for the rules below; `rules` go on `spec`. */
function schemaWith(specRules: Rule[], more: { header?: Rule[]; root?: Rule[] } = {}): JsonSchema {
  return {
    type: 'object',
    ...(more.root === undefined ? {} : { 'x-kubernetes-validations': more.root }),
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        'x-kubernetes-validations': specRules,
        properties: {
          remoteUrl: { type: 'string' },
          transport: { type: 'string' },
          groupRef: { type: 'object', properties: { name: { type: 'string' } } },
          port: { type: 'integer' },
          weight: { type: 'number' },
          namespace: { type: 'string' },
          'x-api-key': { type: 'string' },
          timeout: { type: 'string', format: 'duration' },
          headerForward: {
            type: 'object',
            properties: {
              addPlaintextHeaders: {
                type: 'object',
                additionalProperties: { type: 'string' },
              },
              addHeadersFromSecret: {
                type: 'array',
                items: {
                  type: 'object',
                  'x-kubernetes-validations': more.header ?? [],
                  properties: {
                    headerName: { type: 'string' },
                    valueSecretRef: {
                      type: 'object',
                      properties: { name: { type: 'string' }, key: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

const entry = {
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name: 'github', namespace: 'toolhive', labels: { team: 'a' } },
  spec: {
    remoteUrl: 'https://api.example.com/mcp',
    transport: 'streamable-http',
    groupRef: { name: 'engineering' },
    port: 8443,
    weight: 1.5,
    namespace: 'tools',
    'x-api-key': 'k',
    timeout: '30s',
    headerForward: {
      addPlaintextHeaders: { 'X-Tenant': 'acme', 'X-Env': 'prod' },
      addHeadersFromSecret: [
        { headerName: 'Authorization', valueSecretRef: { name: 'gh', key: 'token' } },
        { headerName: 'X-Other', valueSecretRef: { name: 'gh', key: '' } },
      ],
    },
  },
};

const findingsOf = (schema: JsonSchema, object: unknown = entry) => celRuleFindings(schema, object);

describe('rules on spec: true passes, false denies with the rule message', () => {
  const cases: readonly { name: string; rule: string; passes: boolean }[] = [
    { name: 'string prefix', rule: "self.remoteUrl.startsWith('https://')", passes: true },
    { name: 'string prefix, false', rule: "self.remoteUrl.startsWith('http://')", passes: false },
    { name: 'integer field is a CEL int', rule: 'self.port + 1 == 8444', passes: true },
    { name: 'number field is a CEL double', rule: 'self.weight * 2.0 == 3.0', passes: true },
    { name: 'has() on a present field', rule: 'has(self.groupRef)', passes: true },
    { name: 'has() on an absent field', rule: 'has(self.caBundleRef)', passes: false },
    {
      name: 'enum-like choice',
      rule: "self.transport in ['sse', 'streamable-http']",
      passes: true,
    },
    {
      name: 'map keys',
      rule: "'X-Tenant' in self.headerForward.addPlaintextHeaders",
      passes: true,
    },
    {
      name: 'all() over a list of objects',
      rule: 'self.headerForward.addHeadersFromSecret.all(h, h.valueSecretRef.key != "")',
      passes: false,
    },
    {
      name: 'uniqueness by filter',
      rule: 'self.headerForward.addHeadersFromSecret.all(h, self.headerForward.addHeadersFromSecret.filter(o, o.headerName == h.headerName).size() == 1)',
      passes: true,
    },
    {
      name: 'reserved word property is escaped',
      rule: "self.__namespace__ == 'tools'",
      passes: true,
    },
    {
      name: 'dashed property is escaped',
      rule: "self.x__dash__api__dash__key == 'k'",
      passes: true,
    },
    {
      name: 'duration-format string is a duration',
      rule: "self.timeout < duration('1m')",
      passes: true,
    },
    {
      name: 'url library on a field',
      rule: "url(self.remoteUrl).getHostname().endsWith('.example.com')",
      passes: true,
    },
    { name: 'ternary', rule: "self.transport == 'sse' ? has(self.port) : true", passes: true },
  ];
  for (const c of cases)
    test(c.name, () => {
      const found = findingsOf(schemaWith([{ rule: c.rule, message: `${c.name} failed` }]));
      assert.deepEqual(found.warnings, [], 'no rule is left unchecked');
      assert.deepEqual(
        found.denials,
        c.passes
          ? []
          : [
              {
                field: 'spec',
                type: 'Invalid',
                message: `Invalid value: "object": ${c.name} failed`,
                rule: 'cel',
              },
            ],
      );
    });
});

describe('run-time errors deny, as the API server does', () => {
  test('a missing key names the rule', () => {
    const found = findingsOf(schemaWith([{ rule: "self.caBundleRef.name != ''" }]));
    assert.equal(found.denials.length, 1);
    assert.equal(found.denials[0]?.field, 'spec');
    assert.match(
      found.denials[0]?.message ?? '',
      /caBundleRef.*evaluating rule: self\.caBundleRef\.name != ''/,
    );
  });
  test('a bad argument to a library function', () => {
    const found = findingsOf(schemaWith([{ rule: 'ip(self.remoteUrl).family() == 4' }]));
    assert.match(found.denials[0]?.message ?? '', /parse error evaluating rule/);
  });
});

describe('messages, fields and reasons', () => {
  test('without a message: "failed rule: <rule>"', () => {
    const found = findingsOf(schemaWith([{ rule: 'self.port < 1024' }]));
    assert.equal(
      found.denials[0]?.message,
      'Invalid value: "object": failed rule: self.port < 1024',
    );
  });
  test('messageExpression replaces the message', () => {
    const found = findingsOf(
      schemaWith([
        {
          rule: 'self.port < 1024',
          message: 'static',
          messageExpression: "'port ' + string(self.port) + ' is not privileged'",
        },
      ]),
    );
    assert.equal(found.denials[0]?.message, 'Invalid value: "object": port 8443 is not privileged');
  });
  test('a messageExpression that errors or is empty falls back to the message', () => {
    for (const messageExpression of ['self.nope', "''", "'two\\nlines'", 'semver(self.x)']) {
      const found = findingsOf(
        schemaWith([{ rule: 'self.port < 1024', message: 'static', messageExpression }]),
      );
      assert.equal(found.denials[0]?.message, 'Invalid value: "object": static', messageExpression);
    }
  });
  test('fieldPath moves the finding to the named field, map keys in brackets', () => {
    const found = findingsOf(
      schemaWith([
        { rule: 'self.port < 1024', message: 'm', fieldPath: '.port' },
        {
          rule: 'false',
          message: 'm',
          fieldPath: ".headerForward.addPlaintextHeaders['X-Tenant']",
        },
      ]),
    );
    assert.deepEqual(
      found.denials.map((d) => d.field),
      ['spec.port', 'spec.headerForward.addPlaintextHeaders[X-Tenant]'],
    );
  });
  test('reason sets the finding type', () => {
    const found = findingsOf(
      schemaWith([
        { rule: 'false', message: 'f', reason: 'FieldValueForbidden' },
        { rule: 'false', message: 'r', reason: 'FieldValueRequired' },
        { rule: 'false', message: 'd', reason: 'FieldValueDuplicate' },
        { rule: 'false', message: 'i', reason: 'FieldValueInvalid' },
      ]),
    );
    assert.deepEqual(
      found.denials.map((d) => [d.type, d.message]),
      [
        ['Forbidden', 'Forbidden: f'],
        ['Required', 'Required value: r'],
        ['Duplicate', 'Duplicate value: "d"'],
        ['Invalid', 'Invalid value: "object": i'],
      ],
    );
  });
});

describe('where rules run', () => {
  test('a rule under [*] runs per item and names the failing item', () => {
    const found = findingsOf(
      schemaWith([], {
        header: [{ rule: "self.valueSecretRef.key != ''", message: 'key required' }],
      }),
    );
    assert.deepEqual(
      found.denials.map((d) => [d.field, d.message]),
      [['spec.headerForward.addHeadersFromSecret[1]', 'Invalid value: "object": key required']],
    );
  });
  test('a rule on a map value runs per key', () => {
    const schema = schemaWith([]);
    const headers = (
      (
        (schema['properties'] as Record<string, JsonSchema>)['spec']?.['properties'] as Record<
          string,
          JsonSchema
        >
      )['headerForward']?.['properties'] as Record<string, JsonSchema>
    )['addPlaintextHeaders'] as Record<string, unknown>;
    headers['additionalProperties'] = {
      type: 'string',
      'x-kubernetes-validations': [{ rule: "self != 'prod'", message: 'no prod' }],
    };
    const found = findingsOf(schema);
    assert.deepEqual(
      found.denials.map((d) => [d.field, d.message]),
      [['spec.headerForward.addPlaintextHeaders[X-Env]', 'Invalid value: "string": no prod']],
    );
  });
  test('a rule on an absent field does not run', () => {
    const found = findingsOf(schemaWith([{ rule: 'false' }]), { ...entry, spec: undefined });
    assert.deepEqual(found, { denials: [], warnings: [] });
  });
  test('a root rule sees metadata.name but not labels', () => {
    const found = findingsOf(
      schemaWith([], {
        root: [
          { rule: "self.metadata.name == 'github'", message: 'name' },
          { rule: '!has(self.metadata.labels)', message: 'labels hidden' },
          { rule: "self.kind == 'MCPServerEntry'", message: 'kind' },
        ],
      }),
    );
    assert.deepEqual(found, { denials: [], warnings: [] });
  });
});

describe('rules that cannot be evaluated offline are reported, never passed', () => {
  const notChecked = (rule: string, object: unknown = entry) => {
    const found = findingsOf(schemaWith([{ rule, message: 'm' }]), object);
    assert.deepEqual(found.denials, []);
    assert.equal(found.warnings.length, 1, rule);
    assert.equal(found.warnings[0]?.rule, 'cel.not-evaluated');
    assert.ok(found.warnings[0]?.message.startsWith(`not checked offline: ${rule} (`));
    return found.warnings[0]?.message ?? '';
  };
  test('a function this evaluator does not implement, even in an unreached branch', () => {
    assert.match(
      notChecked('true || semver(self.x).major() > 1'),
      /uses <value>\.major\(\), semver\(\), not available offline/,
    );
    assert.match(notChecked("self.remoteUrl.format.named('x')"), /not available offline/);
  });
  test('a transition rule (oldSelf)', () => {
    assert.match(notChecked('self.remoteUrl == oldSelf.remoteUrl'), /transition rule/);
  });
  test('syntax this CEL parser lacks (optional field selection)', () => {
    assert.match(notChecked('self.?port.orValue(0) > 0'), /cannot parse/);
  });
  test('a rule that does not return a bool', () => {
    assert.match(notChecked('self.port'), /does not evaluate to a bool/);
  });
  test('an overload our typing cannot resolve', () => {
    assert.match(notChecked("self.port + 'x' == 'y'"), /no matching overload/);
  });
  test('a regular expression with no faithful translation', () => {
    assert.match(notChecked("self.remoteUrl.find('(?=h)') == ''"), /regular expression/);
  });
});

describe('cost budget: a hostile rule cannot hang the check', () => {
  const big = {
    ...entry,
    spec: { ...entry.spec, list: Array.from({ length: 3000 }, (_, i) => i) },
  };
  test('nested comprehensions over a large list are refused before running', () => {
    const rule = 'self.list.all(a, self.list.all(b, self.list.all(c, a + b + c >= 0)))';
    const found = findingsOf(schemaWith([{ rule }]), big);
    assert.match(
      found.warnings[0]?.message ?? '',
      /evaluation budget exceeded: 3 nested comprehensions over 3000/,
    );
  });
  test('a rule that would run too long is stopped by the clock', () => {
    const rule = 'self.list.all(a, self.list.all(b, a + b >= 0))';
    const found = celRuleFindings(schemaWith([{ rule }]), big, { ...defaultCelBudget, timeMs: 50 });
    assert.deepEqual(found.denials, []);
    assert.match(found.warnings[0]?.message ?? '', /evaluation budget exceeded: over 50 ms/);
  });
  test('a backtracking regular expression is stopped by the clock', () => {
    const spec = { ...entry.spec, remoteUrl: `${'a'.repeat(40)}!` };
    const found = celRuleFindings(
      schemaWith([{ rule: "self.remoteUrl.find('^(a+)+$') == ''" }]),
      { ...entry, spec },
      { ...defaultCelBudget, timeMs: 100 },
    );
    assert.match(found.warnings[0]?.message ?? '', /evaluation budget exceeded: over 100 ms/);
  });
  test('an input larger than the budget is not evaluated', () => {
    const found = celRuleFindings(schemaWith([{ rule: 'true' }]), entry, {
      ...defaultCelBudget,
      inputSize: 10,
    });
    assert.match(
      found.warnings[0]?.message ?? '',
      /evaluation budget exceeded: input of \d+ exceeds 10/,
    );
  });
});
