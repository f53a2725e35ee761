import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Re2TranslationError, re2ToJavaScript } from '../../src/crd/re2.ts';

const matches = (re2: string, input: string): boolean =>
  new RegExp(re2ToJavaScript(re2), 'u').test(input);

describe('RE2 patterns keep their meaning in JavaScript', () => {
  const cases: { name: string; pattern: string; accepts: string[]; refuses: string[] }[] = [
    {
      name: 'plain patterns pass through',
      pattern: '^https?://',
      accepts: ['https://x', 'http://'],
      refuses: ['ftp://x'],
    },
    {
      name: '. excludes only \\n (JS also excludes \\r)',
      pattern: '^a.b$',
      accepts: ['a\rb', 'a\u2028b', 'a😀b'],
      refuses: ['a\nb'],
    },
    { name: '(?s) lets . match \\n', pattern: '(?s)^a.b$', accepts: ['a\nb'], refuses: ['ab'] },
    {
      name: '\\s is ASCII only, without \\v',
      pattern: '^\\s$',
      accepts: [' ', '\t', '\n', '\f', '\r'],
      refuses: ['\v', '\u00a0', '\u2003'],
    },
    {
      name: '\\S is the complement of RE2 \\s',
      pattern: '^\\S$',
      accepts: ['\u00a0', 'x'],
      refuses: [' '],
    },
    {
      name: '\\S inside a class',
      pattern: '^[a\\S]+$',
      accepts: ['a', '\u00a0b'],
      refuses: ['a b'],
    },
    {
      name: 'negated class holding \\S',
      pattern: '^[^a\\S]$',
      accepts: [' '],
      refuses: ['a', 'b'],
    },
    { name: 'POSIX class', pattern: '^[[:alpha:]]+$', accepts: ['abcXYZ'], refuses: ['é', 'a1'] },
    { name: 'negated POSIX class', pattern: '^[[:^digit:]]$', accepts: ['a'], refuses: ['1'] },
    {
      name: 'POSIX [:space:] includes \\v',
      pattern: '^[^[:space:]]+$',
      accepts: ['abc'],
      refuses: ['a\vb'],
    },
    { name: '\\z is the end of text', pattern: 'a\\z', accepts: ['ba'], refuses: ['a\n'] },
    { name: '\\A is the start of text', pattern: '\\Aa', accepts: ['ab'], refuses: ['ba'] },
    {
      name: '\\Q..\\E quotes metacharacters',
      pattern: '^\\Qa.b*\\E$',
      accepts: ['a.b*'],
      refuses: ['axbbb'],
    },
    {
      name: 'leading (?i) covers the pattern',
      pattern: '(?i)^abc$',
      accepts: ['ABC', 'aBc'],
      refuses: ['abd'],
    },
    {
      name: '(?i) mid-pattern covers the rest of its group only',
      pattern: '^a(?i)b$',
      accepts: ['ab', 'aB'],
      refuses: ['AB'],
    },
    { name: '(?i:...) group', pattern: '^(?i:a)b$', accepts: ['Ab'], refuses: ['AB'] },
    {
      name: '(?m) makes ^ and $ line anchors on \\n only',
      pattern: '(?m)^b$',
      accepts: ['a\nb\nc'],
      refuses: ['a\rb\rc'],
    },
    { name: '(?U) swaps greediness', pattern: '(?U)^(a+)(a*)$', accepts: ['aaa'], refuses: [''] },
    {
      name: '\\pN and \\p{Greek}',
      pattern: '^\\pN\\p{Greek}$',
      accepts: ['1α', '٣β'],
      refuses: ['1a'],
    },
    { name: '\\p{^Greek} negation', pattern: '^\\p{^Greek}$', accepts: ['a'], refuses: ['α'] },
    {
      name: 'escaped punctuation that u-mode JS refuses',
      pattern: '^[\\w+=,.@\\-_/]+\\_$',
      accepts: ['a-b/c_'],
      refuses: ['a b_'],
    },
    {
      name: 'hex and octal escapes',
      pattern: '^\\x41\\x{1F600}\\101$',
      accepts: ['A😀A'],
      refuses: ['AAA'],
    },
    { name: 'x{,3} is a literal in RE2', pattern: '^x{,3}$', accepts: ['x{,3}'], refuses: ['xxx'] },
    {
      name: 'named group (?P<n>...)',
      pattern: '^(?P<word>ab)+$',
      accepts: ['abab'],
      refuses: ['aba'],
    },
    {
      name: 'µ and other non-ASCII literals',
      pattern: '^[0-9]+(ns|µs)$',
      accepts: ['5µs'],
      refuses: ['5us'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      for (const s of c.accepts)
        assert.equal(matches(c.pattern, s), true, `${c.pattern} should match ${JSON.stringify(s)}`);
      for (const s of c.refuses)
        assert.equal(
          matches(c.pattern, s),
          false,
          `${c.pattern} should not match ${JSON.stringify(s)}`,
        );
    });
  }

  test('(?U) makes the first group lazy', () => {
    const m = new RegExp(re2ToJavaScript('(?U)^(a+)(a*)$'), 'u').exec('aaa');
    assert.equal(m?.[1], 'a');
  });
});

describe('RE2 constructs without a faithful translation fail clearly', () => {
  const cases: { pattern: string; construct: string }[] = [
    { pattern: 'a\\Cb', construct: '\\C' },
    { pattern: '(?=a)b', construct: '(?=a' },
    { pattern: '(?!a)b', construct: '(?!a' },
    { pattern: '(?<=a)b', construct: '(?<=' },
    { pattern: '(a)\\1', construct: '\\1' },
    { pattern: 'a**', construct: 'a**' },
    { pattern: '*a', construct: '*' },
    { pattern: 'a{1001}', construct: '{1001}' },
    { pattern: '^*', construct: '^*' },
    { pattern: '[z-a]', construct: 'z-a' },
    { pattern: 'a\\Z', construct: '\\Z' },
    { pattern: '[[:nope:]]', construct: '[:nope:]' },
    { pattern: '(a', construct: '(' },
    { pattern: 'a)', construct: ')' },
    { pattern: '\\p{Klingon}', construct: '\\p{Klingon}' },
    { pattern: '(?x)a b', construct: '(?x)' },
  ];
  for (const c of cases) {
    test(`${c.pattern} -> Re2TranslationError naming ${c.construct}`, () => {
      assert.throws(
        () => re2ToJavaScript(c.pattern),
        (err: unknown) => err instanceof Re2TranslationError && err.construct === c.construct,
      );
    });
  }
});
