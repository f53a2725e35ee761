import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { headerFindings } from '../../src/policy/headers.ts';
import { formatFinding, type Finding } from '../../src/policy/findings.ts';
import type { RuleResult } from '../../src/policy/verdict.ts';

const plain = 'spec.headerForward.addPlaintextHeaders';
const secret = 'spec.headerForward.addHeadersFromSecret';

/** `rule @ field` lines: what a case expects, independent of message wording. */
function summary(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.rule} @ ${f.field}`);
}

function plaintext(headers: Record<string, unknown>): unknown {
  return { addPlaintextHeaders: headers };
}

function fromSecret(...names: unknown[]): unknown {
  return {
    addHeadersFromSecret: names.map((headerName) => ({
      headerName,
      valueSecretRef: { name: 's', key: 'k' },
    })),
  };
}

interface Case {
  readonly name: string;
  readonly input: unknown;
  readonly denials?: readonly string[];
  readonly warnings?: readonly string[];
  /** Text each denial message must contain, in order. */
  readonly says?: readonly string[];
}

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
  runCases([
    {
      name: 'empty plaintext name is denied',
      input: plaintext({ '': 'v' }),
      denials: [`headers.name @ ${plain}[]`],
      says: ['must not be empty'],
    },
    {
      name: 'empty secret headerName is denied',
      input: fromSecret(''),
      denials: [`headers.name @ ${secret}[0].headerName`],
      says: ['must not be empty'],
    },
    {
      name: 'space in a name is denied and named',
      input: plaintext({ 'X Foo': 'v' }),
      denials: [`headers.name @ ${plain}[X Foo]`],
      says: ['"X Foo": U+0020 is not allowed'],
    },
    {
      name: 'trailing colon is denied',
      input: plaintext({ 'X-Foo:': 'v' }),
      denials: [`headers.name @ ${plain}[X-Foo:]`],
      says: ['U+003A'],
    },
    {
      name: 'HTTP/2 pseudo-header is denied',
      input: plaintext({ ':authority': 'v' }),
      denials: [`headers.name @ ${plain}[:authority]`],
      says: ['U+003A'],
    },
    {
      name: 'line feed in a name is escaped in path and message',
      input: plaintext({ 'X-Foo\nX-Evil': 'v' }),
      denials: [`headers.name @ ${plain}[X-Foo\\u000AX-Evil]`],
      says: ['"X-Foo\\u000AX-Evil": U+000A is not allowed'],
    },
    {
      name: 'carriage return in a secret headerName is denied',
      input: fromSecret('X-Foo\r'),
      denials: [`headers.name @ ${secret}[0].headerName`],
      says: ['U+000D'],
    },
    {
      name: 'tab in a name is denied',
      input: plaintext({ 'X\tFoo': 'v' }),
      denials: [`headers.name @ ${plain}[X\\u0009Foo]`],
      says: ['U+0009'],
    },
    {
      name: 'NUL in a name is denied',
      input: plaintext({ 'X\u0000': 'v' }),
      denials: [`headers.name @ ${plain}[X\\u0000]`],
      says: ['U+0000'],
    },
    {
      name: 'DEL in a name is denied',
      input: plaintext({ 'X\u007f': 'v' }),
      denials: [`headers.name @ ${plain}[X\\u007F]`],
      says: ['U+007F'],
    },
    {
      name: 'Latin-1 letter is denied with its code point',
      input: plaintext({ 'X-Föo': 'v' }),
      denials: [`headers.name @ ${plain}[X-F\\u00F6o]`],
      says: ['U+00F6'],
    },
    {
      name: 'astral character is named by its full code point',
      input: plaintext({ 'X-😀': 'v' }),
      denials: [`headers.name @ ${plain}[X-\\uD83D\\uDE00]`],
      says: ['U+1F600'],
    },
    {
      name: 'right-to-left override cannot reorder the message',
      input: fromSecret('X-\u202eooF'),
      denials: [`headers.name @ ${secret}[0].headerName`],
      says: ['"X-\\u202EooF": U+202E'],
    },
    {
      name: 'double quote and backslash are escaped in the quoted name',
      input: plaintext({ 'X"\\': 'v' }),
      denials: [`headers.name @ ${plain}[X"\\]`],
      says: ['"X\\"\\\\": U+0022'],
    },
    ...['(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}'].map(
      (separator): Case => ({
        name: `separator ${JSON.stringify(separator)} is denied`,
        input: plaintext({ [`X${separator}Y`]: 'v' }),
        denials: [`headers.name @ ${plain}[X${separator}Y]`],
        says: [`U+${separator.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`],
      }),
    ),
    {
      name: 'every tchar punctuation mark is accepted',
      input: plaintext({ "!#$%&'*+-.^_`|~": 'v' }),
    },
    {
      name: 'digits, underscores and mixed case are accepted',
      input: fromSecret('X-Foo_Bar-123', '0'),
    },
    {
      name: 'a long name is cut in the message and path',
      input: plaintext({ ['X'.repeat(300) + ' ']: 'v' }),
      denials: [`headers.name @ ${plain}[${'X'.repeat(64)}...]`],
      says: ['U+0020'],
    },
  ]);
});

const restrictedCanonical = [
  'Host',
  'Connection',
  'Keep-Alive',
  'Te',
  'Trailer',
  'Upgrade',
  'Http2-Settings',
  'Proxy-Authorization',
  'Proxy-Authenticate',
  'Proxy-Connection',
  'Transfer-Encoding',
  'Content-Length',
  'Forwarded',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Real-Ip',
];

function mixedCase(name: string): string {
  return [...name].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join('');
}

void describe('headers.restricted: headers the proxy owns cannot be forwarded', () => {
  runCases(
    restrictedCanonical.flatMap((canonical): Case[] => [
      {
        name: `${canonical} (canonical) in plaintext is denied`,
        input: plaintext({ [canonical]: 'v' }),
        denials: [`headers.restricted @ ${plain}[${canonical}]`],
        says: [`Forbidden: "${canonical}"`],
      },
      {
        name: `${canonical} in lower case is denied`,
        input: plaintext({ [canonical.toLowerCase()]: 'v' }),
        denials: [`headers.restricted @ ${plain}[${canonical.toLowerCase()}]`],
        says: [`"${canonical}"`],
      },
      {
        name: `${canonical} in upper case from a Secret is denied`,
        input: fromSecret(canonical.toUpperCase()),
        denials: [`headers.restricted @ ${secret}[0].headerName`],
        says: [`"${canonical}"`],
      },
      {
        name: `${canonical} in mixed case from a Secret is denied`,
        input: fromSecret(mixedCase(canonical)),
        denials: [`headers.restricted @ ${secret}[0].headerName`],
      },
    ]),
  );

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

  runCases([
    {
      name: 'near-misses of restricted names are allowed',
      input: plaintext({ 'X-Host': 'v', Hosts: 'v', 'X-Forwarded-Port': 'v', 'Content-Type': 'v' }),
    },
    {
      name: 'a restricted credential header is denied, not merely warned about',
      input: plaintext({ 'proxy-authorization': 'Basic abc' }),
      denials: [`headers.restricted @ ${plain}[proxy-authorization]`],
    },
  ]);
});

void describe('headers.duplicate: names compare case-insensitively', () => {
  runCases([
    {
      name: 'two spellings in the plaintext map',
      input: plaintext({ 'X-Foo': 'a', 'x-foo': 'b' }),
      denials: [`headers.duplicate @ ${plain}[x-foo]`],
      says: [`Duplicate value: "x-foo": same header as ${plain}[X-Foo]`],
    },
    {
      name: 'plaintext and Secret name the same header',
      input: {
        ...(plaintext({ 'X-Tenant': 'a' }) as object),
        ...(fromSecret('x-TENANT') as object),
      },
      denials: [`headers.duplicate @ ${secret}[0].headerName`],
      says: [`same header as ${plain}[X-Tenant]`],
    },
    {
      name: 'the same name twice from Secrets',
      input: fromSecret('X-Api-Key', 'Other', 'X-API-KEY'),
      denials: [`headers.duplicate @ ${secret}[2].headerName`],
      says: [`same header as ${secret}[0].headerName`],
    },
    {
      name: 'three copies: each later one names the first',
      input: {
        ...(plaintext({ 'X-A': '1', 'x-a': '2' }) as object),
        ...(fromSecret('X-a') as object),
      },
      denials: [`headers.duplicate @ ${plain}[x-a]`, `headers.duplicate @ ${secret}[0].headerName`],
      says: [`same header as ${plain}[X-A]`, `same header as ${plain}[X-A]`],
    },
    {
      name: 'a restricted duplicate is reported both ways',
      input: plaintext({ Host: 'a', host: 'b' }),
      denials: [
        `headers.restricted @ ${plain}[Host]`,
        `headers.restricted @ ${plain}[host]`,
        `headers.duplicate @ ${plain}[host]`,
      ],
    },
    {
      name: 'names that are not tokens are not also reported as duplicates',
      input: plaintext({ 'X Foo': 'a', 'x foo': 'b' }),
      denials: [`headers.name @ ${plain}[X Foo]`, `headers.name @ ${plain}[x foo]`],
    },
    {
      name: 'different names are not duplicates',
      input: { ...(plaintext({ 'X-A': '1' }) as object), ...(fromSecret('X-B', 'X-C') as object) },
    },
  ]);
});

void describe('headers.value: plaintext values must not break the request', () => {
  runCases([
    {
      name: 'CR is denied',
      input: plaintext({ 'X-A': 'a\rb' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['U+000D: CR, LF and NUL allow header injection'],
    },
    {
      name: 'LF is denied',
      input: plaintext({ 'X-A': 'a\nb' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['U+000A'],
    },
    {
      name: 'NUL is denied',
      input: plaintext({ 'X-A': 'a\u0000' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['U+0000'],
    },
    {
      name: 'a smuggled second header is denied',
      input: plaintext({ 'X-A': 'ok\r\nX-Admin: true' }),
      denials: [`headers.value @ ${plain}[X-A]`],
    },
    {
      name: 'CR/LF is reported even when another control character comes first',
      input: plaintext({ 'X-A': '\u0001\n' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['U+000A'],
    },
    {
      name: 'ESC is denied as a control character',
      input: plaintext({ 'X-A': 'a\u001b[31m' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['control character U+001B'],
    },
    {
      name: 'DEL is denied as a control character',
      input: plaintext({ 'X-A': 'a\u007f' }),
      denials: [`headers.value @ ${plain}[X-A]`],
      says: ['U+007F'],
    },
    {
      name: 'vertical tab and form feed are denied',
      input: plaintext({ 'X-A': '\u000b', 'X-B': '\u000c' }),
      denials: [`headers.value @ ${plain}[X-A]`, `headers.value @ ${plain}[X-B]`],
    },
    {
      name: 'HTAB, spaces, UTF-8 and obs-text are allowed',
      input: plaintext({ 'X-A': 'a\tb c', 'X-B': 'grüße 日本', 'X-C': '\u0080\u00ff', 'X-D': '' }),
    },
    {
      name: 'a bad value and a bad name on the same entry are both reported',
      input: plaintext({ 'X A': '\n' }),
      denials: [`headers.value @ ${plain}[X A]`, `headers.name @ ${plain}[X A]`],
    },
  ]);

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

  runCases([
    {
      name: 'credential names from Secrets are what we want: no warning',
      input: fromSecret('Authorization', 'X-API-Key'),
    },
    {
      name: 'a credential name with an injected value is denied, not warned',
      input: plaintext({ Authorization: 'Bearer x\r\n' }),
      denials: [`headers.value @ ${plain}[Authorization]`],
    },
    {
      name: 'an invalid credential-like name is denied, not warned',
      input: plaintext({ 'X Api-Key': 'v' }),
      denials: [`headers.name @ ${plain}[X Api-Key]`],
    },
    {
      name: 'a non-string value under a credential name is the schema’s problem',
      input: plaintext({ Authorization: 42, Cookie: null, 'X-Token': { a: 1 } }),
    },
  ]);
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

void test('linear time on a very long name and many headers', () => {
  const many: Record<string, string> = {};
  for (let i = 0; i < 20_000; i++) many[`X-Header-${i}`] = 'v'.repeat(50);
  many['X'.repeat(1_000_000)] = 'v';
  const started = performance.now();
  const result = headerFindings(plaintext(many));
  const elapsed = performance.now() - started;
  assert.deepEqual(result.denials, []);
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
});
