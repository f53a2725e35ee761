// ajv's errors, re-told the way the API server tells them: Kubernetes field paths
// (`spec.headerForward.addHeadersFromSecret[0].headerName`, map keys in brackets) and
// apimachinery's phrasing ("Unsupported value", "Required value", "Too long"...).
import type { ErrorObject } from 'ajv';
import {
  childOf,
  indexOf,
  keyOf,
  plainFieldPath,
  rootPath,
  type FieldPath,
} from '../model/field-path.ts';
import { finding, type Finding } from '../model/findings.ts';
import { isRecord } from '../json-object.ts';

export const schemaRule = 'schema';
export const unknownFieldRule = 'schema.unknown-field';

type Schema = Readonly<Record<string, unknown>>;

function unescapePointer(segment: string): string {
  // Almost no segment has an escape; skip the two scans for those.
  return segment.includes('~') ? segment.replaceAll('~1', '/').replaceAll('~0', '~') : segment;
}

/** JSON-ish type of a value, named as Kubernetes names it (Go decodes whole numbers as integers). */
export function kubernetesTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer'; // beyond 2^53, read exactly from a manifest
  return typeof value;
}

interface Located {
  readonly field: FieldPath;
  readonly value: unknown;
  readonly schema: Schema;
}

// A property declared in `properties` is a child (`.name`); a key of an `additionalProperties`
// map is a key (`[name]`), as in apimachinery's field.Path.
function step(at: Located, segment: string): Located {
  if (Array.isArray(at.value)) {
    const items = isRecord(at.schema.items) ? at.schema.items : {};
    return {
      field: indexOf(at.field, Number(segment)),
      value: at.value[Number(segment)],
      schema: items,
    };
  }
  const value = isRecord(at.value) ? at.value[segment] : undefined;
  const props = isRecord(at.schema.properties) ? at.schema.properties : {};
  // Own properties only: `__proto__` read from a plain object is Object.prototype, which would
  // make a map key named `__proto__` look like a declared property (`.x` instead of `[x]`).
  const declared = Object.hasOwn(props, segment) ? props[segment] : undefined;
  if (isRecord(declared)) return { field: childOf(at.field, segment), value, schema: declared };
  if (isRecord(at.schema.additionalProperties)) {
    return { field: keyOf(at.field, segment), value, schema: at.schema.additionalProperties };
  }
  return { field: childOf(at.field, segment), value, schema: {} };
}

function locate(instancePath: string, object: unknown, root: Schema): Located {
  let at: Located = { field: rootPath, value: object, schema: root };
  if (instancePath === '') return at;
  for (const raw of instancePath.slice(1).split('/')) at = step(at, unescapePointer(raw));
  return at;
}

/** The schema node holding the failed keyword, from ajv's `#/properties/spec/.../keyword`. */
function keywordParent(schemaPath: string, root: Schema): Schema {
  const segments = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1);
  let node: unknown = root;
  for (const s of segments) {
    if (s === '') continue;
    const key = unescapePointer(decodeURIComponent(s));
    node = Array.isArray(node) ? node[Number(key)] : isRecord(node) ? node[key] : undefined;
  }
  return isRecord(node) ? node : {};
}

const comparisons: Readonly<Record<string, string>> = {
  '>=': 'greater than or equal to',
  '>': 'greater than',
  '<=': 'less than or equal to',
  '<': 'less than',
};

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return isRecord(value) ? Object.keys(value).length : 0;
}

function param(e: ErrorObject, name: string): unknown {
  return (e.params as Record<string, unknown>)[name];
}

function describe(
  e: ErrorObject,
  object: unknown,
  root: Schema,
  collapsed: readonly ErrorObject[],
): Finding {
  const at = locate(e.instancePath, object, root);
  const { field, value } = at;
  switch (e.keyword) {
    case 'required':
      return finding.required(step(at, String(param(e, 'missingProperty'))).field, schemaRule);
    case 'additionalProperties': {
      const unknown = step(at, String(param(e, 'additionalProperty'))).field;
      return {
        path: unknown,
        type: 'Forbidden',
        detail: 'unknown field',
        badValue: { shown: 'value', value: plainFieldPath(unknown) },
        phrasing: 'note',
        rule: unknownFieldRule,
      };
    }
    case 'enum': {
      const allowed = (param(e, 'allowedValues') as unknown[]).map((v) =>
        typeof v === 'string' ? v : JSON.stringify(v),
      );
      return finding.notSupported(field, value, allowed, schemaRule);
    }
    case 'type':
      return finding.invalid(
        field,
        kubernetesTypeName(value),
        `must be of type ${String(param(e, 'type')).split(',').join(' or ')}`,
        schemaRule,
      );
    case 'pattern': {
      const parent = keywordParent(e.schemaPath, root);
      const original =
        typeof parent['x-re2-pattern'] === 'string'
          ? parent['x-re2-pattern']
          : String(param(e, 'pattern'));
      return finding.invalid(field, value, `should match '${original}'`, schemaRule);
    }
    case 'maxLength':
      return finding.tooLong(field, Number(param(e, 'limit')), schemaRule);
    case 'minLength':
      return finding.invalid(
        field,
        value,
        `should be at least ${String(param(e, 'limit'))} chars long`,
        schemaRule,
      );
    case 'maxItems':
    case 'maxProperties':
      return {
        path: field,
        type: 'TooMany',
        badValue: { shown: 'literal', value: count(value) },
        detail: `must have at most ${String(param(e, 'limit'))} items`,
        rule: schemaRule,
      };
    case 'minItems':
      return finding.invalid(
        field,
        count(value),
        `should have at least ${String(param(e, 'limit'))} items`,
        schemaRule,
      );
    case 'minProperties':
      return finding.invalid(
        field,
        count(value),
        `should have at least ${String(param(e, 'limit'))} properties`,
        schemaRule,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const cmp = comparisons[String(param(e, 'comparison'))] ?? String(param(e, 'comparison'));
      return finding.invalid(
        field,
        value,
        `should be ${cmp} ${String(param(e, 'limit'))}`,
        schemaRule,
      );
    }
    case 'multipleOf':
      return finding.invalid(
        field,
        value,
        `should be a multiple of ${String(param(e, 'multipleOf'))}`,
        schemaRule,
      );
    case 'format':
      return finding.invalid(
        field,
        value,
        `must be of type ${String(param(e, 'format'))}`,
        schemaRule,
      );
    case 'uniqueItems': {
      // ajv names both copies; the later one is the duplicate, as apimachinery reports it.
      const i = Math.max(Number(param(e, 'i')), Number(param(e, 'j')));
      return finding.duplicate(
        indexOf(field, i),
        Array.isArray(value) ? value[i] : undefined,
        schemaRule,
      );
    }
    case 'x-kubernetes-list-map-keys':
      return {
        path: field,
        type: 'Duplicate',
        badValue: { shown: 'literal', value: param(e, 'key') },
        detail: '',
        rule: schemaRule,
      };
    case 'anyOf':
    case 'oneOf': {
      // int-or-string and nullable unions fail as a set of type errors: say "integer or string".
      const types = collapsed.filter(
        (c) => c.instancePath === e.instancePath && c.keyword === 'type',
      );
      if (
        types.length > 0 &&
        types.length === collapsed.length &&
        param(e, 'passingSchemas') == null
      ) {
        const names = types.map((t) => String(param(t, 'type')));
        return finding.invalid(
          field,
          kubernetesTypeName(value),
          `must be of type ${names.join(' or ')}`,
          schemaRule,
        );
      }
      const detail =
        e.keyword === 'anyOf'
          ? 'must validate at least one schema (anyOf)'
          : 'must validate one and only one schema (oneOf)';
      return finding.invalid(field, value, detail, schemaRule);
    }
    case 'not':
      return finding.invalid(field, value, 'must not validate the schema (not)', schemaRule);
    default:
      return finding.invalid(field, value, e.message ?? `failed ${e.keyword}`, schemaRule);
  }
}

/**
 * Findings for ajv errors from validating `object` against `schema` (a converted CRD schema).
 * Errors inside a failed anyOf/oneOf/not branch are folded into the one finding for that keyword.
 */
export function schemaFindings(
  errors: readonly ErrorObject[],
  object: unknown,
  schema: Schema,
): Finding[] {
  const combinators = errors.filter(
    (e) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'not',
  );
  const inside = (e: ErrorObject, c: ErrorObject): boolean =>
    e !== c && e.schemaPath.startsWith(`${c.schemaPath}/`);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (combinators.some((c) => inside(e, c))) continue;
    const collapsed = combinators.includes(e) ? errors.filter((x) => inside(x, e)) : [];
    const f = describe(e, object, schema, collapsed);
    const key = JSON.stringify([f.path, f.type, f.badValue, f.detail]);
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(f);
  }
  return findings;
}
