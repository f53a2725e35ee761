// Who an object is: API group, version, kind, namespace. Read defensively, because manifests
// are untrusted input and these helpers run before any schema check.

import { entryGroup, entryKind, entryVersionOf } from '../model/entry.ts';

/** The one API group constant (src/model/entry.ts), under the name this folder uses. */
export const TOOLHIVE_API_GROUP = entryGroup;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function metadataOf(obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const metadata = obj['metadata'];
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
    ? (metadata as Record<string, unknown>)
    : undefined;
}

/** `{group, version}` from `apiVersion`; the core group (`v1`) is the empty string. */
export function groupVersionOf(
  obj: Record<string, unknown>,
): { group: string; version: string } | undefined {
  const apiVersion = text(obj['apiVersion']);
  if (apiVersion === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return { group: '', version: apiVersion };
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (group === '' || version === '' || version.includes('/')) return undefined;
  return { group, version };
}

export function apiGroupOf(obj: Record<string, unknown>): string | undefined {
  return groupVersionOf(obj)?.group;
}

export function kindOf(obj: Record<string, unknown>): string | undefined {
  return text(obj['kind']);
}

export function nameOf(obj: Record<string, unknown>): string | undefined {
  const metadata = metadataOf(obj);
  return metadata === undefined ? undefined : text(metadata['name']);
}

/** `metadata.namespace`, or the namespace kubectl would use (`--namespace` or the context's). */
export function namespaceOf(obj: Record<string, unknown>, defaultNamespace: string): string {
  const metadata = metadataOf(obj);
  return (metadata === undefined ? undefined : text(metadata['namespace'])) ?? defaultNamespace;
}

/** The served version (`v1alpha1`, `v1beta1`, ...) when `obj` is an MCPServerEntry, else undefined. */
export function isMcpServerEntry(obj: Record<string, unknown>): string | undefined {
  return kindOf(obj) === entryKind ? entryVersionOf(obj['apiVersion']) : undefined;
}
