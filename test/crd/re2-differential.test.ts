// Our translation of RE2 patterns into JavaScript (src/crd/re2.ts) against re2js, an
// independent port of RE2: for the constructs where the two dialects differ (with Go's answer)
// and for every pattern of ToolHive's CRDs and ours on generated values, both must agree.
// re2js is the oracle here; bench/re2js.ts says why it is not the engine (bench/README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { re2ToJavaScript } from '../../src/crd/re2.ts';
import { crdPatterns, dialectCases } from './re2-dialect-cases.ts';

const translated = (pattern: string): RegExp => new RegExp(re2ToJavaScript(pattern), 'u');

void describe('RE2 dialect cases: the translation and re2js give Go’s answer', () => {
  for (const [pattern, value, go, why] of dialectCases) {
    test(`${pattern} on ${JSON.stringify(value)}: ${why}`, () => {
      assert.equal(translated(pattern).test(value), go, 'translated');
      assert.equal(RE2JS.compile(pattern).test(value), go, 're2js');
    });
  }
});

// Characters the CRD patterns care about, and ones where the dialects part (\r, U+2028, NBSP,
// \v, astral code points, non-ASCII letters and digits).
const alphabet = [
  ...'aAzZ09_-.,:/@+=?#!* ',
  ...'httpsnumh',
  '\n',
  '\r',
  '\v',
  '\t',
  '\u2028',
  '\u00a0',
  'µ',
  'é',
  '\u0661',
  '😀',
];
// Pieces of values the patterns accept, so that matches are tried as well as refusals.
const pieces = [
  'https://',
  'http://',
  'example',
  '.com',
  '/',
  'a-b',
  'X_Key',
  '10',
  '.5',
  'h',
  'ms',
  'µs',
  'arn:aws:iam::123456789012:role/',
  'eu-west-1',
  'my-group',
];
const values = fc
  .array(fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom(...pieces)), { maxLength: 12 })
  .map((parts) => parts.join(''));

void describe('every CRD pattern: the translation agrees with re2js', () => {
  const patterns = crdPatterns();
  test('the corpus is there', () => assert.ok(patterns.length >= 20, String(patterns.length)));
  for (const pattern of patterns) {
    test(pattern, () => {
      const js = translated(pattern);
      const re2 = RE2JS.compile(pattern);
      fc.assert(
        fc.property(values, (v) => js.test(v) === re2.test(v)),
        { numRuns: 300, seed: 19 },
      );
    });
  }
});
