// CRD `x-kubernetes-validations` rules are CEL programs. This project ships no CEL evaluator
// yet, so a rule that would run on an object is reported as not checked — a warning naming the
// rule — instead of being passed in silence. The API server skips a rule whose field is absent,
// so only rules whose field is present in the object are reported.
import type { CelRule } from '../crd/entry-schemas.ts';
import type { Finding } from '../policy/findings.ts';
import { parseFieldPath, valueAt } from '../policy/field-path.ts';

export const celNotEvaluatedRule = 'cel.not-evaluated';

/** Whether the node a rule sits on exists; `[*]` (every item) means the list exists. */
function ruleApplies(path: string, object: unknown): boolean {
  if (path === '') return true;
  const star = path.indexOf('[*]');
  const prefix = star < 0 ? path : path.slice(0, star);
  if (prefix === '') return true;
  const segments = parseFieldPath(prefix);
  // A path we cannot parse is reported rather than dropped: the point is never to hide a rule.
  if (segments === undefined) return true;
  const value = valueAt(object, segments);
  return star < 0 ? value !== undefined : Array.isArray(value) && value.length > 0;
}

export function celNotEvaluatedFindings(rules: readonly CelRule[], object: unknown): Finding[] {
  return rules
    .filter((r) => ruleApplies(r.path, object))
    .map((r) => ({
      field: r.path,
      type: 'Invalid' as const,
      message: `not checked offline: ${r.rule}`,
      rule: celNotEvaluatedRule,
    }));
}
