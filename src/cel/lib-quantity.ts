// Kubernetes' CEL `quantity` library over resource.Quantity text ("500m", "1.5Gi", "2e3").
// A quantity is kept exact, as mantissa × 10^exponent: binary suffixes are whole numbers and
// decimal ones powers of ten, so no float rounding creeps into comparisons.
import { CelScalar, celFunc, celMethod } from '@bufbuild/cel';
import { quantityType } from './opaque-types.ts';

const { STRING, BOOL, INT, DOUBLE } = CelScalar;
const QUANTITY = quantityType.celType;

interface Exact {
  readonly mantissa: bigint;
  readonly exponent: number;
}

const binary: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const decimal: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const shape =
  /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+|)$/;
const int64Max = (1n << 63n) - 1n;

function normalize(q: Exact): Exact {
  if (q.mantissa === 0n) return { mantissa: 0n, exponent: 0 };
  let { mantissa, exponent } = q;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  return { mantissa, exponent };
}

export function parseQuantity(text: string): Exact | undefined {
  const m = shape.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length;
  const factor = binary[suffix];
  if (factor !== undefined) mantissa *= factor;
  else if (suffix.startsWith('e') || suffix.startsWith('E')) exponent += Number(suffix.slice(1));
  else exponent += decimal[suffix] ?? 0;
  if (Math.abs(exponent) > 1000) return undefined;
  return normalize({ mantissa: sign === '-' ? -mantissa : mantissa, exponent });
}

const format = (q: Exact): string => `${q.mantissa}e${q.exponent}`;

function exactOf(value: unknown): Exact {
  const text = typeof value === 'string' ? value : quantityType.unwrap(value);
  const q = text === undefined ? undefined : parseQuantity(text);
  if (q === undefined)
    throw new Error(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  return q;
}

function align(a: Exact, b: Exact): [bigint, bigint, number] {
  const e = Math.min(a.exponent, b.exponent);
  return [
    a.mantissa * 10n ** BigInt(a.exponent - e),
    b.mantissa * 10n ** BigInt(b.exponent - e),
    e,
  ];
}

function compare(a: Exact, b: Exact): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function plus(a: Exact, b: Exact, sign: 1n | -1n): Exact {
  const [x, y, e] = align(a, b);
  return normalize({ mantissa: x + sign * y, exponent: e });
}

function asInteger(q: Exact): bigint | undefined {
  if (q.exponent < 0) return undefined;
  const v = q.mantissa * 10n ** BigInt(q.exponent);
  return v > int64Max || v < -int64Max - 1n ? undefined : v;
}

const wrap = (q: Exact) => quantityType.wrap(format(q));
const fromInt = (n: bigint): Exact => normalize({ mantissa: n, exponent: 0 });

export const quantityFunctions = [
  celFunc('quantity', [STRING], QUANTITY, (text) => wrap(exactOf(text))),
  celFunc('isQuantity', [STRING], BOOL, (text) => parseQuantity(text) !== undefined),
  celMethod('isInteger', QUANTITY, [], BOOL, function () {
    return asInteger(exactOf(this)) !== undefined;
  }),
  celMethod('asInteger', QUANTITY, [], INT, function () {
    const v = asInteger(exactOf(this));
    if (v === undefined) throw new Error('cannot convert value to integer');
    return v;
  }),
  celMethod('asApproximateFloat', QUANTITY, [], DOUBLE, function () {
    const q = exactOf(this);
    return Number(`${q.mantissa}e${q.exponent}`);
  }),
  celMethod('sign', QUANTITY, [], INT, function () {
    const m = exactOf(this).mantissa;
    return m > 0n ? 1n : m < 0n ? -1n : 0n;
  }),
  celMethod('add', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    return wrap(plus(exactOf(this), exactOf(other), 1n));
  }),
  celMethod('add', QUANTITY, [INT], QUANTITY, function (other) {
    return wrap(plus(exactOf(this), fromInt(other), 1n));
  }),
  celMethod('sub', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    return wrap(plus(exactOf(this), exactOf(other), -1n));
  }),
  celMethod('sub', QUANTITY, [INT], QUANTITY, function (other) {
    return wrap(plus(exactOf(this), fromInt(other), -1n));
  }),
  celMethod('isGreaterThan', QUANTITY, [QUANTITY], BOOL, function (other) {
    return compare(exactOf(this), exactOf(other)) > 0;
  }),
  celMethod('isLessThan', QUANTITY, [QUANTITY], BOOL, function (other) {
    return compare(exactOf(this), exactOf(other)) < 0;
  }),
  celMethod('compareTo', QUANTITY, [QUANTITY], INT, function (other) {
    return BigInt(compare(exactOf(this), exactOf(other)));
  }),
];
