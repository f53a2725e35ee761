// Which addresses a remote MCP server may not live at, and why. The tables follow the IANA
// special-purpose registries (RFC 6890 and successors) plus the cloud metadata endpoints that
// sit outside them. Every range is parsed once at load into numbers, so judging an address is
// a handful of integer comparisons. The tables are exported as data because a second reader
// turns them into CEL: the generated ValidatingAdmissionPolicy (src/admission-policy/).
//
// Only `private` is conditional (spec.allowPrivateEndpoint); every other class is refused
// whatever the entry says, because no MCP server legitimately lives there and each is a known
// server-side request forgery target.
import { embeddedIPv4, prefixMatches, type EmbeddedIPv4 } from './ipv4-in-ipv6.ts';
import { formatIPv4, parseDottedQuad, parseIPv6, type IPv6Words } from '../ip-address.ts';

export type AddressClassKind =
  'loopback' | 'link-local' | 'metadata' | 'special-purpose' | 'private';

export interface AddressClass {
  readonly kind: AddressClassKind;
  /** Reads after "is": `a loopback address (127.0.0.0/8)`. */
  readonly description: string;
  /** For IPv6 addresses judged by the IPv4 address they carry. */
  readonly carried?: { readonly address: string; readonly how: string };
}

/** Exact IPv4 addresses of metadata endpoints: [address, what it is]. */
export const metadataIPv4Table: readonly (readonly [string, string])[] = [
  [
    '169.254.169.254',
    'the cloud instance metadata endpoint (AWS, Google Cloud, Azure, Oracle, OpenStack, DigitalOcean and others)',
  ],
  ['169.254.170.2', 'the AWS ECS task metadata and credentials endpoint'],
  ['169.254.170.23', 'the AWS EKS Pod Identity agent'],
  ['169.254.0.23', 'the Tencent Cloud metadata endpoint'],
  ['169.254.42.42', 'the Scaleway metadata endpoint'],
  ['100.100.100.200', 'the Alibaba Cloud metadata endpoint'],
  ['192.0.0.192', 'the Oracle Cloud metadata endpoint'],
  // A public address, so no range below would catch it: Azure's WireServer, which hands out
  // VM extension settings and certificates to whoever asks from inside the VM.
  ['168.63.129.16', 'the Azure platform (WireServer) endpoint'],
];
const metadataIPv4: ReadonlyMap<number, string> = new Map(
  metadataIPv4Table.map(([text, what]) => [ipv4(text), what]),
);

// These sit inside fc00::/7, which allowPrivateEndpoint would otherwise open.
export const metadataIPv6Table: readonly (readonly [string, string])[] = [
  ['fd00:ec2::254', 'the AWS instance metadata endpoint (IPv6)'],
  ['fd00:ec2::23', 'the AWS EKS Pod Identity agent (IPv6)'],
  ['fd20:ce::254', 'the Google Cloud metadata endpoint (IPv6)'],
  ['fd00:c1::a9fe:a9fe', 'the Oracle Cloud metadata endpoint (IPv6)'],
];
const metadataIPv6: readonly { readonly words: IPv6Words; readonly what: string }[] =
  metadataIPv6Table.map(([text, what]) => ({ words: ipv6(text), what }));

/** A range of a table: [CIDR, class, description]. */
export type RangeRow = readonly [string, AddressClassKind, string];

interface IPv4Range {
  readonly base: number;
  readonly mask: number;
  readonly kind: AddressClassKind;
  readonly description: string;
}

// First match wins, so a narrow range sits before any wider range that contains it.
export const ipv4RangeTable: readonly RangeRow[] = [
  [
    '0.0.0.0/8',
    'special-purpose',
    '"this network" (0.0.0.0/8); Linux connects 0.0.0.0 to the local host',
  ],
  ['127.0.0.0/8', 'loopback', 'a loopback address (127.0.0.0/8)'],
  [
    '169.254.0.0/16',
    'link-local',
    'a link-local address (169.254.0.0/16), home of cloud metadata and node agents',
  ],
  ['10.0.0.0/8', 'private', 'a private address (10.0.0.0/8)'],
  ['172.16.0.0/12', 'private', 'a private address (172.16.0.0/12)'],
  ['192.168.0.0/16', 'private', 'a private address (192.168.0.0/16)'],
  ['100.64.0.0/10', 'special-purpose', 'carrier-grade NAT shared space (100.64.0.0/10)'],
  ['192.0.0.0/24', 'special-purpose', 'an IETF protocol assignment (192.0.0.0/24)'],
  ['192.0.2.0/24', 'special-purpose', 'a documentation address (192.0.2.0/24)'],
  ['198.51.100.0/24', 'special-purpose', 'a documentation address (198.51.100.0/24)'],
  ['203.0.113.0/24', 'special-purpose', 'a documentation address (203.0.113.0/24)'],
  ['192.88.99.0/24', 'special-purpose', 'the deprecated 6to4 relay anycast block (192.88.99.0/24)'],
  ['198.18.0.0/15', 'special-purpose', 'a benchmarking address (198.18.0.0/15)'],
  ['224.0.0.0/4', 'special-purpose', 'a multicast address (224.0.0.0/4)'],
  ['255.255.255.255/32', 'special-purpose', 'the limited broadcast address'],
  ['240.0.0.0/4', 'special-purpose', 'a reserved address (240.0.0.0/4)'],
];
const ipv4Ranges: readonly IPv4Range[] = ipv4RangeTable.map(([cidr, kind, description]) => {
  const [base, length] = ipv4Cidr(cidr);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return { base, mask, kind, description };
});

interface IPv6Range {
  readonly words: IPv6Words;
  readonly length: number;
  readonly kind: AddressClassKind;
  readonly description: string;
}

// Checked after the exact addresses (::, ::1, metadata) and after the IPv4 embeddings.
export const ipv6RangeTable: readonly RangeRow[] = [
  ['fe80::/10', 'link-local', 'a link-local address (fe80::/10)'],
  ['fec0::/10', 'special-purpose', 'a deprecated site-local address (fec0::/10)'],
  ['ff00::/8', 'special-purpose', 'a multicast address (ff00::/8)'],
  ['100::/64', 'special-purpose', 'a discard-only address (100::/64)'],
  ['2001:db8::/32', 'special-purpose', 'a documentation address (2001:db8::/32)'],
  ['3fff::/20', 'special-purpose', 'a documentation address (3fff::/20)'],
  ['2001:2::/48', 'special-purpose', 'a benchmarking address (2001:2::/48)'],
  ['2001:10::/28', 'special-purpose', 'a deprecated ORCHID address (2001:10::/28)'],
  ['2001:20::/28', 'special-purpose', 'an ORCHIDv2 identifier, not routable (2001:20::/28)'],
  ['5f00::/16', 'special-purpose', 'an SRv6 segment identifier (5f00::/16)'],
  ['fc00::/7', 'private', 'a unique local address (fc00::/7)'],
];
const ipv6Ranges: readonly IPv6Range[] = ipv6RangeTable.map(([cidr, kind, description]) => {
  const [words, length] = ipv6Cidr(cidr);
  return { words, length, kind, description };
});

export const unspecifiedIPv6: AddressClass = {
  kind: 'special-purpose',
  description: 'the unspecified address (::); Linux connects it to the local host',
};
export const loopbackIPv6: AddressClass = {
  kind: 'loopback',
  description: 'the loopback address (::1)',
};
// Everything outside 2000::/3 that no table names is still unassigned or reserved by the IETF
// (RFC 4291 section 2.4); nothing there is a public server.
export const outsideGlobalUnicast: AddressClass = {
  kind: 'special-purpose',
  description: 'outside the global unicast range 2000::/3 (reserved by the IETF)',
};
// RFC 8215: the operator picks the translation prefix length inside this /48, so the carried
// IPv4 address cannot be read back with certainty. Every possible reading is judged, and the
// address itself is at best private: it only means something inside the operator's network.
export const localUseNat64: AddressClass = {
  kind: 'private',
  description: 'a local-use NAT64 address (64:ff9b:1::/48)',
};

/** The class of an IPv4 address, or null for an ordinary public address. */
export function classifyIPv4(address: number): AddressClass | null {
  const metadata = metadataIPv4.get(address);
  if (metadata !== undefined) return { kind: 'metadata', description: metadata };
  for (const range of ipv4Ranges) {
    if ((address & range.mask) >>> 0 === range.base) {
      return { kind: range.kind, description: range.description };
    }
  }
  return null;
}

/** The class of an IPv6 address, judging embedded IPv4 by the address it carries. */
export function classifyIPv6(words: IPv6Words): AddressClass | null {
  for (const entry of metadataIPv6) {
    if (prefixMatches(words, entry.words, 128))
      return { kind: 'metadata', description: entry.what };
  }
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    if (words[5] === 0 && words[6] === 0 && words[7] === 0) return unspecifiedIPv6;
    if (words[5] === 0 && words[6] === 0 && words[7] === 1) return loopbackIPv6;
  }
  const embedded = embeddedIPv4(words);
  if (embedded !== null) {
    const worst = worstCarried(embedded.candidates);
    if (worst !== null) return worst;
    return embedded.localUse ? localUseNat64 : null;
  }
  for (const range of ipv6Ranges) {
    if (prefixMatches(words, range.words, range.length)) {
      return { kind: range.kind, description: range.description };
    }
  }
  return (words[0] & 0xe000) === 0x2000 ? null : outsideGlobalUnicast;
}

/** Whether a class is refused even when spec.allowPrivateEndpoint is true. */
export function alwaysRefused(kind: AddressClassKind): boolean {
  return kind !== 'private';
}

// When readings disagree, the message names the most specific danger.
export const severity: Readonly<Record<AddressClassKind, number>> = {
  metadata: 5,
  loopback: 4,
  'link-local': 3,
  'special-purpose': 2,
  private: 1,
};

function worstCarried(candidates: readonly EmbeddedIPv4[]): AddressClass | null {
  let worst: AddressClass | null = null;
  for (const candidate of candidates) {
    const found = classifyIPv4(candidate.address);
    if (found === null) continue;
    if (worst === null || severity[found.kind] > severity[worst.kind]) {
      worst = {
        ...found,
        carried: { address: formatIPv4(candidate.address), how: candidate.how },
      };
    }
  }
  return worst;
}

// Table parsing: a typo in a table above is a bug, so it throws at load rather than
// silently leaving a range out.
function ipv4(text: string): number {
  const address = parseDottedQuad(text);
  if (address < 0) throw new Error(`bad IPv4 in range table: ${text}`);
  return address;
}

function ipv6(text: string): IPv6Words {
  const words = parseIPv6(text);
  if (words === null) throw new Error(`bad IPv6 in range table: ${text}`);
  return words;
}

function ipv4Cidr(cidr: string): [number, number] {
  const slash = cidr.indexOf('/');
  return [ipv4(cidr.slice(0, slash)), Number(cidr.slice(slash + 1))];
}

function ipv6Cidr(cidr: string): [IPv6Words, number] {
  const slash = cidr.indexOf('/');
  return [ipv6(cidr.slice(0, slash)), Number(cidr.slice(slash + 1))];
}
