// IP addresses and prefixes as Kubernetes' CEL `ip` and `cidr` libraries read them: Go's
// netip parsers (dotted decimal without leading zeros, RFC 4291 IPv6 text), zones refused, and
// IPv4-mapped IPv6 refused because it hides an IPv4 address behind an IPv6 family.

export interface IpValue {
  readonly family: 4 | 6;
  /** The address as an unsigned 32- or 128-bit integer. */
  readonly bits: bigint;
}

export interface CidrValue {
  readonly ip: IpValue;
  readonly prefixLength: number;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else return undefined;
  }
  return groups;
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseIp(text: string): Parsed<IpValue> {
  if (text.includes('%')) return { ok: false, reason: 'IP address with zone value is not allowed' };
  if (!text.includes(':')) {
    const v4 = parseIPv4(text);
    return v4 === undefined
      ? { ok: false, reason: `IP Address "${text}" parse error` }
      : { ok: true, value: { family: 4, bits: v4 } };
  }
  const v6 = parseIPv6(text);
  if (v6 === undefined) return { ok: false, reason: `IP Address "${text}" parse error` };
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
