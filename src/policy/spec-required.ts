// An entry without `spec` names no server, transport or group: nothing can use it, and a
// reader of the cluster cannot tell what it was meant for. Neither CRD marks `spec` required,
// so this is a rule of ours, like the URL rules: it holds in the server and the CLI whatever
// CRD is in use. `spec: null` counts as absent: the API server prunes a null object field
// before admission, so it never reaches a webhook as null.
import { fieldPath } from '../model/field-path.ts';
import { finding } from '../model/findings.ts';
import { noFindings, type RuleResult } from '../model/verdict.ts';

export const specRequiredRule = 'spec.required';

export function specRequiredFindings(object: Readonly<Record<string, unknown>>): RuleResult {
  const spec = Object.hasOwn(object, 'spec') ? object['spec'] : undefined;
  if (spec !== undefined && spec !== null) return noFindings();
  return { denials: [finding.required(fieldPath('spec'), specRequiredRule)], warnings: [] };
}
