// The API server's structural defaulting (apiextensions-apiserver's defaulting.Default), run on
// the converted schema: the first stage of the order the engine follows (src/policy/engine.ts).
// A property's `default` fills an absent field, or a null in a field that is not nullable (the
// API server prunes such a null and then defaults it); defaults apply at every depth, inside
// map values and list items too, and inside a default just filled in.
import type { JsonSchema } from './convert.ts';
import { isRecord } from '../json-object.ts';

const hasDefault = (s: JsonSchema | undefined): s is JsonSchema =>
  s !== undefined && Object.hasOwn(s, 'default');

const isNonNullableNull = (value: unknown, s: JsonSchema | undefined): s is JsonSchema =>
  value === null && hasDefault(s) && s['nullable'] !== true;

const schemaAt = (v: unknown): JsonSchema | undefined => (isRecord(v) ? v : undefined);

/**
 * What defaulting needs from one schema node, worked out once per node (schemas live as long as
 * the process): the properties with a default, in schema order; the properties, map values and
 * list items under which some default can apply. A subtree without any default is never walked.
 */
interface Plan {
  /** Whether a default can apply at or below a value of this schema. */
  readonly relevant: boolean;
  readonly properties: JsonSchema;
  readonly withDefault: readonly (readonly [string, JsonSchema])[];
  readonly walk: readonly (readonly [string, JsonSchema])[];
  readonly additional: JsonSchema | undefined;
  readonly items: JsonSchema | undefined;
}

const plans = new WeakMap<JsonSchema, Plan>();

function planOf(s: JsonSchema): Plan {
  let plan = plans.get(s);
  if (plan !== undefined) return plan;
  const properties = schemaAt(s['properties']) ?? {};
  const withDefault: (readonly [string, JsonSchema])[] = [];
  const walk: (readonly [string, JsonSchema])[] = [];
  for (const [key, raw] of Object.entries(properties)) {
    const p = schemaAt(raw);
    if (p === undefined) continue;
    if (hasDefault(p)) withDefault.push([key, p]);
    if (hasDefault(p) || planOf(p).relevant) walk.push([key, p]);
  }
  const relevantChild = (c: JsonSchema | undefined): JsonSchema | undefined =>
    c !== undefined && (hasDefault(c) || planOf(c).relevant) ? c : undefined;
  const additional = relevantChild(schemaAt(s['additionalProperties']));
  const items = relevantChild(schemaAt(s['items']));
  plan = {
    relevant: walk.length > 0 || additional !== undefined || items !== undefined,
    properties,
    withDefault,
    walk,
    additional,
    items,
  };
  plans.set(s, plan);
  return plan;
}

/**
 * `value` with the schema's defaults filled in, copied on write: what defaulting changes is a
 * new object or array (and each container above it); what it leaves alone is `value`'s own,
 * shared, and `value` itself comes back when nothing is defaulted. `check` runs this on every
 * entry, where copying whole objects cost more than the rules.
 */
function withDefaults(value: unknown, s: JsonSchema): unknown {
  const plan = planOf(s);
  if (!plan.relevant) return value;
  if (Array.isArray(value)) {
    const items = plan.items;
    if (items === undefined) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const filled = withDefaults(
        isNonNullableNull(item, items) ? structuredClone(items['default']) : item,
        items,
      );
      if (filled !== item) (out ??= value.slice())[i] = filled;
    }
    return out ?? value;
  }
  if (!isRecord(value)) return value;
  let out: Record<string, unknown> | undefined;
  const set = (key: string, v: unknown): void => {
    // defineProperty: a key named __proto__ becomes an own property, not the prototype.
    Object.defineProperty((out ??= copyRecord(value)), key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  };
  for (const [key, p] of plan.withDefault) {
    if (!Object.hasOwn(value, key) || isNonNullableNull(value[key], p))
      set(key, structuredClone(p['default']));
  }
  const fill = (key: string, p: JsonSchema): void => {
    const current = (out ?? value)[key];
    const filled = withDefaults(
      isNonNullableNull(current, p) ? structuredClone(p['default']) : current,
      p,
    );
    if (filled !== current) set(key, filled);
  };
  for (const [key, p] of plan.walk) if (Object.hasOwn(out ?? value, key)) fill(key, p);
  const additional = plan.additional;
  if (additional !== undefined) {
    for (const key of Object.keys(out ?? value))
      if (!Object.hasOwn(plan.properties, key)) fill(key, additional);
  }
  return out ?? value;
}

/** A shallow copy keeping every key an own data property (`__proto__` included). */
function copyRecord(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: value[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = value[key];
  }
  return copy;
}

/**
 * `object` with the schema's defaults applied, as the API server decodes it; `object` is never
 * changed. The result shares what defaulting did not touch with `object` (it is `object` when
 * nothing was defaulted): treat both as read-only.
 */
export function withSchemaDefaults(object: unknown, schema: JsonSchema): unknown {
  return withDefaults(object, schema);
}

/** The `default` the schema declares at `spec.<field>`, or undefined when it declares none. */
export function specFieldDefault(schema: JsonSchema | undefined, field: string): unknown {
  const spec = schemaAt(schemaAt(schema?.['properties'])?.['spec']);
  const p = schemaAt(schemaAt(spec?.['properties'])?.[field]);
  return p !== undefined && Object.hasOwn(p, 'default') ? p['default'] : undefined;
}
