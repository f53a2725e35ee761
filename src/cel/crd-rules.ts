// The x-kubernetes-validations rules of a converted CRD schema, each with the schema node it sits
// on (which types `self`) and the steps that lead there from the object's root. The converter
// keeps each rule object whole, so messageExpression, fieldPath, reason and optionalOldSelf are
// read here, where they are used.
import type { JsonSchema } from '../crd/convert.ts';
import { isRecord } from '../json-object.ts';
import type { FieldPath } from '../model/field-path.ts';

export type RuleStep =
  | { readonly kind: 'property'; readonly name: string }
  /** Every item of a list or every value of a map (`[*]`). */
  | { readonly kind: 'each' };

export interface CrdRule {
  readonly steps: readonly RuleStep[];
  /** The steps as a path: `spec`, `spec.items[*]` (`*` as a key), the root for none. */
  readonly path: FieldPath;
  readonly schema: JsonSchema;
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  readonly optionalOldSelf?: boolean;
}

function pathOf(steps: readonly RuleStep[]): FieldPath {
  return steps.map((s) =>
    s.kind === 'each' ? { kind: 'key', key: '*' } : { kind: 'field', name: s.name },
  );
}

function ruleOf(
  raw: Record<string, unknown>,
  steps: RuleStep[],
  schema: JsonSchema,
): CrdRule | undefined {
  if (typeof raw['rule'] !== 'string') return undefined;
  const text = (key: string): Record<string, string> =>
    typeof raw[key] === 'string' && raw[key] !== '' ? { [key]: raw[key] } : {};
  return {
    steps,
    path: pathOf(steps),
    schema,
    rule: raw['rule'],
    ...text('message'),
    ...text('messageExpression'),
    ...text('fieldPath'),
    ...text('reason'),
    ...(raw['optionalOldSelf'] === true ? { optionalOldSelf: true } : {}),
  };
}

function collect(node: JsonSchema, steps: RuleStep[], into: CrdRule[]): void {
  const rules = node['x-kubernetes-validations'];
  if (Array.isArray(rules))
    for (const raw of rules) {
      const rule = isRecord(raw) ? ruleOf(raw, steps, node) : undefined;
      if (rule !== undefined) into.push(rule);
    }
  const properties = node['properties'];
  if (isRecord(properties))
    for (const [name, child] of Object.entries(properties))
      if (isRecord(child)) collect(child, [...steps, { kind: 'property', name }], into);
  for (const key of ['items', 'additionalProperties']) {
    const child = node[key];
    if (isRecord(child)) collect(child, [...steps, { kind: 'each' }], into);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const branches = node[key];
    if (Array.isArray(branches)) for (const b of branches) if (isRecord(b)) collect(b, steps, into);
  }
  const not = node['not'];
  if (isRecord(not)) collect(not, steps, into);
}

const cache = new WeakMap<JsonSchema, readonly CrdRule[]>();

/** Every rule in a schema, found once per schema object. */
export function crdRules(schema: JsonSchema): readonly CrdRule[] {
  let rules = cache.get(schema);
  if (rules === undefined) {
    const found: CrdRule[] = [];
    collect(schema, [], found);
    rules = Object.freeze(found);
    cache.set(schema, rules);
  }
  return rules;
}
