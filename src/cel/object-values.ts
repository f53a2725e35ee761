// JSON from a manifest to CEL values, typed by the CRD schema the way the API server types them:
// `integer` is CEL int and `number` is double (so `self.replicas + 1` works and `self.ratio * 2`
// stays a double), structured objects expose escaped property names, int-or-string is an int or a
// string, and strings formatted as byte, duration, date or date-time become bytes, durations and
// timestamps. Where the schema says nothing (x-kubernetes-preserve-unknown-fields), a whole
// number is an int, as Kubernetes' unstructured JSON decoding makes it.
import { isCelError, run, type CelInput } from '@bufbuild/cel';
import type { JsonSchema } from '../crd/convert.ts';
import { escapedPropertyName } from './property-names.ts';
import { isRecord } from '../json-object.ts';

const schemaOf = (v: unknown): JsonSchema | undefined => (isRecord(v) ? v : undefined);

function schemaType(schema: JsonSchema | undefined): string | undefined {
  const t = schema?.['type'];
  return typeof t === 'string' ? t : undefined;
}

function untypedNumber(n: number): CelInput {
  return Number.isInteger(n) && Number.isSafeInteger(n) ? BigInt(n) : n;
}

function formattedString(text: string, format: unknown): CelInput {
  let expression: string | undefined;
  if (format === 'duration') expression = 'duration(s)';
  else if (format === 'date-time') expression = 'timestamp(s)';
  else if (format === 'date') expression = "timestamp(s + 'T00:00:00Z')";
  else if (format === 'byte') {
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  if (expression === undefined) return text;
  // The CEL library's own conversions read these spellings; a value they refuse stays a string
  // (the schema check has already reported it).
  const converted = run(expression, { s: text });
  return isCelError(converted) ? text : converted;
}

function objectValue(value: Record<string, unknown>, schema: JsonSchema | undefined): CelInput {
  const properties = schemaOf(schema?.['properties']);
  const additional = schemaOf(schema?.['additionalProperties']);
  const out = new Map<string, CelInput>();
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    // Own properties only: a key named `__proto__` must not find Object.prototype as its schema.
    const declared = schemaOf(
      properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined,
    );
    if (declared !== undefined || (properties !== undefined && additional === undefined)) {
      // A structured property: reachable only under its escaped name.
      const name = escapedPropertyName(key);
      if (name !== undefined) out.set(name, toCelValue(child, declared));
    } else {
      out.set(key, toCelValue(child, additional));
    }
  }
  return out;
}

export function toCelValue(value: unknown, schema: JsonSchema | undefined): CelInput {
  const type = schemaType(schema);
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (type === 'number') return value;
    if (type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true)
      return Number.isInteger(value) ? BigInt(value) : value;
    return untypedNumber(value);
  }
  if (typeof value === 'string') return formattedString(value, schema?.['format']);
  if (Array.isArray(value)) {
    const items = schemaOf(schema?.['items']);
    return value.map((v) => toCelValue(v, items));
  }
  if (isRecord(value)) return objectValue(value, schema);
  return null;
}

/**
 * `self` for a rule on the root of the object: Kubernetes exposes only `metadata.name` and
 * `metadata.generateName` there, so a rule cannot read labels or annotations the API server
 * would hide from it.
 */
export function rootCelValue(
  value: Record<string, unknown>,
  schema: JsonSchema | undefined,
): CelInput {
  const metadata = value['metadata'];
  const visible: Record<string, unknown> = { ...value };
  if (isRecord(metadata)) {
    const kept: Record<string, unknown> = {};
    for (const k of ['name', 'generateName']) if (metadata[k] !== undefined) kept[k] = metadata[k];
    visible['metadata'] = kept;
  }
  return toCelValue(visible, schema);
}
