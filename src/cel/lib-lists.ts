// Kubernetes' CEL list library (isSorted, sum, min, max, indexOf, lastIndexOf) and the cel-go
// list extensions Kubernetes enables (slice, flatten, reverse, distinct, sort).
import {
  CelScalar,
  celList,
  isCelList,
  listType,
  celMethod,
  type CelList,
  type CelValue,
} from '@bufbuild/cel';
import { celCompare, celEquals } from './value-order.ts';

const LIST = listType(CelScalar.DYN);
const { INT, BOOL, DYN } = CelScalar;

function items(list: CelList): CelValue[] {
  return [...list];
}

function compareOrThrow(a: CelValue, b: CelValue): number {
  const order = celCompare(a, b);
  if (order === undefined) throw new Error('no such overload: list elements are not comparable');
  return order;
}

function extreme(list: CelList, name: string, wanted: number): CelValue {
  const all = items(list);
  let best = all[0];
  if (best === undefined) throw new Error(`${name} called on empty list`);
  for (const v of all.slice(1)) if (compareOrThrow(v, best) * wanted > 0) best = v;
  return best;
}

function sum(list: CelList): CelValue {
  let total: bigint | number | undefined;
  for (const v of list) {
    if (typeof v === 'bigint' && (total === undefined || typeof total === 'bigint'))
      total = (total ?? 0n) + v;
    else if (typeof v === 'number' && (total === undefined || typeof total === 'number'))
      total = (total ?? 0) + v;
    else throw new Error('no such overload: sum() needs a list of one numeric type');
  }
  // Kubernetes' sum() over an empty list is the int zero.
  return total ?? 0n;
}

function indexIn(list: CelList, value: CelValue, last: boolean): bigint {
  const all = items(list);
  const order = last ? all.map((_, i) => all.length - 1 - i) : all.map((_, i) => i);
  for (const i of order) {
    const v = all[i];
    if (v !== undefined && celEquals(v, value)) return BigInt(i);
  }
  return -1n;
}

function slice(list: CelList, start: bigint, end: bigint): CelList {
  if (start < 0n || end < 0n)
    throw new Error(`cannot slice(${start}, ${end}), negative indexes not supported`);
  if (start > end)
    throw new Error(
      `cannot slice(${start}, ${end}), start index must be less than or equal to end index`,
    );
  if (end > BigInt(list.size))
    throw new Error(`cannot slice(${start}, ${end}), list is length ${list.size}`);
  return celList(items(list).slice(Number(start), Number(end)));
}

function flatten(list: CelList): CelList {
  return celList(items(list).flatMap((v) => (isCelList(v) ? items(v) : [v])));
}

function distinct(list: CelList): CelList {
  const kept: CelValue[] = [];
  for (const v of list) if (!kept.some((k) => celEquals(k, v))) kept.push(v);
  return celList(kept);
}

export const listFunctions = [
  celMethod('isSorted', LIST, [], BOOL, function () {
    const all = items(this);
    return all.every((v, i) => i === 0 || compareOrThrow(all[i - 1] as CelValue, v) <= 0);
  }),
  celMethod('sum', LIST, [], DYN, function () {
    return sum(this);
  }),
  celMethod('min', LIST, [], DYN, function () {
    return extreme(this, 'min', -1);
  }),
  celMethod('max', LIST, [], DYN, function () {
    return extreme(this, 'max', 1);
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (value) {
    return indexIn(this, value, false);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (value) {
    return indexIn(this, value, true);
  }),
  celMethod('slice', LIST, [INT, INT], LIST, function (start, end) {
    return slice(this, start, end);
  }),
  celMethod('flatten', LIST, [], LIST, function () {
    return flatten(this);
  }),
  celMethod('reverse', LIST, [], LIST, function () {
    return celList(items(this).reverse());
  }),
  celMethod('distinct', LIST, [], LIST, function () {
    return distinct(this);
  }),
  celMethod('sort', LIST, [], LIST, function () {
    return celList(items(this).sort(compareOrThrow));
  }),
];
