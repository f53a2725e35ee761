// The keywords a converted CRD schema may carry beyond JSON Schema, registered with ajv so that
// strict mode compiles them instead of throwing "unknown keyword". Most are annotations kept so
// the output still says what the CRD said; `x-kubernetes-list-map-keys` validates.
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, SchemaValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { kubernetesFormats } from './kubernetes-formats.ts';

/** Annotation keywords: carried for readers (and for CEL collection), never validated. */
export const annotationKeywords = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  // CEL rules: the API server evaluates them; we report them as not evaluated.
  'x-kubernetes-validations',
  // The CRD's RE2 pattern when the JS `pattern` beside it had to be rewritten; messages quote it.
  'x-re2-pattern',
  // A CRD `format` the API server does not enforce (int32, int64, anything unknown).
  'x-ignored-format',
  'example',
  'externalDocs',
] as const;

export const listMapKeysKeyword = 'x-kubernetes-list-map-keys';

interface ItemsSchema {
  readonly properties?: Readonly<Record<string, { readonly default?: unknown }>>;
}

// A map-list item is identified by the tuple of its key fields; a missing key counts as its
// default, as the API server defaults before it checks uniqueness.
function keyTuple(
  item: unknown,
  keys: readonly string[],
  defaults: readonly unknown[],
): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const record = item as Record<string, unknown>;
  return JSON.stringify(keys.map((k, i) => (Object.hasOwn(record, k) ? record[k] : defaults[i])));
}

const validateListMapKeys: SchemaValidateFunction = function (
  keys: readonly string[],
  data: unknown,
  parentSchema?: AnySchemaObject,
  dataCxt?: DataValidationCxt,
): boolean {
  if (!Array.isArray(data) || data.length < 2) return true;
  const props = (parentSchema as { readonly items?: ItemsSchema } | undefined)?.items?.properties;
  const defaults = keys.map((k) => props?.[k]?.default);
  const seen = new Set<string>();
  const errors: ErrorObject[] = [];
  data.forEach((item: unknown, index) => {
    const tuple = keyTuple(item, keys, defaults);
    if (tuple === undefined) return;
    if (seen.has(tuple)) {
      const record = item as Record<string, unknown>;
      const key: Record<string, unknown> = {};
      keys.forEach((k, i) => (key[k] = Object.hasOwn(record, k) ? record[k] : defaults[i]));
      errors.push({
        keyword: listMapKeysKeyword,
        instancePath: `${dataCxt?.instancePath ?? ''}/${index}`,
        schemaPath: '', // ajv fills in the real one
        params: { key },
        message: 'duplicate entry for the list map keys',
      });
    }
    seen.add(tuple);
  });
  if (errors.length === 0) return true;
  validateListMapKeys.errors = errors;
  return false;
};

/** Adds the Kubernetes keywords and the formats the API server enforces to an ajv instance. */
export function registerKubernetesVocabulary(ajv: Ajv): Ajv {
  for (const keyword of annotationKeywords) ajv.addKeyword({ keyword });
  ajv.addKeyword({
    keyword: listMapKeysKeyword,
    type: 'array',
    schemaType: 'array',
    errors: true,
    validate: validateListMapKeys,
  });
  for (const [name, check] of Object.entries(kubernetesFormats)) {
    ajv.addFormat(name, { type: 'string', validate: check });
  }
  return ajv;
}

/**
 * The ajv configuration every CRD schema is compiled with: strict, all errors, Kubernetes
 * vocabulary. `validateSchema: false` skips the meta-schema check, for schemas already checked.
 */
export function createSchemaAjv(options: { readonly validateSchema?: boolean } = {}): Ajv {
  return registerKubernetesVocabulary(
    new Ajv({ strict: true, allErrors: true, validateSchema: options.validateSchema ?? true }),
  );
}
