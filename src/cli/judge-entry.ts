// One entry through the engine, the way the API server would take it on `kubectl apply`:
// a CREATE, defaulting then validation, with each finding pinned to the line of its field.
import type { EntrySchemas } from '../crd/entry-schemas.ts';
import type { AdmissionEngine } from '../policy/engine.ts';
import type { Finding } from '../policy/findings.ts';
import { celNotEvaluatedFindings } from './cel-not-evaluated.ts';
import type { EntryResult, LocatedFinding, SourcePosition } from './check-report.ts';

import { entryGroup, entryKind } from '../crd/crd-versions.ts';

export { entryGroup, entryKind };

/** An object to judge and a way back from a field path to where it was written. */
export interface EntryDocument {
  readonly object: Record<string, unknown>;
  readonly position: SourcePosition;
  /** Where a field is written, or its nearest written ancestor, or the document start. */
  locateNearest(field: string): { readonly line: number; readonly column: number };
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

const asText = (v: unknown): string => (typeof v === 'string' ? v : '');

export function isEntry(object: unknown): object is Record<string, unknown> {
  const o = asRecord(object);
  return (
    o !== undefined &&
    o['kind'] === entryKind &&
    typeof o['apiVersion'] === 'string' &&
    o['apiVersion'].startsWith(`${entryGroup}/`)
  );
}

export async function judgeEntry(
  engine: AdmissionEngine,
  schemas: EntrySchemas,
  doc: EntryDocument,
  defaultNamespace: string,
): Promise<EntryResult> {
  const apiVersion = asText(doc.object['apiVersion']);
  const version = apiVersion.slice(entryGroup.length + 1);
  const metadata = asRecord(doc.object['metadata']);
  const namespace = asText(metadata?.['namespace']) || defaultNamespace;
  const name = asText(metadata?.['name']);
  const verdict = await engine.check({
    operation: 'CREATE',
    version,
    object: doc.object,
    oldObject: null,
    namespace,
  });
  const place = (f: Finding): LocatedFinding => ({
    ...f,
    source: doc.position.source,
    ...doc.locateNearest(f.field),
  });
  const celWarnings = schemas.versions.includes(version)
    ? celNotEvaluatedFindings(schemas.celRules(version), doc.object)
    : [];
  return {
    position: doc.position,
    apiVersion,
    namespace,
    name,
    allowed: verdict.allowed,
    denials: verdict.denials.map(place),
    warnings: [...verdict.warnings, ...celWarnings].map(place),
    patch: verdict.patch,
  };
}
