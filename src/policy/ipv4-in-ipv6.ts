// IPv6 addresses that carry an IPv4 address, and the IPv4 address(es) they carry. A client
// that connects to one of these can end up talking to the IPv4 address (directly for mapped
// addresses, through a translator or tunnel for the rest), so `[::ffff:127.0.0.1]` must be
// judged as 127.0.0.1: this is exactly the spelling ToolHive's own check lets through.
//
// The embeddings are a table (prefix, and which bits of the address hold the IPv4 address)
// rather than code, because two readers use it: the engine below, and the generated
// ValidatingAdmissionPolicy (src/admission-policy/), which reads the same bits in CEL.
import { parseIPv6, type IPv6Words } from '../ip-address.ts';

export interface EmbeddedIPv4 {
  /** Unsigned 32-bit IPv4 address. */
  readonly address: number;
  /** How it is carried, for messages: `IPv4-mapped`, `6to4`, `Teredo client`... */
  readonly how: string;
}

export interface Embedding {
  /** Every IPv4 address the IPv6 address may stand for; each is judged. */
  readonly candidates: readonly EmbeddedIPv4[];
  /** True for the local-use NAT64 prefix, which is not globally reachable in itself. */
  readonly localUse: boolean;
}

/** One way to read an IPv4 address out of an IPv6 address. */
export interface EmbeddingReading {
  readonly how: string;
  /** Bit ranges [from, to) of the IPv6 address, most significant first, concatenated: 32 bits. */
  readonly bits: readonly (readonly [number, number])[];
  /** Teredo stores the client address with every bit flipped. */
  readonly inverted: boolean;
}

export interface EmbeddingPrefix {
  /** The IPv6 prefix, as CIDR text. */
  readonly prefix: string;
  readonly localUse: boolean;
  readonly readings: readonly EmbeddingReading[];
}

const reading = (
  how: string,
  bits: readonly (readonly [number, number])[],
  inverted = false,
): EmbeddingReading => ({ how, bits, inverted });

/** Checked in order; the prefixes do not overlap. */
export const ipv4EmbeddingTable: readonly EmbeddingPrefix[] = [
  // RFC 4291 section 2.5.5.2.
  { prefix: '::ffff:0:0/96', localUse: false, readings: [reading('IPv4-mapped', [[96, 128]])] },
  // Deprecated by RFC 4291 section 2.5.5.1; :: and ::1 are judged before this table.
  { prefix: '::/96', localUse: false, readings: [reading('IPv4-compatible', [[96, 128]])] },
  // RFC 2765 (SIIT) IPv4-translated addresses.
  {
    prefix: '::ffff:0:0:0/96',
    localUse: false,
    readings: [reading('IPv4-translated (SIIT)', [[96, 128]])],
  },
  // RFC 6052 well-known NAT64 prefix: the IPv4 address is the last 32 bits.
  { prefix: '64:ff9b::/96', localUse: false, readings: [reading('NAT64', [[96, 128]])] },
  // RFC 8215 local-use prefix. The operator may use any RFC 6052 prefix length inside it (48,
  // 56, 64 or 96), and bits 64-71 are always skipped, so each reading is a candidate.
  {
    prefix: '64:ff9b:1::/48',
    localUse: true,
    readings: [
      reading('local-use NAT64 /48', [
        [48, 64],
        [72, 88],
      ]),
      reading('local-use NAT64 /56', [
        [56, 64],
        [72, 96],
      ]),
      reading('local-use NAT64 /64', [[72, 104]]),
      reading('local-use NAT64 /96', [[96, 128]]),
    ],
  },
  // RFC 3056 6to4: the relay sends the packet to the IPv4 address in bits 16-47.
  { prefix: '2002::/16', localUse: false, readings: [reading('6to4', [[16, 48]])] },
  // RFC 4380 Teredo: the server's IPv4 address in bits 32-63 and the client's, inverted, in
  // bits 96-127. Either may be the target, so both are judged.
  {
    prefix: '2001::/32',
    localUse: false,
    readings: [reading('Teredo server', [[32, 64]]), reading('Teredo client', [[96, 128]], true)],
  },
];

interface ParsedPrefix {
  readonly words: IPv6Words;
  readonly length: number;
  readonly entry: EmbeddingPrefix;
}

const parsedTable: readonly ParsedPrefix[] = ipv4EmbeddingTable.map((entry) => {
  const slash = entry.prefix.indexOf('/');
  const words = parseIPv6(entry.prefix.slice(0, slash));
  if (words === null) throw new Error(`bad IPv6 prefix in embedding table: ${entry.prefix}`);
  return { words, length: Number(entry.prefix.slice(slash + 1)), entry };
});

/** Whether the first `length` bits of two addresses agree. */
export function prefixMatches(words: IPv6Words, prefix: IPv6Words, length: number): boolean {
  for (let k = 0; k < 8; k++) {
    const bits = length - 16 * k;
    if (bits <= 0) return true;
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((words[k] ?? 0) ^ (prefix[k] ?? 0)) & mask) return false;
  }
  return true;
}

function bitAt(words: IPv6Words, index: number): number {
  return ((words[index >>> 4] ?? 0) >>> (15 - (index & 15))) & 1;
}

function read(words: IPv6Words, how: EmbeddingReading): number {
  let value = 0;
  for (const [from, to] of how.bits) {
    for (let i = from; i < to; i++) value = value * 2 + bitAt(words, i);
  }
  return how.inverted ? 0xffffffff - value : value;
}

/** The IPv4 address(es) an IPv6 address carries, or null when it carries none. */
export function embeddedIPv4(words: IPv6Words): Embedding | null {
  for (const { words: prefix, length, entry } of parsedTable) {
    if (!prefixMatches(words, prefix, length)) continue;
    return {
      candidates: entry.readings.map((r) => ({ address: read(words, r), how: r.how })),
      localUse: entry.localUse,
    };
  }
  return null;
}
