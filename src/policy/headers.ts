// Rules for spec.headerForward: the headers ToolHive's proxy adds to every request it sends to
// the remote MCP server. A bad name or value here becomes a request the entry's author crafted
// on the proxy's behalf, so names must be plain HTTP tokens, values must not break the message
// framing, and headers the proxy itself owns stay out of reach.
//
// The input is untrusted and may have any shape; wrong types are the schema's to report, so
// this module only skips them. Header values may be secrets: no message ever contains one.
import {
  childOf,
  fieldPath,
  indexOf,
  keyOf,
  plainFieldPath,
  type FieldPath,
} from '../model/field-path.ts';
import { finding, quoted, type Finding } from '../model/findings.ts';
import type { RuleResult } from '../model/verdict.ts';
import { isRecord } from '../json-object.ts';

const rules = {
  name: 'headers.name',
  restricted: 'headers.restricted',
  duplicate: 'headers.duplicate',
  value: 'headers.value',
  credential: 'headers.credential-in-plaintext',
} as const;

// RFC 9110 section 5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" /
// "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. A lookup table keeps the check
// linear in the name's length, whatever the input. The tables of this file are exported as
// data for the generated ValidatingAdmissionPolicy (src/admission-policy/).
export const TCHARS =
  "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const isTchar = new Uint8Array(128);
for (const c of TCHARS) {
  isTchar[c.charCodeAt(0)] = 1;
}

// The names ToolHive refuses to forward (compared in canonical case), and why. Keyed in lower
// case: HTTP names are case-insensitive, so `HOST` and `host` are the same header as `Host`.
const hopByHop = 'is a hop-by-hop header the proxy manages per connection';
const spoofing = 'is set by the proxy; forwarding it would spoof client identity';
export const restrictedHeaderTable: readonly (readonly [string, string])[] = [
  ['Host', 'is set by the proxy from remoteUrl'],
  ['Connection', hopByHop],
  ['Keep-Alive', hopByHop],
  ['Te', hopByHop],
  ['Trailer', hopByHop],
  ['Upgrade', hopByHop],
  ['Http2-Settings', hopByHop],
  ['Proxy-Authorization', hopByHop],
  ['Proxy-Authenticate', hopByHop],
  ['Proxy-Connection', hopByHop],
  // Framing headers: a second, conflicting value is the classic request-smuggling set-up.
  ['Transfer-Encoding', 'is message framing the proxy sets (request smuggling risk)'],
  ['Content-Length', 'is message framing the proxy sets (request smuggling risk)'],
  ['Forwarded', spoofing],
  ['X-Forwarded-For', spoofing],
  ['X-Forwarded-Host', spoofing],
  ['X-Forwarded-Proto', spoofing],
  ['X-Real-Ip', spoofing],
];
const restrictedHeaders: ReadonlyMap<string, { canonical: string; reason: string }> = new Map(
  restrictedHeaderTable.map(([canonical, reason]) => [
    canonical.toLowerCase(),
    { canonical, reason },
  ]),
);

// Names whose values are credentials by convention. A literal value under one of these sits in
// etcd and in `kubectl get -o yaml` output for anyone with read access to the namespace.
export const credentialNames: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  // A response header, so forwarding it does nothing useful, but its value is still a session.
  'set-cookie',
  'api-key',
  'apikey',
  'x-api-key',
  'x-apikey',
  'private-token',
  'token',
  'secret',
  'password',
  'x-auth',
]);
export const credentialSuffixes: readonly string[] = [
  '-token',
  '-key',
  '-apikey',
  '-secret',
  '-password',
  '-passwd',
  '-credential',
  '-credentials',
  '-authorization',
  '-cookie',
  '-jwt',
];
// `-key` names that carry no secret: a fresh random id per request or a handshake nonce.
export const notCredentialNames: ReadonlySet<string> = new Set([
  'idempotency-key',
  'x-idempotency-key',
  'sec-websocket-key',
  'public-key',
  'x-public-key',
]);

/** Only for well-formed, unrestricted names: the others are denied already. */
function looksLikeCredential(name: string): boolean {
  if (name === '' || firstNonTchar(name) !== undefined) return false;
  const lowerName = name.toLowerCase();
  if (restrictedHeaders.has(lowerName)) return false;
  return isCredentialName(lowerName);
}

function isCredentialName(lowerName: string): boolean {
  if (notCredentialNames.has(lowerName)) return false;
  if (credentialNames.has(lowerName)) return true;
  return credentialSuffixes.some((suffix) => lowerName.endsWith(suffix));
}

/** `U+000A` form of a code point, for messages that must name a character without printing it. */
function codePointLabel(codePoint: number): string {
  return 'U+' + codePoint.toString(16).toUpperCase().padStart(4, '0');
}

/** First character that keeps `name` from being an RFC 9110 token, or undefined if none. */
function firstNonTchar(name: string): number | undefined {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 128 || isTchar[code] !== 1) return name.codePointAt(i);
  }
  return undefined;
}

// RFC 9110 section 5.5: a field value is visible ASCII, space, HTAB and obs-text (bytes >= 0x80,
// so UTF-8 passes). CR and LF end the header line and NUL truncates it in some parsers: any of
// them lets a value smuggle a second header or a second request (RFC 9112 section 2.2).
function valueProblem(value: string): string | undefined {
  // One pass for the usual clean value; the two below only name the worst character found.
  let clean = true;
  for (let i = 0; i < value.length && clean; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) clean = false;
  }
  if (clean) return undefined;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x0d || code === 0x0a || code === 0x00) {
      return `value contains ${codePointLabel(code)}: CR, LF and NUL allow header injection`;
    }
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      return `value contains control character ${codePointLabel(code)} (not allowed by RFC 9110)`;
    }
  }
  return undefined;
}

interface NamedHeader {
  readonly name: string;
  readonly field: FieldPath;
}

/** Findings about the header names and plaintext values in `headerForward`. Never throws. */
export function headerFindings(
  headerForward: unknown,
  field: FieldPath = fieldPath('spec', 'headerForward'),
): RuleResult {
  const result: RuleResult = { denials: [], warnings: [] };
  if (!isRecord(headerForward)) return result;
  const secretField = childOf(field, 'addHeadersFromSecret');
  const plaintextField = childOf(field, 'addPlaintextHeaders');
  const headers: NamedHeader[] = [];

  const plaintext = Object.hasOwn(headerForward, 'addPlaintextHeaders')
    ? headerForward['addPlaintextHeaders']
    : undefined;
  if (isRecord(plaintext)) {
    for (const name of Object.keys(plaintext)) {
      const entryField = keyOf(plaintextField, name);
      headers.push({ name, field: entryField });
      const value = plaintext[name];
      if (typeof value !== 'string') continue;
      const problem = valueProblem(value);
      if (problem !== undefined) {
        result.denials.push(finding.invalidWithoutValue(entryField, problem, rules.value));
      } else if (looksLikeCredential(name)) {
        result.warnings.push(
          finding.note(
            entryField,
            'Invalid',
            `secret in plaintext? use ${plainFieldPath(secretField)}`,
            rules.credential,
          ),
        );
      }
    }
  }

  const fromSecret = Object.hasOwn(headerForward, 'addHeadersFromSecret')
    ? headerForward['addHeadersFromSecret']
    : undefined;
  if (Array.isArray(fromSecret)) {
    fromSecret.forEach((item: unknown, index) => {
      if (!isRecord(item) || !Object.hasOwn(item, 'headerName')) return;
      const name = item['headerName'];
      if (typeof name === 'string')
        headers.push({ name, field: childOf(indexOf(secretField, index), 'headerName') });
    });
  }

  const firstByName = new Map<string, NamedHeader>();
  for (const header of headers) {
    const nameFinding = checkName(header);
    if (nameFinding !== undefined) {
      result.denials.push(nameFinding);
      continue;
    }
    const lowerName = header.name.toLowerCase();
    const restricted = restrictedHeaders.get(lowerName);
    if (restricted !== undefined) {
      result.denials.push(
        finding.forbidden(
          header.field,
          `${quoted(restricted.canonical)} ${restricted.reason}`,
          rules.restricted,
        ),
      );
    }
    const first = firstByName.get(lowerName);
    if (first === undefined) {
      firstByName.set(lowerName, header);
    } else {
      result.denials.push({
        path: header.field,
        type: 'Duplicate',
        badValue: { shown: 'name', value: header.name },
        detail: `same header as ${plainFieldPath(first.field)} (names ignore case)`,
        rule: rules.duplicate,
      });
    }
  }
  return result;
}

function checkName(header: NamedHeader): Finding | undefined {
  if (header.name === '') {
    return finding.invalidWithoutValue(header.field, 'header name must not be empty', rules.name);
  }
  const bad = firstNonTchar(header.name);
  if (bad === undefined) return undefined;
  return {
    path: header.field,
    type: 'Invalid',
    badValue: { shown: 'name', value: header.name },
    detail: `${codePointLabel(bad)} is not allowed in an HTTP header name (RFC 9110 token)`,
    rule: rules.name,
  };
}
