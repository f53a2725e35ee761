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

/**
 * Kubernetes' version priority (GA, then beta, then alpha; higher numbers first): the version
 * the API server prefers among `versions`, or undefined when there are none. Versions that do
 * not follow the vN[alpha|beta]M pattern come last.
 */
export function preferredVersion(versions: readonly string[]): string | undefined {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [0, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  })[0];
}
