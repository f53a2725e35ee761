// The operator's own host lists for remoteUrl ("only *.corp.example.com", "never
// mcp.competitor.example"): one configuration, a ConfigMap's `allowedHosts` and `deniedHosts`
// keys, read by the webhook (--host-lists), by `check --host-lists` and, as the generated
// policy's paramKind, by the API server. A list is host patterns separated by newlines or
// commas; `*.example.com` matches every subdomain of example.com (not example.com itself); any
// other pattern matches exactly that host. Hosts compare in lower case without trailing dots.
import type { HostLists } from '../model/review.ts';

export type { HostLists };
export {
  allowedHostsKey,
  deniedHostsKey,
  hostListsFromData,
  hostPatterns,
  noHostLists,
} from '../model/host-lists.ts';

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
