// The re2js trial (issue 19, item 8): should CRD `pattern`s be checked by re2js (a pure
// JavaScript port of RE2, plugged into ajv through `code.regExp`) instead of by our translation
// of RE2 into a JavaScript regular expression (src/crd/re2.ts)? Side by side, in one run:
//   1. semantics: patterns JavaScript and RE2 read differently, each with Go's answer;
//   2. every distinct pattern of ToolHive's CRDs and ours: does each engine take it;
//   3. speed on typical values (what every review pays), per pattern;
//   4. speed on a hostile value for a pattern with overlapping quantifiers;
//   5. the whole schema: validations per second of our bundled v1beta1 schema either way.
//   node bench/re2js.ts [--json FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { RE2JS } from 're2js';
import { re2ToJavaScript } from '../src/crd/re2.ts';
import { entry } from '../test/support/reviews.ts';
import { dialectCases as semantics, crdPatterns } from '../test/crd/re2-dialect-cases.ts';

type Engine = (pattern: string) => (value: string) => boolean;
const translated: Engine = (p) => {
  const re = new RegExp(re2ToJavaScript(p), 'u');
  return (v) => re.test(v);
};
const re2js: Engine = (p) => {
  const re = RE2JS.compile(p);
  return (v) => re.test(v);
};
const engines: readonly (readonly [string, Engine])[] = [
  ['translated JS RegExp', translated],
  ['re2js', re2js],
];

function opsPerSecond(fn: () => void, minMs = 150): number {
  for (let i = 0; i < 1000; i++) fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < minMs) {
      for (let i = 0; i < 200; i++) fn();
      n += 200;
    }
    best = Math.max(best, n / ((performance.now() - started) / 1000));
  }
  return best;
}

const { values } = parseArgs({ options: { json: { type: 'string' } } });
const out: Record<string, unknown> = {};

// 1. Semantics.
console.log('## 1. Patterns JavaScript and RE2 read differently (Go answer beside each engine)\n');
console.log('| pattern | value | Go | translated JS RegExp | re2js | why |');
console.log('|---|---|---|---|---|---|');
const wrong: Record<string, number> = {};
for (const [pattern, value, go, why] of semantics) {
  const cells = engines.map(([name, engine]) => {
    let answer: string;
    try {
      const got = engine(pattern)(value);
      answer = got === go ? `${got}` : `**${got}** (wrong)`;
      if (got !== go) wrong[name] = (wrong[name] ?? 0) + 1;
    } catch (err) {
      answer = `refused (${(err as Error).message.slice(0, 40)})`;
    }
    return answer;
  });
  console.log(
    `| \`${pattern}\` | ${JSON.stringify(value)} | ${go} | ${cells.join(' | ')} | ${why} |`,
  );
}
out['semanticsWrong'] = wrong;

// 2. Corpus.
const patterns = crdPatterns();
const refused: Record<string, string[]> = {};
for (const [name, engine] of engines)
  for (const p of patterns)
    try {
      engine(p);
    } catch {
      (refused[name] ??= []).push(p);
    }
console.log(
  `\n## 2. ${patterns.length} distinct patterns in ToolHive's CRDs and ours: ${engines
    .map(([name]) => `${name} refuses ${refused[name]?.length ?? 0}`)
    .join(', ')}`,
);
out['corpus'] = { patterns: patterns.length, refused };

// 3. Typical values.
const typical: readonly (readonly [string, string])[] = [
  ['^https?://', 'https://mcp.example.com/mcp'],
  ['^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', 'Api_Key,Tenant:Region1'],
  [
    '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    'example.com/my-secret-key',
  ],
  ['^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$', '1h30m10.5s'],
  ['^https?://[^\\s?#]+[^/\\s?#]$', 'https://auth.example.com/realms/mcp'],
];
console.log('\n## 3. Typical values: matches per second (best of 3 rounds)\n');
console.log(`| pattern | value | ${engines.map(([n]) => n).join(' | ')} | ratio |`);
console.log(`|---|---|${engines.map(() => '---:').join('|')}|---:|`);
const typicalOut: unknown[] = [];
for (const [pattern, value] of typical) {
  const rates = engines.map(([, engine]) => {
    const test = engine(pattern);
    if (!test(value)) throw new Error(`${pattern} should match ${value}`);
    return opsPerSecond(() => test(value));
  });
  typicalOut.push({ pattern, value, rates });
  console.log(
    `| \`${pattern.length > 40 ? `${pattern.slice(0, 37)}...` : pattern}\` | \`${value}\` | ${rates
      .map((r) => Math.round(r).toLocaleString('en-US'))
      .join(' | ')} | ${(rates[0]! / rates[1]!).toFixed(1)}× |`,
  );
}
out['typical'] = typicalOut;

// 4. Hostile values: a header name of N allowed characters and one refused at the end.
const hostilePattern = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';
console.log(`\n## 4. Hostile value for \`${hostilePattern}\`: "a" + "_"×N + "!" (ms, one match)\n`);
console.log(`| N | ${engines.map(([n]) => n).join(' | ')} |`);
console.log(`|---:|${engines.map(() => '---:').join('|')}|`);
const hostileOut: unknown[] = [];
for (const n of [1_000, 4_000, 16_000]) {
  const value = `a${'_'.repeat(n)}!`;
  const times = engines.map(([, engine]) => {
    const test = engine(hostilePattern);
    const started = performance.now();
    if (test(value)) throw new Error('must not match');
    return performance.now() - started;
  });
  hostileOut.push({ n, times });
  console.log(`| ${n.toLocaleString('en-US')} | ${times.map((t) => t.toFixed(2)).join(' | ')} |`);
}
out['hostile'] = hostileOut;

// A nested quantifier (star height 2): backtracking is exponential, RE2 linear. No pattern in
// ToolHive's CRDs or ours has one; a CRD given with --crd may.
const nestedPattern = '^(a+)+$';
console.log(`\n   and for \`${nestedPattern}\`: "a"×N + "!" (ms, one match)\n`);
console.log(`| N | ${engines.map(([n]) => n).join(' | ')} |`);
console.log(`|---:|${engines.map(() => '---:').join('|')}|`);
const nestedOut: unknown[] = [];
for (const n of [16, 20, 24]) {
  const value = `${'a'.repeat(n)}!`;
  const times = engines.map(([, engine]) => {
    const test = engine(nestedPattern);
    const started = performance.now();
    if (test(value)) throw new Error('must not match');
    return performance.now() - started;
  });
  nestedOut.push({ n, times });
  console.log(`| ${n} | ${times.map((t) => t.toFixed(2)).join(' | ')} |`);
}
out['nested'] = nestedOut;

// 5. The whole bundled schema through ajv.
const schema = JSON.parse(
  readFileSync(new URL('../schemas/mcpserverentry.v1beta1.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const object = entry({
  headerForward: {
    addPlaintextHeaders: { 'X-Tenant': 'a', 'X-Region': 'eu' },
    addHeadersFromSecret: [
      { headerName: 'X-Api-Key', valueSecretRef: { name: 'api-key', key: 'token' } },
    ],
  },
});
const re2Engine = Object.assign((p: string) => RE2JS.compile(p), { code: 're2js' });
const validators = [
  new Ajv({ strict: false, allErrors: true }),
  new Ajv({ strict: false, allErrors: true, code: { regExp: re2Engine } }),
].map((ajv) => {
  const validate = ajv.compile(schema);
  if (!validate(object)) throw new Error(JSON.stringify(validate.errors));
  return validate;
});
// Interleaved rounds (A, B, A, B, ...), best of each: other processes on a shared machine
// slow whichever engine happens to run while they do.
const ajvRates = [0, 0];
for (let round = 0; round < 5; round++)
  validators.forEach((validate, i) => {
    ajvRates[i] = Math.max(
      ajvRates[i]!,
      opsPerSecond(() => validate(object), 100),
    );
  });
console.log(
  `\n## 5. Bundled v1beta1 schema, an entry with 3 headers (one pattern checked, remoteUrl): validations per second, interleaved rounds: ${engines
    .map(([n], i) => `${n} ${Math.round(ajvRates[i]!).toLocaleString('en-US')}`)
    .join(', ')}`,
);
out['ajv'] = ajvRates;

if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
