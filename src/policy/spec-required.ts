// An entry without `spec` names no server, transport or group: nothing can use it, and a
// reader of the cluster cannot tell what it was meant for. Neither CRD marks `spec` required,
// so this is a rule of ours, like the URL rules: it holds in the server and the CLI whatever
// CRD is in use. `spec: null` counts as absent: the API server prunes a null object field
// before admission, so it never reaches a webhook as null.
import { finding } from './findings.ts';
import { noFindings, type RuleResult } from './verdict.ts';

export const specRequiredRule = 'spec.required';

export function specRequiredFindings(object: Readonly<Record<string, unknown>>): RuleResult {
  const spec = Object.hasOwn(object, 'spec') ? object['spec'] : undefined;
  if (spec !== undefined && spec !== null) return noFindings();
  return { denials: [finding.required('spec', specRequiredRule)], warnings: [] };
}
