// The raw text of a remoteUrl, read before any URL parser sees it. Parsers disagree on the
// edges (the WHATWG parser strips tabs and newlines, reads `\` as `/`, accepts `http:host`;
// Go's net/url and curl do not), and every disagreement is a way to show the admission check
// one host and the proxy another. So the text must already be in the one shape all of them
// read the same way: `http[s]://host[:port]` followed by a path, query or fragment.
import { BACKSLASH, HASH, QUESTION, SLASH } from '../char-codes.ts';

export const MAX_URL_LENGTH = 4096;

export interface UrlText {
  /** `http` or `https`, lower case. */
  readonly scheme: 'http' | 'https';
  /** The host exactly as written (brackets kept for IPv6), before any decoding. */
  readonly host: string;
  /** The URL with any user information replaced by `***`; null when there was none. */
  readonly withoutCredentials: string | null;
}

export type UrlTextResult =
  | { readonly ok: true; readonly text: UrlText }
  | { readonly ok: false; readonly rule: 'scheme' | 'syntax'; readonly detail: string };

const fail = (rule: 'scheme' | 'syntax', detail: string): UrlTextResult => ({
  ok: false,
  rule,
  detail,
});

/** Split a remoteUrl into the parts the rule judges, or say why its text is unsafe to parse. */
export function readUrlText(url: string): UrlTextResult {
  if (url.length === 0) return fail('syntax', 'the URL is empty');
  if (url.length > MAX_URL_LENGTH) {
    return fail('syntax', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  const character = unsafeCharacter(url);
  if (character !== null) return fail('syntax', character);

  const colon = url.indexOf(':');
  const scheme = url.slice(0, colon < 0 ? 0 : colon).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return fail('scheme', 'only http:// and https:// URLs are supported');
  }
  // `http:host`, `http:/host` and `http:///host` all mean `http://host` to a WHATWG parser;
  // Go reads them as a URL without a host.
  const start = colon + 3;
  if (
    url.charCodeAt(colon + 1) !== SLASH ||
    url.charCodeAt(colon + 2) !== SLASH ||
    url.charCodeAt(start) === SLASH
  ) {
    return fail('syntax', `the URL must start with ${scheme}:// followed by the host`);
  }

  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === SLASH || c === QUESTION || c === HASH) break;
    end++;
  }
  const authority = url.slice(start, end);
  const at = authority.lastIndexOf('@');
  const hostAndPort = at < 0 ? authority : authority.slice(at + 1);
  const withoutCredentials =
    at < 0 ? null : `${url.slice(0, start)}***@${hostAndPort}${url.slice(end)}`;

  let host: string;
  let port: string | null = null;
  if (hostAndPort.startsWith('[')) {
    const close = hostAndPort.indexOf(']');
    if (close < 0) return fail('syntax', 'the IPv6 address has no closing "]"');
    host = hostAndPort.slice(0, close + 1);
    const rest = hostAndPort.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return fail('syntax', 'unexpected text after the IPv6 address');
      port = rest.slice(1);
    }
    // RFC 6874 zone IDs (`[fe80::1%25eth0]`) name an interface of the proxy's own host: they
    // only make sense for link-local targets, and parsers disagree on whether to accept them.
    if (host.includes('%')) return fail('syntax', 'IPv6 zone IDs ("%25...") are not allowed');
  } else {
    const portColon = hostAndPort.indexOf(':');
    host = portColon < 0 ? hostAndPort : hostAndPort.slice(0, portColon);
    if (portColon >= 0) port = hostAndPort.slice(portColon + 1);
  }
  if (host.length === 0) return fail('syntax', 'the URL has no host');
  if (port !== null) {
    const problem = portProblem(port);
    if (problem !== null) return fail('syntax', problem);
  }
  return { ok: true, text: { scheme, host, withoutCredentials } };
}

function portProblem(port: string): string | null {
  if (port.length === 0) return 'the port after ":" is empty';
  let value = 0;
  for (let i = 0; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 'the port is not a decimal number';
    // Stop growing once out of range so a thousand-digit port cannot lose precision.
    if (value <= 65535) value = value * 10 + (c - 0x30);
  }
  if (value === 0) return 'port 0 is not a port a server can listen on';
  if (value > 65535) return 'the port is out of range (1-65535)';
  return null;
}

/** Characters no remoteUrl may contain, as inclusive code point ranges (see unsafeCharacter). */
export const unsafeCharacterTable: readonly (readonly [number, number, 'space' | 'invisible'])[] = [
  [0x00, 0x20, 'space'],
  [0x7f, 0x7f, 'space'],
  [0x80, 0xa0, 'space'],
  [0x1680, 0x1680, 'space'],
  [0x2000, 0x200a, 'space'],
  [0x2028, 0x2029, 'space'],
  [0x202f, 0x202f, 'space'],
  [0x205f, 0x205f, 'space'],
  [0x3000, 0x3000, 'space'],
  [0xad, 0xad, 'invisible'],
  [0x34f, 0x34f, 'invisible'],
  [0x61c, 0x61c, 'invisible'],
  [0x180e, 0x180e, 'invisible'],
  [0x200b, 0x200f, 'invisible'],
  [0x202a, 0x202e, 'invisible'],
  [0x2060, 0x206f, 'invisible'],
  [0xfe00, 0xfe0f, 'invisible'],
  [0xfeff, 0xfeff, 'invisible'],
  [0xfff9, 0xfffb, 'invisible'],
];

/**
 * The first character no URL should contain, described; null when there is none. Control
 * characters and whitespace are stripped by some parsers and kept by others; backslashes are
 * `/` to WHATWG parsers and part of the user name to others (`http://evil.com\@127.0.0.1`);
 * invisible format characters (zero-width, bidi controls) make the URL read differently from
 * what it is, and IDNA mapping deletes some of them from host names.
 */
function unsafeCharacter(url: string): string | null {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) {
      if (c === BACKSLASH) {
        return 'the URL contains a backslash, which WHATWG parsers read as "/" and others do not';
      }
      continue;
    }
    for (const [low, high, kind] of unsafeCharacterTable) {
      if (c < low || c > high) continue;
      return kind === 'space'
        ? `the URL contains whitespace or a control character (${codePoint(c)})`
        : `the URL contains an invisible formatting character (${codePoint(c)})`;
    }
  }
  return null;
}

function codePoint(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}
