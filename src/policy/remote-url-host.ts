// Judging the host of a remoteUrl: what it is (after the WHATWG parser has normalised it) and
// whether it was written in a spelling every other parser reads the same way. The proxy that
// later connects is not a WHATWG parser, so a host is only accepted when both agree.
import { quoted } from '../model/findings.ts';
import { classifyHostName, type NameClassKind } from './host-names.ts';
import { parseDottedQuad, parseIPv6 } from '../ip-address.ts';
import { classifyIPv4, classifyIPv6, type AddressClassKind } from './ip-ranges.ts';
import { clip } from '../model/text.ts';
import { DOT } from '../char-codes.ts';

export type HostProblemKind = AddressClassKind | NameClassKind | 'syntax';

export interface HostProblem {
  readonly kind: HostProblemKind;
  /** A sentence about the host, e.g. `host 127.0.0.1 is a loopback address (127.0.0.0/8)`. */
  readonly detail: string;
  /** What still applies when spec.allowPrivateEndpoint waives this problem. */
  readonly ifWaived?: HostProblem;
}

const MAX_SHOWN_HOST = 100;

/**
 * What is wrong with a host, or null when it may be a public server.
 * @param hostname `URL.hostname` from the WHATWG parser: lower case, IDNA-mapped, decoded.
 * @param written the host exactly as the URL text spells it.
 */
export function judgeHost(hostname: string, written: string): HostProblem | null {
  if (hostname.startsWith('[')) return judgeIPv6(hostname);
  const address = parseDottedQuad(hostname);
  if (address >= 0) return judgeIPv4(address, hostname, written);
  return judgeName(hostname, written);
}

function judgeIPv6(hostname: string): HostProblem | null {
  const words = parseIPv6(hostname.slice(1, -1));
  if (words === null) return syntax(`host ${shown(hostname)} is not an IPv6 address`);
  const found = classifyIPv6(words);
  if (found === null) return null;
  const detail =
    found.carried === undefined
      ? `host ${hostname} is ${found.description}`
      : `host ${hostname} carries IPv4 ${found.carried.address} (${found.carried.how}), ` +
        `which is ${found.description}`;
  return { kind: found.kind, detail };
}

// WHATWG accepts 2130706433, 0177.0.0.1, 0x7f.1, 127.1, %31%32%37.0.0.1, full-width digits and
// a trailing dot, and serialises all of them to 127.0.0.1. Go refuses most of these and would
// look them up as names; glibc's inet_aton reads 0127 as octal where others read decimal. A
// spelling that different programs read as different hosts is refused even when WHATWG's
// reading is harmless.
function judgeIPv4(address: number, hostname: string, written: string): HostProblem | null {
  const canonical = written === hostname;
  const ambiguity = canonical
    ? null
    : syntax(
        `host ${shownWritten(written)} is an IPv4 address in a non-canonical spelling ` +
          `(WHATWG reads ${hostname}; other parsers read such spellings differently or as a ` +
          'name); write the address as four plain decimal numbers',
      );
  const found = classifyIPv4(address);
  if (found === null) return ambiguity;
  const detail = canonical
    ? `host ${hostname} is ${found.description}`
    : `host ${shownWritten(written)} means ${hostname}, which is ${found.description}`;
  return ambiguity === null
    ? { kind: found.kind, detail }
    : { kind: found.kind, detail, ifWaived: ambiguity };
}

function judgeName(hostname: string, written: string): HostProblem | null {
  // DNS treats `localhost.` and `localhost` as the same name; the WHATWG parser keeps the
  // dots, so they are removed before judging (all of them: `localhost..` is still localhost
  // to a lenient resolver).
  let end = hostname.length;
  while (end > 0 && hostname.charCodeAt(end - 1) === DOT) end--;
  const name = hostname.slice(0, end);
  const trailingDots = hostname.length - end;
  if (name.length === 0) return syntax('the host is only dots');
  // WHATWG only strips one trailing dot before deciding a host is IPv4, so `127.0.0.1..` stays
  // a "name"; with the dots gone it is an address again and is judged as one.
  if (endsInNumber(name)) {
    const reparsed = URL.parse(`http://${name}/`);
    const address = reparsed === null ? -1 : parseDottedQuad(reparsed.hostname);
    if (reparsed !== null && address >= 0) return judgeIPv4(address, reparsed.hostname, written);
    return syntax(`host ${shownWritten(written)} ends in a number but is not an IPv4 address`);
  }
  const spelling = written.includes('%')
    ? syntax(`host ${shownWritten(written)} is percent-encoded; write the name as plain text`)
    : nameShape(name, trailingDots);
  const found = classifyHostName(name);
  if (found === null) return spelling;
  const detail =
    found.matched === name
      ? `host ${shown(name)} is ${found.description}`
      : `host ${shown(name)} is under ${found.matched}, ${found.description}`;
  return spelling === null
    ? { kind: found.kind, detail }
    : { kind: found.kind, detail, ifWaived: spelling };
}

// WHATWG's "ends in a number" test: the last label is all digits, or 0x followed by hex.
function endsInNumber(name: string): boolean {
  const start = name.lastIndexOf('.') + 1;
  if (start === name.length) return false;
  let i = start;
  let hex = false;
  if (name.length - start >= 2 && name.charCodeAt(i) === 0x30 && name.charCodeAt(i + 1) === 0x78) {
    hex = true;
    i += 2;
  }
  for (; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    if (!digit && !(hex && c >= 0x61 && c <= 0x66)) return false;
  }
  return true;
}

// A name the proxy's resolver could actually look up (RFC 1035 lengths, letters, digits,
// hyphens, and the underscore real-world names use). WHATWG accepts `a!b`, `a..b` and names of
// any length; Go and glibc refuse or mangle them, so they are refused here with a clear reason
// instead of failing later at connect time.
function nameShape(name: string, trailingDots: number): HostProblem | null {
  const problem = nameShapeProblem(name, trailingDots);
  return problem === null ? null : syntax(`host ${shown(name)} ${problem}`);
}

function nameShapeProblem(name: string, trailingDots: number): string | null {
  if (trailingDots > 1) return 'ends in more than one dot';
  if (name.length > 253) return 'is longer than 253 characters';
  let labelLength = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (labelLength === 0) return 'has an empty label';
      if (labelLength > 63) return 'has a label longer than 63 characters';
      labelLength = 0;
      continue;
    }
    const allowed =
      (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!allowed) return 'is not a DNS name (letters, digits, "-", "_" and "." only)';
    labelLength++;
  }
  return null;
}

function syntax(detail: string): HostProblem {
  return { kind: 'syntax', detail };
}

function shown(host: string): string {
  return clip(host, MAX_SHOWN_HOST);
}

function shownWritten(written: string): string {
  return quoted(clip(written, MAX_SHOWN_HOST));
}
