// Kubernetes' regex library: `find` and `findAll`. Go's regexp is RE2; the pattern is first
// translated to an equivalent JavaScript pattern (src/crd/re2.ts), and a pattern that has no
// faithful translation makes the rule not checked instead of matching differently. Only the
// first match's existence is decided by backtracking here, and the per-rule time budget bounds
// even a pathological pattern.
import { CelScalar, celMethod, listType } from '@bufbuild/cel';
import { re2ToJavaScript, Re2TranslationError } from '../crd/re2.ts';
import { NotEvaluableError } from './not-evaluable.ts';

const { STRING, INT } = CelScalar;

const compiled = new Map<string, RegExp>();

function jsRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re !== undefined) return re;
  try {
    re = new RegExp(re2ToJavaScript(pattern), 'gu');
  } catch (err) {
    if (err instanceof Re2TranslationError)
      throw new NotEvaluableError(`regular expression ${JSON.stringify(pattern)}: ${err.message}`);
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}`);
  }
  if (compiled.size > 256) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

function findAll(text: string, pattern: string, limit: bigint): string[] {
  const re = jsRegex(pattern);
  re.lastIndex = 0;
  const found: string[] = [];
  // Go's FindAllString: a negative limit means all matches; zero means none.
  while (limit < 0n || BigInt(found.length) < limit) {
    const m = re.exec(text);
    if (m === null) break;
    found.push(m[0]);
    if (m[0] === '') re.lastIndex += 1;
  }
  return found;
}

export const regexFunctions = [
  celMethod('find', STRING, [STRING], STRING, function (pattern) {
    return findAll(this, pattern, 1n)[0] ?? '';
  }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function (pattern) {
    return findAll(this, pattern, -1n);
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (pattern, limit) {
    return findAll(this, pattern, limit);
  }),
];
