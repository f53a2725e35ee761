// One entry through the engine, the way the API server would take it on `kubectl apply`:
// a CREATE, defaulting then validation, with each finding pinned to the line of its field.
import type { EntrySchemas } from '../crd/entry-schemas.ts';
import type { AdmissionEngine } from '../policy/engine.ts';
import type { FieldPath } from '../model/field-path.ts';
import type { Finding } from '../model/findings.ts';
import { allowedHostsKey, deniedHostsKey, type HostLists } from '../policy/host-lists.ts';
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

const noCelFindings = { denials: [], warnings: [] } as const;

/**
 * The CRD's x-kubernetes-validations rules, which the API server runs before any webhook. Only a
 * --crd schema has them; the evaluator loads only then, so plain checks do not pay for it.
 */
async function celFindingsFor(
  schemas: EntrySchemas,
  version: string,
  object: Record<string, unknown>,
): Promise<{ readonly denials: readonly Finding[]; readonly warnings: readonly Finding[] }> {
  const schema = schemas.schema(version);
  if (schema === undefined || schemas.celRules(version).length === 0) return noCelFindings;
  const { celRuleFindings } = await import('../cel/evaluate-rules.ts');
  return celRuleFindings(schema, object);
}

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
 * no webhook: the schema first (a schema error ends the request before admission), then the
 * policy. No lookups, no warnings, no defaults patch.
 */
async function apiServerAloneVerdict(
  schemas: EntrySchemas,
  version: string,
  object: Record<string, unknown>,
  hostLists: HostLists | undefined,
): Promise<{ allowed: boolean; denials: Finding[]; warnings: Finding[]; patch: [] }> {
  const schemaFindings = schemas.validate(version, object);
  if (schemaFindings.length > 0)
    return { allowed: false, denials: schemaFindings, warnings: [], patch: [] };
  const { evaluateAdmissionPolicy, policyFailureFinding } =
    await import('../admission-policy/evaluate.ts');
  // The host lists reach the policy as its parameter, the ConfigMap they came from.
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
  return { allowed: denials.length === 0, denials, warnings: [], patch: [] };
}

/**
 * `mutatingDefaults`: judge the object as the mutating webhook leaves it (it is installed, or
 * the object was stored through it). Otherwise the object is judged as written against the
 * CRD given, as a cluster without the mutating webhook would; the patch is still reported.
 */
export async function judgeEntry(
  engine: AdmissionEngine,
  schemas: EntrySchemas,
  doc: EntryDocument,
  defaultNamespace: string,
  mutatingDefaults: boolean,
  /** Judge with the generated ValidatingAdmissionPolicy instead of the webhook. */
  admissionPolicy = false,
): Promise<EntryResult> {
  const apiVersion = asText(doc.object['apiVersion']);
  const version = apiVersion.slice(entryGroup.length + 1);
  const metadata = asRecord(doc.object['metadata']);
  const namespace = asText(metadata?.['namespace']) || defaultNamespace;
  const name = asText(metadata?.['name']);
  const input = {
    operation: 'CREATE',
    version,
    object: asCreated(doc.object),
    oldObject: null,
    namespace,
  } as const;
  const verdict = admissionPolicy
    ? await apiServerAloneVerdict(schemas, version, input.object, engine.options.hostLists)
    : mutatingDefaults
      ? await engine.check(input)
      : { ...(await engine.validate(input)), patch: engine.mutate(input).patch };
  const place = (f: Finding): LocatedFinding => ({
    ...f,
    source: doc.position.source,
    ...doc.locateNearest(f.path),
  });
  const cel = await celFindingsFor(schemas, version, doc.object);
  // What the API server's ObjectMeta validation refuses before any webhook is called.
  const meta = metadataFindings(doc.object);
  return {
    position: doc.position,
    apiVersion,
    namespace,
    name,
    allowed: verdict.allowed && cel.denials.length === 0 && meta.length === 0,
    denials: byPosition([...meta, ...verdict.denials, ...cel.denials].map(place)),
    warnings: byPosition([...verdict.warnings, ...cel.warnings].map(place)),
    patch: verdict.patch,
  };
}
