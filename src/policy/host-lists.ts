// The operator's own host lists for remoteUrl ("only *.corp.example.com", "never
// mcp.competitor.example"): one configuration, a ConfigMap's `allowedHosts` and `deniedHosts`
// keys, read by the webhook (--host-lists), by `check --host-lists` and, as the generated
// policy's paramKind, by the API server. A list is host patterns separated by newlines or
// commas; `*.example.com` matches every subdomain of example.com (not example.com itself); any
// other pattern matches exactly that host. Hosts compare in lower case without trailing dots.
import { isRecord } from '../json-object.ts';
import type { HostLists } from '../model/review.ts';

export type { HostLists };

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
  if (!isRecord(data)) return noHostLists;
  const read = (key: string): string[] => {
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    return typeof value === 'string' ? hostPatterns(value) : [];
  };
  return { allowed: read(allowedHostsKey), denied: read(deniedHostsKey) };
}

export function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

/** Why the lists refuse `host` (lower case, no trailing dot), or null. */
export function hostListProblem(host: string, lists: HostLists): string | null {
  const denied = lists.denied.find((p) => hostMatches(p, host));
  if (denied !== undefined)
    return `host ${host} is refused by the operator's denied host list (${denied})`;
  if (lists.allowed.length > 0 && !lists.allowed.some((p) => hostMatches(p, host)))
    return `host ${host} is not on the operator's allowed host list`;
  return null;
}
