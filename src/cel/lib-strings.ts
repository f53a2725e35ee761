// The strings extension from @bufbuild/cel, with `split(sep, n)` corrected to Go's SplitN, which
// cel-go (and so Kubernetes) uses: at most n pieces, the last holding the rest of the string.
// JavaScript's split(sep, n) drops the rest instead, so 'a,b,c'.split(',', 2) would differ.
import { CelScalar, celMethod, listType } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

const { STRING, INT } = CelScalar;

function splitN(text: string, separator: string, n: bigint): string[] {
  if (n === 0n) return [];
  const pieces = separator === '' ? [...text] : text.split(separator);
  if (n < 0n || BigInt(pieces.length) <= n) return pieces;
  const kept = pieces.slice(0, Number(n) - 1);
  return [...kept, pieces.slice(Number(n) - 1).join(separator)];
}

export const stringFunctions = [
  ...strings,
  celMethod('split', STRING, [STRING, INT], listType(STRING), function (separator, n) {
    return splitN(this, separator, n);
  }),
];
