// URLs as Kubernetes' CEL `url` library reads them: Go's url.ParseRequestURI, which takes an
// absolute URI or an absolute path, splits the query at the first "?" and never a fragment.

export interface UrlParts {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly opaque: string;
}

export type ParsedUrl = { ok: true; value: UrlParts } | { ok: false; reason: string };

const fail = (raw: string, why: string): ParsedUrl => ({
  ok: false,
  reason: `URL parse error during conversion from string: parse ${JSON.stringify(raw)}: ${why}`,
});

function unescape(text: string, plusIsSpace: boolean): string | undefined {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === '+' && plusIsSpace) bytes.push(0x20);
    else bytes.push(...encoder.encode(c));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function validHost(host: string): boolean {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    const port = host.slice(close + 1);
    return port === '' || /^:[0-9]*$/.test(port);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 || /^:[0-9]*$/.test(host.slice(colon));
}

export function parseRequestUri(raw: string): ParsedUrl {
  if (/[\u0000-\u001f\u007f]/.test(raw))
    return fail(raw, 'net/url: invalid control character in URL');
  if (raw === '') return fail(raw, 'empty url');
  let scheme = '';
  let rest = raw;
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (schemeMatch !== null) {
    scheme = (schemeMatch[1] as string).toLowerCase();
    rest = raw.slice(schemeMatch[0].length);
  } else if (raw.startsWith(':')) return fail(raw, 'missing protocol scheme');
  const q = rest.indexOf('?');
  const rawQuery = q < 0 ? '' : rest.slice(q + 1);
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) {
    if (scheme !== '')
      return {
        ok: true,
        value: { scheme, host: '', path: '', rawPath: '', rawQuery, opaque: rest },
      };
    return fail(raw, 'invalid URI for request');
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    if (!validHost(host))
      return fail(
        raw,
        `invalid port ${JSON.stringify(host.slice(host.lastIndexOf(':')))} after host`,
      );
  }
  const path = unescape(rest, false);
  if (path === undefined) return fail(raw, 'invalid URL escape');
  return { ok: true, value: { scheme, host, path, rawPath: rest, rawQuery, opaque: '' } };
}

export function hostname(u: UrlParts): string {
  if (u.host.startsWith('[')) return u.host.slice(1, u.host.indexOf(']'));
  const colon = u.host.lastIndexOf(':');
  return colon < 0 ? u.host : u.host.slice(0, colon);
}

export function port(u: UrlParts): string {
  const afterBracket = u.host.startsWith('[') ? u.host.slice(u.host.indexOf(']') + 1) : u.host;
  const colon = afterBracket.lastIndexOf(':');
  return colon < 0 ? '' : afterBracket.slice(colon + 1);
}

const pathSafe = /[A-Za-z0-9\-_.~$&+,/:;=@]/;

/** Go's URL.EscapedPath: the path as written when that is a valid encoding, else re-escaped. */
export function escapedPath(u: UrlParts): string {
  if (/^(?:[A-Za-z0-9\-_.~!$&'()*+,;=:@/[\]]|%[0-9A-Fa-f]{2})*$/.test(u.rawPath)) return u.rawPath;
  let out = '';
  for (const byte of new TextEncoder().encode(u.path)) {
    const c = String.fromCharCode(byte);
    out +=
      byte < 0x80 && pathSafe.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's URL.Query: pairs that do not decode are dropped, as Kubernetes ignores the error. */
export function queryOf(u: UrlParts): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of u.rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq), true);
    const value = unescape(eq < 0 ? '' : pair.slice(eq + 1), true);
    if (key === undefined || value === undefined) continue;
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}
