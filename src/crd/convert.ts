// CRD `openAPIV3Schema` -> JSON Schema that ajv (strict mode, src/crd/vocabulary.ts) compiles and
// that accepts and refuses what the API server would. The differences that matter:
// - Kubernetes prunes unknown fields; we close objects (`additionalProperties: false`) so an
//   unknown field becomes a finding, except under x-kubernetes-preserve-unknown-fields.
// - OpenAPI 3.0 spellings (nullable, boolean exclusiveMinimum) become JSON Schema ones.
// - Patterns are RE2 and are rewritten for JavaScript (src/crd/re2.ts).
// - Only the formats the API server enforces are enforced; the others are kept as annotations.
// - x-kubernetes-* extensions are translated or kept as registered keywords, never dropped.
import { enforcedFormatName } from './kubernetes-formats.ts';
import { Re2TranslationError, re2ToJavaScript } from './re2.ts';
import { listMapKeysKeyword } from './vocabulary.ts';
import { isRecord } from '../json-object.ts';

export type JsonSchema = Record<string, unknown>;

export class ConversionError extends Error {
  /** JSON pointer into the CRD schema, e.g. `#/properties/spec/properties/remoteUrl`. */
  readonly schemaPath: string;
  /** The keyword or construct that could not be converted. */
  readonly construct: string;
  constructor(schemaPath: string, construct: string, detail: string) {
    super(`${schemaPath}: ${construct}: ${detail}`);
    this.name = 'ConversionError';
    this.schemaPath = schemaPath;
    this.construct = construct;
  }
}

/** A CEL rule from x-kubernetes-validations; this project does not evaluate CEL. */
export interface CelRule {
  /** Field path of the schema node carrying the rule: `spec`, `spec.items[*]`, `` for the root. */
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

export interface ConvertedSchema {
  readonly schema: JsonSchema;
  readonly celRules: readonly CelRule[];
}

type Mode = 'structural' | 'value-validation';

interface Place {
  readonly pointer: string;
  readonly fieldPath: string;
  readonly mode: Mode;
  readonly root: boolean;
}

const kubernetesTypes = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const stringKeywords = new Set([
  'pattern',
  'minLength',
  'maxLength',
  'format',
  'x-re2-pattern',
  'x-ignored-format',
]);
const numberKeywords = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
]);
const copiedKeywords = new Set([
  'description',
  'title',
  'default',
  'example',
  'externalDocs',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'maxProperties',
  'minProperties',
  'multipleOf',
  'uniqueItems',
  'enum',
]);
// Structural schemas forbid these; the API server refuses a CRD that uses them.
const forbiddenKeywords = new Set([
  '$ref',
  'id',
  '$schema',
  'definitions',
  'patternProperties',
  'dependencies',
  'additionalItems',
]);

function childPointer(pointer: string, ...segments: string[]): string {
  return [pointer, ...segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1'))].join('/');
}

function joinField(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

class SchemaConverter {
  convert(node: unknown, place: Place): JsonSchema {
    if (!isRecord(node)) throw new ConversionError(place.pointer, 'schema', 'must be an object');
    const out: JsonSchema = {};
    for (const [keyword, value] of Object.entries(node))
      this.keyword(keyword, value, node, out, place);
    if (place.mode === 'structural') this.structural(node, out, place);
    else this.valueValidation(out);
    return out;
  }

  private keyword(
    keyword: string,
    value: unknown,
    node: Record<string, unknown>,
    out: JsonSchema,
    place: Place,
  ): void {
    const at = (k: string): string => childPointer(place.pointer, k);
    if (copiedKeywords.has(keyword)) {
      out[keyword] = value;
      return;
    }
    if (forbiddenKeywords.has(keyword)) {
      throw new ConversionError(at(keyword), keyword, 'not allowed in a structural schema');
    }
    switch (keyword) {
      case 'type':
        if (typeof value !== 'string' || !kubernetesTypes.has(value)) {
          throw new ConversionError(
            at(keyword),
            `type: ${JSON.stringify(value)}`,
            'not a Kubernetes schema type',
          );
        }
        out.type = value;
        return;
      case 'format':
        this.format(value, node, out, place);
        return;
      case 'pattern':
        this.pattern(value, out, at(keyword));
        return;
      case 'minimum':
      case 'maximum': {
        const exclusive = node[keyword === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'];
        // OpenAPI 3.0: `exclusiveMaximum: true` qualifies `maximum`; JSON Schema wants the number.
        if (exclusive === true)
          out[keyword === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] = value;
        else out[keyword] = value;
        return;
      }
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        if (typeof value !== 'boolean') {
          throw new ConversionError(
            at(keyword),
            keyword,
            'must be a boolean in a CRD schema (OpenAPI 3.0)',
          );
        }
        return; // folded into minimum/maximum above
      case 'nullable':
        return; // applied in structural() once the type is known
      case 'required':
        out.required = value;
        return;
      case 'properties':
        if (!isRecord(value)) throw new ConversionError(at(keyword), keyword, 'must be an object');
        out.properties = Object.fromEntries(
          Object.entries(value).map(([name, child]) => [
            name,
            this.convert(child, {
              pointer: childPointer(place.pointer, 'properties', name),
              fieldPath: joinField(place.fieldPath, name),
              mode: place.mode,
              root: false,
            }),
          ]),
        );
        return;
      case 'items':
        if (Array.isArray(value))
          throw new ConversionError(
            at(keyword),
            'items: [...]',
            'tuple items are not allowed in a structural schema',
          );
        out.items = this.convert(value, {
          ...place,
          pointer: at(keyword),
          fieldPath: `${place.fieldPath}[*]`,
          root: false,
        });
        return;
      case 'additionalProperties':
        out.additionalProperties =
          typeof value === 'boolean'
            ? value
            : this.convert(value, {
                ...place,
                pointer: at(keyword),
                fieldPath: `${place.fieldPath}[*]`,
                root: false,
              });
        return;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        if (!Array.isArray(value))
          throw new ConversionError(at(keyword), keyword, 'must be an array');
        out[keyword] = value.map((branch, i) =>
          this.convert(branch, {
            ...place,
            pointer: childPointer(place.pointer, keyword, String(i)),
            mode: 'value-validation',
            root: false,
          }),
        );
        return;
      case 'not':
        out.not = this.convert(value, {
          ...place,
          pointer: at(keyword),
          mode: 'value-validation',
          root: false,
        });
        return;
      default:
        this.extension(keyword, value, out, at(keyword));
    }
  }

  private extension(keyword: string, value: unknown, out: JsonSchema, pointer: string): void {
    switch (keyword) {
      case 'x-kubernetes-preserve-unknown-fields':
      case 'x-kubernetes-embedded-resource':
      case 'x-kubernetes-int-or-string':
        if (typeof value !== 'boolean')
          throw new ConversionError(pointer, keyword, 'must be a boolean');
        out[keyword] = value;
        return;
      case 'x-kubernetes-map-type':
        if (value !== 'granular' && value !== 'atomic')
          throw new ConversionError(pointer, keyword, 'must be "granular" or "atomic"');
        out[keyword] = value;
        return;
      case 'x-kubernetes-list-type':
        if (value !== 'atomic' && value !== 'set' && value !== 'map') {
          throw new ConversionError(pointer, keyword, 'must be "atomic", "set" or "map"');
        }
        out[keyword] = value;
        // A set's items are unique: that is the one thing "set" adds that JSON Schema can say.
        if (value === 'set') out.uniqueItems = true;
        return;
      case listMapKeysKeyword:
        if (
          !Array.isArray(value) ||
          value.length === 0 ||
          !value.every((k) => typeof k === 'string')
        ) {
          throw new ConversionError(pointer, keyword, 'must be a non-empty list of field names');
        }
        out[keyword] = value;
        return;
      case 'x-kubernetes-validations':
        if (
          !Array.isArray(value) ||
          !value.every((r) => isRecord(r) && typeof r.rule === 'string')
        ) {
          throw new ConversionError(pointer, keyword, 'must be a list of {rule, message?} objects');
        }
        out[keyword] = value;
        return;
      default:
        throw new ConversionError(
          pointer,
          keyword,
          keyword.startsWith('x-kubernetes-')
            ? 'unknown Kubernetes schema extension'
            : 'not a keyword of CRD schemas',
        );
    }
  }

  private format(
    value: unknown,
    node: Record<string, unknown>,
    out: JsonSchema,
    place: Place,
  ): void {
    if (typeof value !== 'string')
      throw new ConversionError(
        childPointer(place.pointer, 'format'),
        'format',
        'must be a string',
      );
    if (value === '') return;
    const name = enforcedFormatName(value);
    // The API server checks formats on string values only; on an integer `format: int64` is a hint.
    const appliesToStrings =
      node.type === 'string' ||
      node['x-kubernetes-int-or-string'] === true ||
      node.type === undefined;
    if (name !== undefined && appliesToStrings) out.format = name;
    else out['x-ignored-format'] = value;
  }

  private pattern(value: unknown, out: JsonSchema, pointer: string): void {
    if (typeof value !== 'string')
      throw new ConversionError(pointer, 'pattern', 'must be a string');
    try {
      const js = re2ToJavaScript(value);
      out.pattern = js;
      if (js !== value) out['x-re2-pattern'] = value;
    } catch (err) {
      if (err instanceof Re2TranslationError) {
        throw new ConversionError(
          pointer,
          `pattern ${JSON.stringify(value)}: ${err.construct}`,
          err.message,
        );
      }
      throw err;
    }
  }

  private structural(node: Record<string, unknown>, out: JsonSchema, place: Place): void {
    const intOrString = node['x-kubernetes-int-or-string'] === true;
    const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
    const embedded = node['x-kubernetes-embedded-resource'] === true;
    if (out.type === undefined && !intOrString && !preserve) {
      throw new ConversionError(
        place.pointer,
        'type',
        'missing; a structural schema types every node',
      );
    }
    if (node['x-kubernetes-list-type'] === 'map' && out[listMapKeysKeyword] === undefined) {
      throw new ConversionError(
        place.pointer,
        'x-kubernetes-list-type: map',
        'needs x-kubernetes-list-map-keys',
      );
    }
    if (intOrString) this.intOrString(out, node.nullable === true);
    else if (node.nullable === true && out.type !== undefined) out.nullable = true;

    if (out.type === 'object' || embedded) {
      if (embedded) this.embeddedResourceFields(out);
      if (place.root) this.rootFields(out);
      if (!preserve && out.additionalProperties === undefined) out.additionalProperties = false;
    }
  }

  // int-or-string has no `type`; JSON Schema says it with anyOf, and ajv's strict types want the
  // string-only and number-only keywords inside the branch of their type.
  private intOrString(out: JsonSchema, nullable: boolean): void {
    const integer: JsonSchema = { type: 'integer' };
    const string: JsonSchema = { type: 'string' };
    for (const key of Object.keys(out)) {
      if (stringKeywords.has(key)) {
        string[key] = out[key];
        delete out[key];
      } else if (numberKeywords.has(key)) {
        integer[key] = out[key];
        delete out[key];
      }
    }
    const branches = [integer, string, ...(nullable ? [{ type: 'null' }] : [])];
    const existing = out.anyOf;
    // controller-gen writes `anyOf: [{type: integer}, {type: string}]` itself; ours replaces it.
    const isGeneratedPair =
      Array.isArray(existing) &&
      existing.length === 2 &&
      existing.every(
        (b) =>
          isRecord(b) &&
          Object.keys(b).length === 1 &&
          (b.type === 'integer' || b.type === 'string'),
      );
    if (existing === undefined || isGeneratedPair) out.anyOf = branches;
    else
      out.allOf = [
        ...(Array.isArray(out.allOf) ? (out.allOf as unknown[]) : []),
        { anyOf: branches },
      ];
  }

  private embeddedResourceFields(out: JsonSchema): void {
    const props = isRecord(out.properties) ? out.properties : {};
    props.apiVersion ??= { type: 'string' };
    props.kind ??= { type: 'string' };
    props.metadata ??= { type: 'object' };
    out.properties = props;
  }

  // apiVersion, kind and metadata are always allowed at the root; the API server validates
  // metadata itself, so any object is accepted there.
  private rootFields(out: JsonSchema): void {
    const props = isRecord(out.properties) ? out.properties : {};
    props.apiVersion ??= { type: 'string' };
    props.kind ??= { type: 'string' };
    const metadata = isRecord(props.metadata) ? props.metadata : { type: 'object' };
    delete metadata.additionalProperties;
    props.metadata = metadata;
    out.properties = props;
  }

  // Inside allOf/anyOf/oneOf/not nothing is pruned, and ajv's strictRequired wants each required
  // name declared where it is required: declare it with an always-true schema.
  private valueValidation(out: JsonSchema): void {
    if (!Array.isArray(out.required)) return;
    const props = isRecord(out.properties) ? out.properties : {};
    for (const name of out.required) if (typeof name === 'string') props[name] ??= {};
    out.properties = props;
  }
}

function celRulesOf(node: JsonSchema, path: string, into: CelRule[]): void {
  const rules = node['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      if (!isRecord(r) || typeof r.rule !== 'string') continue;
      const message =
        typeof r.message === 'string' && r.message !== '' ? r.message : `failed rule: ${r.rule}`;
      into.push({ path, rule: r.rule, message });
    }
  }
  if (isRecord(node.properties)) {
    for (const [name, child] of Object.entries(node.properties))
      if (isRecord(child)) celRulesOf(child, joinField(path, name), into);
  }
  if (isRecord(node.items)) celRulesOf(node.items, `${path}[*]`, into);
  if (isRecord(node.additionalProperties))
    celRulesOf(node.additionalProperties, `${path}[*]`, into);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const branches = node[k];
    if (Array.isArray(branches))
      for (const b of branches) if (isRecord(b)) celRulesOf(b, path, into);
  }
  if (isRecord(node.not)) celRulesOf(node.not, path, into);
}

/** Every x-kubernetes-validations rule in a converted (or CRD) schema, with its field path. */
export function collectCelRules(schema: JsonSchema): CelRule[] {
  const rules: CelRule[] = [];
  celRulesOf(schema, '', rules);
  return rules;
}

/** Converts one CRD version's `schema.openAPIV3Schema`. Throws ConversionError. */
export function convertCrdSchema(openAPIV3Schema: unknown): ConvertedSchema {
  const schema = new SchemaConverter().convert(openAPIV3Schema, {
    pointer: '#',
    fieldPath: '',
    mode: 'structural',
    root: true,
  });
  return { schema, celRules: collectCelRules(schema) };
}
