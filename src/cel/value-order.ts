// Equality and ordering of CEL values for the list library. @bufbuild/cel keeps its own
// equality private, so the list functions use these, which follow the CEL spec for the values
// a CRD object can hold: numbers compare across int, uint and double; lists and maps compare
// element by element; the Kubernetes opaque types compare by their canonical text.
import { isCelList, isCelMap, isCelUint, type CelValue } from '@bufbuild/cel';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';

function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (isCelUint(v)) return v.value;
  return undefined;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function celEquals(a: CelValue, b: CelValue): boolean {
  if (a === b) return true;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb) === 0;
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) {
      const x = a.get(i);
      const y = b.get(i);
      if (x === undefined || y === undefined || !celEquals(x, y)) return false;
    }
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const other = b.get(k);
      if (other === undefined || !celEquals(v, other)) return false;
    }
    return true;
  }
  if (isReflectMessage(a) && isReflectMessage(b)) {
    if (a.desc.typeName !== b.desc.typeName) return false;
    return a.fields.every((f) => {
      const x = a.get(f) as unknown;
      const y = b.get(f) as unknown;
      return x === y;
    });
  }
  return false;
}

/** Ordering for the comparable scalar types; undefined when CEL defines no `<` between them. */
export function celCompare(a: CelValue, b: CelValue): number | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}
