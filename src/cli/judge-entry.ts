// One entry through the engine, the way the API server would take it on `kubectl apply`:
// a CREATE, in the order the engine defines (AdmissionEngine.check), with each finding pinned
// to the line of its field. The engine's options say which of the API server's stages run.
import type { AdmissionEngine } from '../policy/engine.ts';
import type { FieldPath } from '../model/field-path.ts';
import type { Finding } from '../model/findings.ts';
import type { RuleResult } from '../model/verdict.ts';
import { allowedHostsKey, deniedHostsKey } from '../policy/host-lists.ts';
import type { EntryInput } from '../model/review.ts';
import type { EntryResult, LocatedFinding, SourcePosition } from './check-report.ts';

import { entryGroup, isEntry } from '../model/entry.ts';
import { asRecord } from '../json-object.ts';
import { metadataFindings } from '../manifests/object-checks.ts';

export { isEntry };

/** An object to judge and a way back from a field path to where it was written. */
export interface EntryDocument {
  readonly object: Record<string, unknown>;
  readonly position: SourcePosition;
  /** Where a field is written, or its nearest written ancestor, or the document start. */
  locateNearest(field: FieldPath): { readonly line: number; readonly column: number };
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Findings in the order they are written in the file (stable for one position). */
function byPosition(findings: LocatedFinding[]): LocatedFinding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * The object as the API server stores it on create: it clears metadata.deletionTimestamp and
 * deletionGracePeriodSeconds (rest.BeforeCreate) before validation, so a manifest that sets
 * them is still judged in full, instead of passing as "being deleted".
 */
function asCreated(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = asRecord(object['metadata']);
  if (metadata === undefined) return object;
  if (!('deletionTimestamp' in metadata) && !('deletionGracePeriodSeconds' in metadata))
    return object;
  const cleared = { ...metadata };
  delete cleared['deletionTimestamp'];
  delete cleared['deletionGracePeriodSeconds'];
  return { ...object, metadata: cleared };
}

/**
 * What the API server alone decides with the generated ValidatingAdmissionPolicy installed and
 * no webhook: the object with the CRD's defaults (no mutating webhook), the schema first (a
 * schema error ends the request before admission), then the policy. No lookups, no warnings
 * of ours, no defaults patch.
 */
async function apiServerAloneVerdict(
  engine: AdmissionEngine,
  input: EntryInput,
): Promise<{ allowed: boolean; denials: Finding[]; warnings: Finding[]; patch: [] }> {
  const object = engine.prepare(input).object;
  const crd = engine.options.crdCelRules
    ? await engine.crdRuleFindings(input.version, object)
    : { denials: [], warnings: [] };
  const schemaFindings = engine.schemas.validate(input.version, object);
  if (schemaFindings.length > 0)
    return withCrdRules({ denials: schemaFindings, warnings: [] }, crd);
  const { evaluateAdmissionPolicy, evaluateWarningPolicy, policyFailureFinding } =
    await import('../admission-policy/evaluate.ts');
  // The host lists reach the policy as its parameter, the ConfigMap they came from.
  const hostLists = engine.options.hostLists;
  const params =
    hostLists === undefined
      ? undefined
      : {
          data: {
            [allowedHostsKey]: hostLists.allowed.join('\n'),
            [deniedHostsKey]: hostLists.denied.join('\n'),
          },
        };
  const denials = evaluateAdmissionPolicy({
    object,
    operation: 'CREATE',
    ...(params === undefined ? {} : { params }),
  }).map(policyFailureFinding);
  // The warnings policy is bound with Warn: the API server shows its messages whether or not
  // the main policy denies (kubectl prints them above the error).
  const warnings = evaluateWarningPolicy({ object, operation: 'CREATE' }).map(policyFailureFinding);
  return withCrdRules({ denials, warnings }, crd);
}

const withCrdRules = (
  own: RuleResult,
  crd: RuleResult,
): { allowed: boolean; denials: Finding[]; warnings: Finding[]; patch: [] } => {
  const denials = [...own.denials, ...crd.denials];
  const warnings = [...own.warnings, ...crd.warnings];
  return { allowed: denials.length === 0, denials, warnings, patch: [] };
};

/**
 * Judges one entry with `engine` (its options say whether the mutating webhook's defaults and
 * the CRD's CEL rules apply), or with the generated ValidatingAdmissionPolicy instead of the
 * webhook when `admissionPolicy` is set.
 */
export async function judgeEntry(
  engine: AdmissionEngine,
  doc: EntryDocument,
  defaultNamespace: string,
  admissionPolicy = false,
): Promise<EntryResult> {
  const apiVersion = asText(doc.object['apiVersion']);
  const version = apiVersion.slice(entryGroup.length + 1);
  const metadata = asRecord(doc.object['metadata']);
  const namespace = asText(metadata?.['namespace']) || defaultNamespace;
  const name = asText(metadata?.['name']);
  const input: EntryInput = {
    operation: 'CREATE',
    version,
    object: asCreated(doc.object),
    oldObject: null,
    namespace,
  };
  const verdict = admissionPolicy
    ? await apiServerAloneVerdict(engine, input)
    : await engine.check(input);
  const place = (f: Finding): LocatedFinding => ({
    ...f,
    source: doc.position.source,
    ...doc.locateNearest(f.path),
  });
  // What the API server's ObjectMeta validation refuses before any webhook is called.
  const meta = metadataFindings(doc.object);
  return {
    position: doc.position,
    apiVersion,
    namespace,
    name,
    allowed: verdict.allowed && meta.length === 0,
    denials: byPosition([...meta, ...verdict.denials].map(place)),
    warnings: byPosition(verdict.warnings.map(place)),
    patch: verdict.patch,
  };
}
