// The resource this project guards: ToolHive's MCPServerEntry. Its group and kind are written
// here once; everything that asks "is this an entry" asks `isEntry`.

export const entryGroup = 'toolhive.stacklok.dev';
export const entryKind = 'MCPServerEntry';
export const entryPlural = 'mcpserverentries';
export const entryCrdName = `${entryPlural}.${entryGroup}`;

/** The served version of an `apiVersion` of our group (`toolhive.stacklok.dev/v1beta1` → `v1beta1`), else undefined. */
export function entryVersionOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${entryGroup}/`)) return undefined;
  return apiVersion.slice(entryGroup.length + 1);
}

/** An MCPServerEntry object of any version (by `kind` and `apiVersion`). */
export function isEntry(object: unknown): object is Record<string, unknown> {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return false;
  const o = object as Record<string, unknown>;
  return o['kind'] === entryKind && entryVersionOf(o['apiVersion']) !== undefined;
}

/** An AdmissionReview's `kind` (group/version/kind) names an MCPServerEntry. */
export const isEntryKind = (gvk: { readonly group: string; readonly kind: string }): boolean =>
  gvk.group === entryGroup && gvk.kind === entryKind;
