// The MCPServerEntry schemas the engine validates against: the bundled ones generated from
// deploy/crds/ (schemas/*.json), or ones converted at run time from a CRD read from a file or a
// cluster. Each version is compiled once; validate() is on the admission hot path.
import { readdirSync, readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { fieldPath } from '../model/field-path.ts';
import { finding, type Finding } from '../model/findings.ts';
import { schemaFindings, schemaRule } from './schema-findings.ts';
import { collectCelRules, convertCrdSchema, type CelRule, type JsonSchema } from './convert.ts';
import { servedEntryVersions } from './crd-versions.ts';
import { createSchemaAjv } from './vocabulary.ts';
import { withSchemaDefaults } from './schema-defaults.ts';
import { packageRoot } from '../package-files.ts';

export type { CelRule } from './convert.ts';

export interface EntrySchemas {
  readonly versions: readonly string[];
  validate(version: string, object: unknown): Finding[];
  celRules(version: string): readonly CelRule[];
  /**
   * A copy of `object` with the version's schema defaults applied, as the API server decodes
   * it before any admission; `object` itself when the version is unknown.
   */
  defaulted(version: string, object: unknown): unknown;
  /** The converted schema of a served version (CEL rules are typed and evaluated against it). */
  schema(version: string): JsonSchema | undefined;
}

interface CompiledVersion {
  readonly schema: JsonSchema;
  /** Compiled on the first validation of this version, unless compiled up front. */
  check: ValidateFunction | undefined;
  readonly celRules: readonly CelRule[];
}

const noRules: readonly CelRule[] = Object.freeze([]);

interface CompileOptions {
  /**
   * Compile every version now, so a schema ajv cannot compile fails here (a CRD from a file or
   * a cluster); otherwise each version is compiled when first used (a run over v1beta1 entries
   * never compiles v1alpha1).
   */
  readonly eager: boolean;
  /** Check each schema against JSON Schema's meta-schema first (compiling that costs ~0.1 s). */
  readonly validateSchema: boolean;
}

function compileAll(
  schemas: ReadonlyMap<string, JsonSchema>,
  options: CompileOptions,
): EntrySchemas {
  let ajv: ReturnType<typeof createSchemaAjv> | undefined;
  const compile = (schema: JsonSchema): ValidateFunction =>
    (ajv ??= createSchemaAjv({ validateSchema: options.validateSchema })).compile(schema);
  const compiled = new Map<string, CompiledVersion>();
  for (const [version, schema] of schemas) {
    compiled.set(version, {
      schema,
      check: options.eager ? compile(schema) : undefined,
      celRules: Object.freeze(collectCelRules(schema)),
    });
  }
  const versions = Object.freeze([...compiled.keys()].sort());
  return {
    versions,
    validate(version, object) {
      const v = compiled.get(version);
      if (v === undefined)
        return [finding.notSupported(fieldPath('apiVersion'), version, versions, schemaRule)];
      const check = (v.check ??= compile(v.schema));
      if (check(object)) return [];
      return schemaFindings(check.errors ?? [], object, v.schema);
    },
    celRules(version) {
      return compiled.get(version)?.celRules ?? noRules;
    },
    defaulted(version, object) {
      const v = compiled.get(version);
      return v === undefined ? object : withSchemaDefaults(object, v.schema);
    },
    schema(version) {
      return compiled.get(version)?.schema;
    },
  };
}

export const bundledSchemaDir = `${packageRoot}schemas/`;
const bundledFile = /^mcpserverentry\.([a-z0-9]+)\.json$/;

let bundled: EntrySchemas | undefined;

/**
 * The schemas shipped in schemas/ (generated from deploy/crds/); loaded once per process, each
 * version compiled when first used. They are our own build's output, checked against the
 * meta-schema by test/crd/entry-schemas.test.ts, so a run does not pay for that check.
 */
export function loadBundledEntrySchemas(): EntrySchemas {
  if (bundled !== undefined) return bundled;
  const schemas = new Map<string, JsonSchema>();
  for (const name of readdirSync(bundledSchemaDir)) {
    const version = bundledFile.exec(name)?.[1];
    if (version === undefined) continue;
    schemas.set(
      version,
      JSON.parse(readFileSync(`${bundledSchemaDir}${name}`, 'utf8')) as JsonSchema,
    );
  }
  if (schemas.size === 0)
    throw new Error(`no mcpserverentry.<version>.json in ${bundledSchemaDir}`);
  bundled = compileAll(schemas, { eager: false, validateSchema: false });
  return bundled;
}

/**
 * Schemas from an MCPServerEntry CustomResourceDefinition object (parsed from a file or read from
 * a cluster). Throws CrdShapeError when it is not that CRD, ConversionError when a schema uses
 * something that cannot be checked faithfully.
 */
export function entrySchemasFromCrd(crd: unknown): EntrySchemas {
  const schemas = new Map<string, JsonSchema>();
  for (const version of servedEntryVersions(crd))
    schemas.set(version.name, convertCrdSchema(version.openAPIV3Schema).schema);
  return compileAll(schemas, { eager: true, validateSchema: true });
}
