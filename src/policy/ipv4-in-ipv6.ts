// IPv6 addresses that carry an IPv4 address, and the IPv4 address(es) they carry. A client
// that connects to one of these can end up talking to the IPv4 address (directly for mapped
// addresses, through a translator or tunnel for the rest), so `[::ffff:127.0.0.1]` must be
// judged as 127.0.0.1: this is exactly the spelling ToolHive's own check lets through.
import type { IPv6Words } from './ip-address.ts';

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

/** The IPv4 address(es) an IPv6 address carries, or null when it carries none. */
export function embeddedIPv4(w: IPv6Words): Embedding | null {
  const [w0, w1, w2, w3, w4, w5, w6, w7] = w;
  const low32 = ((w6 << 16) | w7) >>> 0;
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) {
    // ::ffff:0:0/96, RFC 4291 section 2.5.5.2.
    if (w4 === 0 && w5 === 0xffff) return one(low32, 'IPv4-mapped');
    // ::/96, deprecated by RFC 4291 section 2.5.5.1; :: and ::1 are judged before this.
    if (w4 === 0 && w5 === 0) return one(low32, 'IPv4-compatible');
    // ::ffff:0:0:0/96, RFC 2765 (SIIT) IPv4-translated addresses.
    if (w4 === 0xffff && w5 === 0) return one(low32, 'IPv4-translated (SIIT)');
    return null;
  }
  if (w0 === 0x64 && w1 === 0xff9b) {
    // 64:ff9b::/96, RFC 6052 well-known NAT64 prefix: the IPv4 address is the last 32 bits.
    if (w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return one(low32, 'NAT64');
    // 64:ff9b:1::/48, RFC 8215 local-use prefix. The operator may use any RFC 6052 prefix
    // length inside it (48, 56, 64 or 96), and bits 64-71 are always skipped, so each reading
    // is a candidate.
    if (w2 === 1) {
      return {
        candidates: [
          {
            address: ((w3 << 16) | ((w4 & 0xff) << 8) | (w5 >>> 8)) >>> 0,
            how: 'local-use NAT64 /48',
          },
          {
            address: (((w3 & 0xff) << 24) | ((w4 & 0xff) << 16) | w5) >>> 0,
            how: 'local-use NAT64 /56',
          },
          {
            address: (((w4 & 0xff) << 24) | (w5 << 8) | (w6 >>> 8)) >>> 0,
            how: 'local-use NAT64 /64',
          },
          { address: low32, how: 'local-use NAT64 /96' },
        ],
        localUse: true,
      };
    }
    return null;
  }
  // 2002::/16, RFC 3056 6to4: the relay sends the packet to the IPv4 address in bits 16-47.
  if (w0 === 0x2002) return one(((w1 << 16) | w2) >>> 0, '6to4');
  // 2001::/32, RFC 4380 Teredo: the server's IPv4 address in bits 32-63 and the client's,
  // inverted, in bits 96-127. Either may be the target, so both are judged.
  if (w0 === 0x2001 && w1 === 0) {
    return {
      candidates: [
        { address: ((w2 << 16) | w3) >>> 0, how: 'Teredo server' },
        { address: ~low32 >>> 0, how: 'Teredo client' },
      ],
      localUse: false,
    };
  }
  return null;
}

function one(address: number, how: string): Embedding {
  return { candidates: [{ address, how }], localUse: false };
}
