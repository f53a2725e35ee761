// The nodes of one object a rule runs on. A rule on `spec.items[*]` runs once per item, and its
// finding names that item (`spec.items[2]`); a map's values are named by key
// (`spec.headers[X-Key]`). Like the API server, a rule does not run where its field is absent or
// null.
import type { RuleStep } from './crd-rules.ts';
import { isRecord } from '../json-object.ts';
import { childOf, indexOf, keyOf, rootPath, type FieldPath } from '../model/field-path.ts';

export interface RuleTarget {
  readonly value: unknown;
  readonly field: FieldPath;
}

export function ruleTargets(root: unknown, steps: readonly RuleStep[]): RuleTarget[] {
  let current: RuleTarget[] = [{ value: root, field: rootPath }];
  for (const step of steps) {
    const next: RuleTarget[] = [];
    for (const t of current) {
      if (step.kind === 'property') {
        if (isRecord(t.value) && Object.hasOwn(t.value, step.name))
          next.push({ value: t.value[step.name], field: childOf(t.field, step.name) });
      } else if (Array.isArray(t.value)) {
        t.value.forEach((v, i) => next.push({ value: v, field: indexOf(t.field, i) }));
      } else if (isRecord(t.value)) {
        for (const [k, v] of Object.entries(t.value))
          next.push({ value: v, field: keyOf(t.field, k) });
      }
    }
    current = next;
  }
  return current.filter((t) => t.value !== undefined && t.value !== null);
}

export interface ValueSize {
  /** Nodes plus string characters: the input a rule could touch. */
  readonly total: number;
  /** The largest list, map or string: how far one comprehension step can range. */
  readonly widest: number;
}

export function measure(value: unknown): ValueSize {
  let total = 0;
  let widest = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    total += 1;
    if (typeof v === 'string') {
      total += v.length;
      widest = Math.max(widest, v.length);
    } else if (Array.isArray(v)) {
      widest = Math.max(widest, v.length);
      for (const x of v) stack.push(x);
    } else if (isRecord(v)) {
      const values = Object.values(v);
      widest = Math.max(widest, values.length);
      for (const x of values) stack.push(x);
    }
  }
  return { total, widest };
}
