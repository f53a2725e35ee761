// IP addresses and prefixes as Kubernetes' CEL `ip` and `cidr` libraries read them: Go's
// netip parsers (dotted decimal without leading zeros, RFC 4291 IPv6 text, read by the one
// parser in src/ip-address.ts), zones refused, and IPv4-mapped IPv6 refused because it hides
// an IPv4 address behind an IPv6 family.
import { parseDottedQuad, parseIPv6 } from '../ip-address.ts';

export interface IpValue {
  readonly family: 4 | 6;
  /** The address as an unsigned 32- or 128-bit integer. */
  readonly bits: bigint;
}

export interface CidrValue {
  readonly ip: IpValue;
  readonly prefixLength: number;
}

/** The 128-bit value of eight 16-bit groups. */
function ipv6Bits(words: readonly number[]): bigint {
  let bits = 0n;
  for (const w of words) bits = (bits << 16n) | BigInt(w);
  return bits;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseIp(text: string): Parsed<IpValue> {
  if (text.includes('%')) return { ok: false, reason: 'IP address with zone value is not allowed' };
  if (!text.includes(':')) {
    const v4 = parseDottedQuad(text);
    return v4 < 0
      ? { ok: false, reason: `IP Address "${text}" parse error` }
      : { ok: true, value: { family: 4, bits: BigInt(v4) } };
  }
  const words = parseIPv6(text, true);
  if (words === null) return { ok: false, reason: `IP Address "${text}" parse error` };
  const v6 = ipv6Bits(words);
  if (v6 >> 32n === 0xffffn)
    return { ok: false, reason: 'IPv4-mapped IPv6 address is not allowed' };
  return { ok: true, value: { family: 6, bits: v6 } };
}

/** RFC 5952 text, as Go's netip.Addr.String writes it. */
export function formatIp(ip: IpValue): string {
  if (ip.family === 4)
    return [24n, 16n, 8n, 0n].map((s) => String((ip.bits >> s) & 0xffn)).join('.');
  const groups = [...Array<number>(8).keys()].map((i) =>
    Number((ip.bits >> BigInt(112 - 16 * i)) & 0xffffn),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

const width = (ip: IpValue): bigint => (ip.family === 4 ? 32n : 128n);

function inPrefix(ip: IpValue, prefix: string): boolean {
  const parsed = parseCidr(prefix);
  return parsed.ok && parsed.value.ip.family === ip.family && cidrContainsIp(parsed.value, ip);
}

export const ipClass = {
  unspecified: (ip: IpValue): boolean => ip.bits === 0n,
  loopback: (ip: IpValue): boolean => inPrefix(ip, ip.family === 4 ? '127.0.0.0/8' : '::1/128'),
  linkLocalUnicast: (ip: IpValue): boolean =>
    inPrefix(ip, ip.family === 4 ? '169.254.0.0/16' : 'fe80::/10'),
  linkLocalMulticast: (ip: IpValue): boolean =>
    inPrefix(ip, ip.family === 4 ? '224.0.0.0/24' : 'ff02::/16'),
  multicast: (ip: IpValue): boolean => inPrefix(ip, ip.family === 4 ? '224.0.0.0/4' : 'ff00::/8'),
  /** Go's IsGlobalUnicast: none of the above, and not the IPv4 limited broadcast address. */
  globalUnicast: (ip: IpValue): boolean =>
    !(ip.family === 4 && ip.bits === 0xffffffffn) &&
    !ipClass.unspecified(ip) &&
    !ipClass.loopback(ip) &&
    !ipClass.multicast(ip) &&
    !ipClass.linkLocalUnicast(ip),
};

export function parseCidr(text: string): Parsed<CidrValue> {
  const slash = text.lastIndexOf('/');
  if (slash < 0)
    return {
      ok: false,
      reason: `network address parse error during conversion from string: netip.ParsePrefix("${text}"): no '/'`,
    };
  const ip = parseIp(text.slice(0, slash));
  if (!ip.ok) return ip;
  const bits = text.slice(slash + 1);
  const length = /^(0|[1-9][0-9]{0,2})$/.test(bits) ? Number(bits) : NaN;
  if (!(length <= Number(width(ip.value))))
    return {
      ok: false,
      reason: `network address parse error during conversion from string: netip.ParsePrefix("${text}"): bad bits after slash: "${bits}"`,
    };
  return { ok: true, value: { ip: ip.value, prefixLength: length } };
}

function mask(family: 4 | 6, prefixLength: number): bigint {
  const w = family === 4 ? 32n : 128n;
  const all = (1n << w) - 1n;
  return all ^ ((1n << (w - BigInt(prefixLength))) - 1n);
}

export function maskedCidr(c: CidrValue): CidrValue {
  return {
    ip: { family: c.ip.family, bits: c.ip.bits & mask(c.ip.family, c.prefixLength) },
    prefixLength: c.prefixLength,
  };
}

export function cidrContainsIp(c: CidrValue, ip: IpValue): boolean {
  if (c.ip.family !== ip.family) return false;
  const m = mask(ip.family, c.prefixLength);
  return (c.ip.bits & m) === (ip.bits & m);
}

export function cidrContainsCidr(outer: CidrValue, inner: CidrValue): boolean {
  return (
    outer.ip.family === inner.ip.family &&
    inner.prefixLength >= outer.prefixLength &&
    cidrContainsIp(outer, inner.ip)
  );
}

export function formatCidr(c: CidrValue): string {
  return `${formatIp(c.ip)}/${c.prefixLength}`;
}
