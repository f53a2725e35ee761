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

/** Fills defaults into `value` in place. `value` must be a fresh copy the caller owns. */
function fillDefaults(value: unknown, s: JsonSchema): void {
  if (Array.isArray(value)) {
    const items = schemaAt(s['items']);
    if (items === undefined) return;
    for (let i = 0; i < value.length; i++) {
      if (isNonNullableNull(value[i], items)) value[i] = structuredClone(items['default']);
      fillDefaults(value[i], items);
    }
    return;
  }
  if (!isRecord(value)) return;
  const properties = schemaAt(s['properties']) ?? {};
  for (const [key, raw] of Object.entries(properties)) {
    const p = schemaAt(raw);
    if (!hasDefault(p)) continue;
    if (!Object.hasOwn(value, key) || isNonNullableNull(value[key], p)) {
      // defineProperty: a key named __proto__ becomes an own property, not the prototype.
      Object.defineProperty(value, key, {
        value: structuredClone(p['default']),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  const additional = schemaAt(s['additionalProperties']);
  for (const key of Object.keys(value)) {
    const p = Object.hasOwn(properties, key) ? schemaAt(properties[key]) : additional;
    if (p === undefined) continue;
    if (isNonNullableNull(value[key], p)) value[key] = structuredClone(p['default']);
    fillDefaults(value[key], p);
  }
}

/** A copy of `object` with the schema's defaults applied, as the API server decodes it. */
export function withSchemaDefaults(object: unknown, schema: JsonSchema): unknown {
  const copy: unknown = structuredClone(object);
  fillDefaults(copy, schema);
  return copy;
}

/** The `default` the schema declares at `spec.<field>`, or undefined when it declares none. */
export function specFieldDefault(schema: JsonSchema | undefined, field: string): unknown {
  const spec = schemaAt(schemaAt(schema?.['properties'])?.['spec']);
  const p = schemaAt(schemaAt(spec?.['properties'])?.[field]);
  return p !== undefined && Object.hasOwn(p, 'default') ? p['default'] : undefined;
}
