// The operator's host lists as data: the ConfigMap keys and how a list's text becomes patterns.
// The rule that applies them is src/policy/host-lists.ts.
import type { HostLists } from './review.ts';

export const noHostLists: HostLists = { allowed: [], denied: [] };

export const allowedHostsKey = 'allowedHosts';
export const deniedHostsKey = 'deniedHosts';

/** Patterns from a list's text; `#` starts a comment line. */
export function hostPatterns(text: string): string[] {
  return text
    .replaceAll(',', '\n')
    .split('\n')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '' && !p.startsWith('#'));
}

/** The lists in a ConfigMap's `data` (either key may be absent). */
export function hostListsFromData(data: unknown): HostLists {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return noHostLists;
  const record = data as Record<string, unknown>;
  const read = (key: string): string[] => {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    return typeof value === 'string' ? hostPatterns(value) : [];
  };
  return { allowed: read(allowedHostsKey), denied: read(deniedHostsKey) };
}
