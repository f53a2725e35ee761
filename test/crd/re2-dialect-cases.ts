// Where RE2 (Go's regexp, which the API server checks CRD patterns with) and JavaScript read a
// pattern differently, each with Go's regexp.MatchString answer; and every pattern of
// ToolHive's CRDs and ours. Shared by test/crd/re2-differential.test.ts and bench/re2js.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** [pattern, value, Go's answer, why the dialects differ] */
export const dialectCases: readonly (readonly [string, string, boolean, string])[] = [
  ['^a.b$', 'a\rb', true, "RE2's . excludes only \\n"],
  ['^a.b$', 'a\u2028b', true, "RE2's . matches U+2028"],
  ['^a.b$', 'a\nb', false, '. never matches \\n without (?s)'],
  ['^\\s$', '\u00a0', false, "RE2's \\s is ASCII"],
  ['^\\s$', '\v', false, "RE2's \\s has no \\v"],
  ['^\\d+$', '\u0661\u0662', false, '\\d is ASCII'],
  ['^\\w$', 'é', false, '\\w is ASCII'],
  ['^[[:alpha:]]+$', 'abc', true, 'POSIX class'],
  ['^[[:^digit:]]$', 'x', true, 'negated POSIX class'],
  ['\\Aab\\z', 'ab', true, '\\A and \\z'],
  ['\\Aab\\z', 'ab\n', false, '\\z is the very end'],
  ['^ab$', 'ab\n', false, '$ without (?m) is the very end in RE2'],
  ['^\\Qa.b\\E$', 'a.b', true, '\\Q...\\E quotes'],
  ['^\\Qa.b\\E$', 'axb', false, '\\Q...\\E quotes'],
  ['(?i)^k$', '\u212a', true, 'case folding reaches the Kelvin sign'],
  ['(?i)^abc$', 'ABC', true, 'inline flag'],
  ['^(?U)a+$', 'aaa', true, 'ungreedy flag'],
  ['^\\pL+$', 'éß', true, 'Unicode letter class'],
  ['^\\p{Greek}+$', 'αβ', true, 'Unicode script'],
  ['^.$', '😀', true, 'one code point, not two UTF-16 units'],
  ['^[^a]$', '😀', true, 'negated class over a code point'],
  ['^\\x{1F600}$', '😀', true, '\\x{...} escape'],
  ['^\\_$', '_', true, 'RE2 reads \\_ as a literal'],
  ['^[a-c]{2,3}$', 'abcd', false, 'bounded repeat'],
];

function collectPatterns(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const n of node) collectPatterns(n, into);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string') into.add(v);
      else collectPatterns(v, into);
    }
  }
}

/** Every distinct `pattern` in ToolHive's CRDs (the reference copy) and in deploy/crds/. */
export function crdPatterns(): string[] {
  const toolhive = new URL('../../../shared/reference/toolhive-crds/', import.meta.url);
  const ours = new URL('../../deploy/crds/', import.meta.url);
  const patterns = new Set<string>();
  for (const dir of [toolhive, ours])
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')))
      for (const doc of parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')))
        collectPatterns(doc.toJS(), patterns);
  return [...patterns].sort();
}
