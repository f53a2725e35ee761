// The one IP address parser, for the remoteUrl rule (policy/), the generated policy
// (admission-policy/) and the CEL `ip`/`cidr` libraries (cel/). It reads the canonical dotted
// quad (what the WHATWG URL parser serialises an IPv4 host to, the only IPv4 spelling every
// parser reads the same way, and what Go's netip accepts) and RFC 4291 IPv6 text; an IPv6
// address ending in a dotted quad (`::ffff:1.2.3.4`) only when asked, as Go's netip reads it
// and WHATWG never writes it. Deliberately narrow otherwise: no octal, hex, short forms or zone
// IDs. Plain loops over char codes, no regex and no intermediate arrays of strings: this runs
// on every admission review.
import { COLON, DOT, NINE, ZERO } from './char-codes.ts';

/** An IPv6 address as eight 16-bit groups, most significant first. */
export type IPv6Words = readonly [number, number, number, number, number, number, number, number];

/**
 * `a.b.c.d` with four decimal octets 0-255 and no leading zeros, as an unsigned 32-bit number;
 * -1 for anything else. Leading zeros are refused because parsers disagree on them: WHATWG and
 * glibc read `0127` as octal (87), Go refuses it, others read decimal (127).
 */
export function parseDottedQuad(text: string): number {
  let address = 0;
  let octets = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || octets === 4) return -1;
      address = address * 256 + value;
      octets++;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < ZERO || c > NINE) return -1;
    // A second digit after a leading 0 is the spelling parsers disagree on.
    if (digits === 1 && value === 0) return -1;
    value = value * 10 + (c - ZERO);
    digits++;
    if (value > 255) return -1;
  }
  return octets === 4 ? address : -1;
}

/** The canonical dotted quad of an unsigned 32-bit address. */
export function formatIPv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Hex groups separated by `:`, at most one `::`, no brackets, no zone: the form WHATWG
 * serialises an IPv6 host to (and the form our range tables are written in). With
 * `dottedTail`, the last 32 bits may be written as a dotted quad, as Go's netip.ParseAddr
 * reads them. Returns the eight groups, or null when the text is not in that form.
 */
export function parseIPv6(text: string, dottedTail = false): IPv6Words | null {
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let i = 0;
  const n = text.length;
  if (n === 0) return null;
  if (text.charCodeAt(0) === COLON) {
    if (n < 2 || text.charCodeAt(1) !== COLON) return null;
    compressed = true;
    groups = tail;
    i = 2;
    if (i === n) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  while (i < n) {
    const start = i;
    let value = 0;
    let digits = 0;
    while (i < n) {
      const v = hexValue(text.charCodeAt(i));
      if (v < 0) break;
      value = value * 16 + v;
      digits++;
      i++;
      if (digits > 4) return null;
    }
    if (dottedTail && i < n && text.charCodeAt(i) === DOT) {
      // The rest is an IPv4 address in the last two groups; nothing may follow it.
      const v4 = parseDottedQuad(text.slice(start));
      if (v4 < 0) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (digits === 0) return null;
    groups.push(value);
    if (i === n) break;
    if (text.charCodeAt(i) !== COLON) return null;
    i++;
    if (i < n && text.charCodeAt(i) === COLON) {
      if (compressed) return null;
      compressed = true;
      groups = tail;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return null;
    }
  }
  const total = head.length + tail.length;
  if (compressed ? total > 7 : total !== 8) return null;
  const words = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < head.length; k++) words[k] = head[k] ?? 0;
  for (let k = 0; k < tail.length; k++) words[8 - tail.length + k] = tail[k] ?? 0;
  return words as unknown as IPv6Words;
}
