// Picking the served versions and their schemas out of a CustomResourceDefinition object, which
// may come from a file, a cluster or the bundled deploy/crds/ copy.
import { isRecord } from '../json-object.ts';

import { entryCrdName, entryGroup, entryKind } from '../model/entry.ts';

export { entryCrdName, entryGroup, entryKind };

export class CrdShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrdShapeError';
  }
}

export interface ServedVersion {
  readonly name: string;
  readonly storage: boolean;
  readonly openAPIV3Schema: unknown;
}

/** True when `doc` is the MCPServerEntry CustomResourceDefinition (any apiextensions version). */
export function isEntryCrd(doc: unknown): boolean {
  if (!isRecord(doc) || doc.kind !== 'CustomResourceDefinition' || !isRecord(doc.spec))
    return false;
  const names = doc.spec.names;
  return doc.spec.group === entryGroup && isRecord(names) && names.kind === entryKind;
}

/** The served versions of the MCPServerEntry CRD with their schemas; throws CrdShapeError otherwise. */
export function servedEntryVersions(crd: unknown): ServedVersion[] {
  if (!isEntryCrd(crd)) {
    const what = isRecord(crd)
      ? `${String(crd.kind)} ${JSON.stringify(isRecord(crd.metadata) ? crd.metadata.name : undefined)}`
      : typeof crd;
    throw new CrdShapeError(
      `expected the ${entryCrdName} CustomResourceDefinition (group ${entryGroup}, kind ${entryKind}), got ${what}`,
    );
  }
  const spec = (crd as { spec: Record<string, unknown> }).spec;
  if (!Array.isArray(spec.versions))
    throw new CrdShapeError(`${entryCrdName}: spec.versions is missing`);
  const served: ServedVersion[] = [];
  for (const v of spec.versions as unknown[]) {
    if (!isRecord(v) || typeof v.name !== 'string' || v.served !== true) continue;
    const schema = isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (schema === undefined)
      throw new CrdShapeError(`${entryCrdName} version ${v.name} has no schema.openAPIV3Schema`);
    served.push({ name: v.name, storage: v.storage === true, openAPIV3Schema: schema });
  }
  if (served.length === 0) throw new CrdShapeError(`${entryCrdName} serves no version`);
  return served;
}
