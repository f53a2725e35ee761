import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { headerFindings as rawHeaderFindings } from '../../src/policy/headers.ts';
import { pathOf, shownResult, type ShownFinding } from '../support/shown-findings.ts';
import {
  credentialCases,
  duplicateCases,
  fromSecret,
  nameCases,
  plain,
  plaintext,
  restrictedCases,
  restrictedNearMisses,
  secret,
  summary,
  valueCases,
  type Case,
} from './header-cases.ts';

type RuleResult = ReturnType<typeof headerFindings>;

/** The rule's findings, rendered as users see them. */
const headerFindings = (input: unknown, field?: string) =>
  shownResult(rawHeaderFindings(input, field === undefined ? undefined : pathOf(field)));
const formatFinding = (f: ShownFinding): string =>
  f.field === '' ? f.message : `${f.field}: ${f.message}`;

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    void test(c.name, () => {
      const result = headerFindings(c.input);
      assert.deepEqual(summary(result.denials), c.denials ?? []);
      assert.deepEqual(summary(result.warnings), c.warnings ?? []);
      c.says?.forEach((text, i) => {
        assert.ok(
          result.denials[i]?.message.includes(text),
          `denial ${i} ${JSON.stringify(result.denials[i]?.message)} should contain ${JSON.stringify(text)}`,
        );
      });
    });
  }
}

void describe('headers.name: names must be RFC 9110 tokens', () => {
  runCases(nameCases);
});

void describe('headers.restricted: headers the proxy owns cannot be forwarded', () => {
  runCases(restrictedCases);

  const why: readonly [string, string][] = [
    ['Connection', 'hop-by-hop'],
    ['Proxy-Authorization', 'hop-by-hop'],
    ['Host', 'set by the proxy'],
    ['Content-Length', 'request smuggling'],
    ['Transfer-Encoding', 'request smuggling'],
    ['X-Forwarded-For', 'spoof'],
    ['X-Real-Ip', 'spoof'],
    ['Forwarded', 'spoof'],
  ];
  for (const [name, reason] of why) {
    void test(`the message for ${name} explains: ${reason}`, () => {
      const [denial] = headerFindings(plaintext({ [name]: 'v' })).denials;
      assert.ok(denial?.message.includes(reason), denial?.message);
    });
  }

  runCases(restrictedNearMisses);
});

void describe('headers.duplicate: names compare case-insensitively', () => {
  runCases(duplicateCases);
});

void describe('headers.value: plaintext values must not break the request', () => {
  runCases(valueCases);

  void test('no message ever contains the value', () => {
    const value = 'hunter2-Sup3rSecret\r\nX-Evil: 1';
    const result = headerFindings({
      addPlaintextHeaders: { Authorization: value, 'X-Token': value, 'X A': value },
    });
    assert.ok(result.denials.length >= 3);
    for (const f of [...result.denials, ...result.warnings]) {
      assert.ok(!f.message.includes('hunter2'), f.message);
      assert.ok(!f.field.includes('hunter2'), f.field);
    }
  });
});

void describe('headers.credential-in-plaintext: warn, point at addHeadersFromSecret', () => {
  const credentialLike = [
    'Authorization',
    'authorization',
    'Cookie',
    'Set-Cookie',
    'X-API-Key',
    'x-api-key',
    'Api-Key',
    'ApiKey',
    'Private-Token',
    'X-Auth-Token',
    'X-Access-Token',
    'X-Amz-Security-Token',
    'X-Goog-Api-Key',
    'Ocp-Apim-Subscription-Key',
    'X-Client-Secret',
    'X-Db-Password',
    'X-Upstream-Authorization',
    'X-Session-Cookie',
    'Token',
  ];
  for (const name of credentialLike) {
    void test(`${name} in plaintext is allowed with a warning`, () => {
      const result = headerFindings(plaintext({ [name]: 'value' }));
      assert.deepEqual(result.denials, []);
      assert.deepEqual(summary(result.warnings), [
        `headers.credential-in-plaintext @ ${plain}[${name}]`,
      ]);
      const [warning] = result.warnings;
      assert.ok(warning?.message.includes(secret));
      // The field path grows with the name; the rest must leave room for names this long.
      assert.ok(warning !== undefined);
      const line = formatFinding(warning);
      if (name.length <= 14) assert.ok(line.length <= 120, `${line.length} chars: ${line}`);
    });
  }

  const notCredential = [
    'X-Request-Id',
    'X-Tenant-ID',
    'Accept',
    'User-Agent',
    'Idempotency-Key',
    'X-Idempotency-Key',
    'X-Tokenizer',
    'X-Keyboard',
    'Authorization-Hint-Not',
  ];
  for (const name of notCredential) {
    void test(`${name} in plaintext gives no warning`, () => {
      assert.deepEqual(headerFindings(plaintext({ [name]: 'value' })), {
        denials: [],
        warnings: [],
      });
    });
  }

  runCases(credentialCases);
});

void describe('wrong shapes are tolerated (the schema reports types)', () => {
  runCases([
    { name: 'undefined', input: undefined },
    { name: 'null', input: null },
    { name: 'a string', input: 'Host: x' },
    { name: 'a number', input: 42 },
    { name: 'an array', input: [{ headerName: 'Host' }] },
    { name: 'empty object', input: {} },
    { name: 'plaintext map is an array', input: { addPlaintextHeaders: [['Host', 'x']] } },
    { name: 'plaintext map is a string', input: { addPlaintextHeaders: 'Host: x' } },
    { name: 'plaintext map is null', input: { addPlaintextHeaders: null } },
    { name: 'plaintext map is a number', input: { addPlaintextHeaders: 7 } },
    { name: 'secret list is a map', input: { addHeadersFromSecret: { headerName: 'Host' } } },
    { name: 'secret list is a string', input: { addHeadersFromSecret: 'Host' } },
    { name: 'secret list is null', input: { addHeadersFromSecret: null } },
    {
      name: 'secret list items of every wrong kind',
      input: { addHeadersFromSecret: [null, 'Host', 3, ['Host'], {}, { headerName: null }] },
    },
    {
      name: 'headerName of the wrong type',
      input: fromSecret(7, null, true, ['Host'], { name: 'Host' }),
    },
    {
      name: 'good items after bad ones keep their index',
      input: { addHeadersFromSecret: [null, 'x', { headerName: 'host' }] },
      denials: [`headers.restricted @ ${secret}[2].headerName`],
    },
    {
      name: 'names are still checked when the value has the wrong type',
      input: plaintext({ Host: 1, 'X A': null }),
      denials: [`headers.restricted @ ${plain}[Host]`, `headers.name @ ${plain}[X A]`],
    },
    {
      name: '__proto__, constructor and toString are just header names',
      input: JSON.parse(
        '{"addPlaintextHeaders":{"__proto__":"a","constructor":"b","toString":"c"}}',
      ),
    },
    {
      name: 'an own __proto__ map does not hide real entries',
      input: JSON.parse('{"__proto__":{"addPlaintextHeaders":{"Host":"x"}}}'),
    },
  ]);

  void test('a custom field prefix is used in every path', () => {
    const result = headerFindings(
      {
        addPlaintextHeaders: { Host: 'x', Authorization: 'y' },
        addHeadersFromSecret: [{ headerName: 'host' }],
      },
      'spec.remote.headers',
    );
    assert.deepEqual(summary(result.denials), [
      'headers.restricted @ spec.remote.headers.addPlaintextHeaders[Host]',
      'headers.restricted @ spec.remote.headers.addHeadersFromSecret[0].headerName',
      'headers.duplicate @ spec.remote.headers.addHeadersFromSecret[0].headerName',
    ]);
    assert.ok(result.warnings[0]?.message.includes('spec.remote.headers.addHeadersFromSecret'));
  });

  void test('each call returns fresh arrays', () => {
    const a = headerFindings(null);
    a.denials.push({ field: 'x', type: 'Invalid', message: 'm', rule: 'r' });
    assert.deepEqual(headerFindings(null), { denials: [], warnings: [] });
  });
});

void describe('properties over random input', () => {
  const marker = 'Zq9VALUE';
  const anyName = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('Host', 'x-api-key', 'Authorization', 'X-Foo', 'x-foo', ''),
  );
  const headerForward = fc.record(
    {
      addPlaintextHeaders: fc.oneof(
        fc.dictionary(
          anyName,
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 20 }).map((s) => marker + s),
            fc.jsonValue(),
          ),
        ),
        fc.jsonValue(),
      ),
      addHeadersFromSecret: fc.oneof(
        fc.array(
          fc.oneof(fc.record({ headerName: fc.oneof(anyName, fc.jsonValue()) }), fc.jsonValue()),
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );

  void test('never throws; messages are printable ASCII and never carry a value', () => {
    fc.assert(
      fc.property(fc.oneof(headerForward, fc.jsonValue()), (input) => {
        const result: RuleResult = headerFindings(input);
        for (const f of [...result.denials, ...result.warnings]) {
          assert.match(f.field, /^[\x20-\x7e]*$/);
          assert.match(f.message, /^[\x20-\x7e]*$/);
          assert.ok(!f.message.includes(marker), f.message);
        }
      }),
      { numRuns: 500 },
    );
  });

  void test('renaming a header by case changes nothing but the field path', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 8 })),
        (map) => {
          const lower = new Map<string, string>();
          for (const [k, v] of Object.entries(map)) lower.set(k.toLowerCase(), v);
          const upperMap = Object.fromEntries([...lower].map(([k, v]) => [k.toUpperCase(), v]));
          const lowerMap = Object.fromEntries(lower);
          const rulesOf = (r: RuleResult) =>
            [...r.denials, ...r.warnings].map((f) => f.rule).sort();
          assert.deepEqual(
            rulesOf(headerFindings(plaintext(upperMap))),
            rulesOf(headerFindings(plaintext(lowerMap))),
          );
        },
      ),
    );
  });
});

void describe('ToolHive examples', () => {
  const dir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    void test(`${file}: no denials`, () => {
      for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))) {
        const object = doc.toJS() as { kind?: string; spec?: { headerForward?: unknown } } | null;
        if (object?.kind !== 'MCPServerEntry') continue;
        assert.deepEqual(headerFindings(object.spec?.headerForward).denials, []);
      }
    });
  }
});

// Its time (and that it grows linearly) is a figure in bench/hot-paths.ts.
void test('a very long name and many headers are judged without a denial', () => {
  const many: Record<string, string> = {};
  for (let i = 0; i < 20_000; i++) many[`X-Header-${i}`] = 'v'.repeat(50);
  many['X'.repeat(1_000_000)] = 'v';
  const result = headerFindings(plaintext(many));
  assert.deepEqual(result.denials, []);
});
