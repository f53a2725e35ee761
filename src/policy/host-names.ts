// Host names a remote MCP server may not have, judged from the name alone (no DNS lookups:
// admission must be fast and must not depend on, or leak to, a resolver). The name arrives
// already lower-cased and IDNA-mapped by the WHATWG URL parser, with trailing dots removed.

export type NameClassKind = 'loopback' | 'metadata' | 'reserved-name' | 'cluster-local';

export interface NameClass {
  readonly kind: NameClassKind;
  /** Reads after "is": `the Kubernetes API server`. */
  readonly description: string;
}

export interface NameMatch extends NameClass {
  /** The refused name the host is, or is a subdomain of. */
  readonly matched: string;
}

// Each name also refuses its subdomains (`foo.localhost`, `x.metadata.google.internal`):
// RFC 6761 reserves all of `.localhost`, and a subdomain of an internal zone is as internal.
const refusedNames: ReadonlyMap<string, NameClass> = new Map<string, NameClass>([
  ...(['localhost', 'ip6-localhost', 'ip6-loopback'] as const).map(
    (name) =>
      [name, { kind: 'loopback', description: 'a name for the local host (loopback)' }] as const,
  ),
  ...(
    [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ] as const
  ).map(
    (name) => [name, { kind: 'reserved-name', description: 'the Kubernetes API server' }] as const,
  ),
  ...(
    [
      ['metadata', 'the cloud metadata endpoint (short name)'],
      ['metadata.google.internal', 'the Google Cloud metadata endpoint'],
      ['instance-data', 'the AWS instance metadata endpoint'],
      ['metadata.tencentyun.com', 'the Tencent Cloud metadata endpoint'],
      ['metadata.packet.net', 'the Equinix Metal metadata endpoint'],
      ['metadata.platformequinix.com', 'the Equinix Metal metadata endpoint'],
    ] as const
  ).map(([name, description]) => [name, { kind: 'metadata', description }] as const),
]);

const instanceData: NameClass = {
  kind: 'metadata',
  description: 'the AWS instance metadata endpoint',
};
const apiServerOtherDomain: NameClass = {
  kind: 'reserved-name',
  description: 'the Kubernetes API server (under any cluster domain)',
};
const clusterLocal: NameClass = {
  kind: 'cluster-local',
  description: 'an in-cluster service name (cluster.local)',
};

/** The class of a host name, or null for a name that may be public. */
export function classifyHostName(name: string): NameMatch | null {
  // Walk the name and each parent domain: `a.b.localhost` → `b.localhost` → `localhost`.
  // At most one map lookup per label, no allocation beyond the slices.
  let suffix = name;
  for (;;) {
    const found = refusedNames.get(suffix);
    if (found !== undefined) return { ...found, matched: suffix };
    const dot = suffix.indexOf('.');
    if (dot < 0) break;
    suffix = suffix.slice(dot + 1);
  }
  // EC2's resolvers answer `instance-data.ec2.internal` and
  // `instance-data.<region>.compute.internal` with 169.254.169.254.
  if (name.startsWith('instance-data.') && name.endsWith('.internal'))
    return { ...instanceData, matched: name };
  // The API server's service name is `kubernetes.default.svc.<cluster domain>`; clusters
  // configured with a domain other than cluster.local have it too.
  if (name.startsWith('kubernetes.default.svc.')) return { ...apiServerOtherDomain, matched: name };
  // ToolHive matches the bare suffix, so `mycluster.local` is in-cluster too; so do we, to stay
  // at least as strict. Short in-cluster names (`svc.ns.svc`, `svc`) are deliberately not
  // judged here: see docs/remote-url.md.
  if (name.endsWith('cluster.local')) return { ...clusterLocal, matched: name };
  return null;
}
