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
// Exported as data, like the patterns below, for the generated ValidatingAdmissionPolicy.
const localHost = 'a name for the local host (loopback)';
const apiServer = 'the Kubernetes API server';
export const refusedNameTable: readonly (readonly [string, NameClassKind, string])[] = [
  ['localhost', 'loopback', localHost],
  ['ip6-localhost', 'loopback', localHost],
  ['ip6-loopback', 'loopback', localHost],
  ['kubernetes', 'reserved-name', apiServer],
  ['kubernetes.default', 'reserved-name', apiServer],
  ['kubernetes.default.svc', 'reserved-name', apiServer],
  ['kubernetes.default.svc.cluster.local', 'reserved-name', apiServer],
  ['metadata', 'metadata', 'the cloud metadata endpoint (short name)'],
  ['metadata.google.internal', 'metadata', 'the Google Cloud metadata endpoint'],
  ['instance-data', 'metadata', 'the AWS instance metadata endpoint'],
  ['metadata.tencentyun.com', 'metadata', 'the Tencent Cloud metadata endpoint'],
  ['metadata.packet.net', 'metadata', 'the Equinix Metal metadata endpoint'],
  ['metadata.platformequinix.com', 'metadata', 'the Equinix Metal metadata endpoint'],
];
const refusedNames: ReadonlyMap<string, NameClass> = new Map(
  refusedNameTable.map(([name, kind, description]) => [name, { kind, description }]),
);

/** A name refused when it starts with `prefix` and ends with `suffix` (either may be empty). */
export interface NamePattern extends NameClass {
  readonly prefix: string;
  readonly suffix: string;
}

// Checked in order after the names above.
export const namePatternTable: readonly NamePattern[] = [
  // EC2's resolvers answer `instance-data.ec2.internal` and
  // `instance-data.<region>.compute.internal` with 169.254.169.254.
  {
    prefix: 'instance-data.',
    suffix: '.internal',
    kind: 'metadata',
    description: 'the AWS instance metadata endpoint',
  },
  // The API server's service name is `kubernetes.default.svc.<cluster domain>`; clusters
  // configured with a domain other than cluster.local have it too.
  {
    prefix: 'kubernetes.default.svc.',
    suffix: '',
    kind: 'reserved-name',
    description: 'the Kubernetes API server (under any cluster domain)',
  },
  // ToolHive matches the bare suffix, so `mycluster.local` is in-cluster too; so do we, to stay
  // at least as strict. Short in-cluster names (`svc.ns.svc`, `svc`) are deliberately not
  // judged here: see docs/remote-url.md.
  {
    prefix: '',
    suffix: 'cluster.local',
    kind: 'cluster-local',
    description: 'an in-cluster service name (cluster.local)',
  },
];

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
  for (const pattern of namePatternTable) {
    if (name.startsWith(pattern.prefix) && name.endsWith(pattern.suffix))
      return { kind: pattern.kind, description: pattern.description, matched: name };
  }
  return null;
}
