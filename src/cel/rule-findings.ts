// A failed rule as the API server reports it: at the rule's field, or deeper when the rule names
// a `fieldPath`; typed by its `reason` (Invalid unless it says Forbidden, Required or Duplicate);
// an Invalid value shown as the schema type ("object", "string"), as apiextensions does.
import { childOf, keyOf, type FieldPath } from '../model/field-path.ts';
import { finding, type Finding } from '../model/findings.ts';

export const celRule = 'cel';
export const celNotCheckedRule = 'cel.not-evaluated';

/**
 * A rule's `fieldPath` (`.spec.x`, `.headers['X-Key']`) appended to the rule's field. Kubernetes
 * accepts only paths the schema has, so a path it would refuse is left out, keeping the finding
 * at the rule's own field.
 */
export function withFieldPath(field: FieldPath, fieldPath: string | undefined): FieldPath {
  if (fieldPath === undefined) return field;
  let out = field;
  const step = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;
  let rest = fieldPath;
  while (rest !== '') {
    const m = step.exec(rest);
    if (m === null) return field;
    if (m[1] !== undefined) out = childOf(out, m[1]);
    else out = keyOf(out, (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return out;
}

export function failedRuleFinding(
  field: FieldPath,
  schemaType: string,
  detail: string,
  reason: string | undefined,
): Finding {
  switch (reason) {
    case 'FieldValueForbidden':
      return finding.forbidden(field, detail, celRule);
    case 'FieldValueRequired':
      return finding.required(field, celRule, detail);
    case 'FieldValueDuplicate':
      return finding.duplicate(field, detail, celRule);
    default:
      return finding.invalid(field, schemaType, detail, celRule);
  }
}

export function notCheckedFinding(field: FieldPath, rule: string, why: string): Finding {
  return finding.note(field, 'Invalid', `not checked offline: ${rule} (${why})`, celNotCheckedRule);
}
