// The remoteUrl rule (src/policy/remote-url*.ts) as ValidatingAdmissionPolicy variables and
// validations. The engine reads the URL text itself before any URL parser sees it; so does
// this, with regular expressions over the same shape (`http[s]://host[:port]` and a path), so
// the two agree on what the host is. Kubernetes' url() is not used: it is Go's
// url.ParseRequestURI, which reads some spellings differently from the engine.
import { namePatternTable, refusedNameTable } from '../policy/host-names.ts';
import { MAX_URL_LENGTH, unsafeCharacterTable } from '../policy/remote-url-text.ts';
import { plainHttpWarning } from '../policy/remote-url.ts';
import { hexDigitsCel, ipv4ClassCel, ipv6ClassCel } from './address-cel.ts';
import { celLet, celString, re2Class } from './cel-text.ts';
import type { PolicyVariable, PolicyValidation } from './policy-types.ts';

const MAX_SHOWN_URL = 200;
const field = 'spec.remoteUrl';

const BACKSLASH = 0x5c;
const unsafePattern = re2Class([
  ...unsafeCharacterTable.map(([low, high]) => [low, high] as const),
  [BACKSLASH, BACKSLASH],
]);

const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const dottedQuad = `^${octet}(\\.${octet}){3}$`;
const port =
  '^:0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';
const hexGroups = '^([0-9a-f]{1,4}(:[0-9a-f]{1,4})*)?$';
const hexGroupsThenIPv4 = `^([0-9a-f]{1,4}:)*${octet}(\\.${octet}){3}$`;
const dnsName = '^[a-z0-9_-]{1,63}(\\.[a-z0-9_-]{1,63})*$';
const hexByte = `[${[...Array(256).keys()].map((b) => `'${b.toString(16).padStart(2, '0')}'`).join(', ')}]`;

const v = (name: string): string => `variables.${name}`;

// Refused names, longest first: the engine walks from the full name to its parents, so the
// longest refused suffix decides.
function nameClassCel(name: string): string {
  const arms: string[] = [];
  const rows = [...refusedNameTable].sort((a, b) => b[0].length - a[0].length);
  for (const [refused, kind, description] of rows) {
    arms.push(
      `${name} == ${celString(refused)} ? ${celString(`${kind}|host ${refused} is ${description}`)}`,
      `${name}.endsWith(${celString(`.${refused}`)}) ? ${celString(`${kind}|`)} + 'host ' + ${name} + ${celString(` is under ${refused}, ${description}`)}`,
    );
  }
  for (const pattern of namePatternTable) {
    arms.push(
      `${name}.startsWith(${celString(pattern.prefix)}) && ${name}.endsWith(${celString(pattern.suffix)}) ? ${celString(`${pattern.kind}|`)} + 'host ' + ${name} + ${celString(` is ${pattern.description}`)}`,
    );
  }
  return `(${arms.join(' : ')} : '')`;
}

export const remoteUrlVariables: readonly PolicyVariable[] = [
  {
    name: 'url',
    expression: "has(object.spec) && has(object.spec.remoteUrl) ? object.spec.remoteUrl : ''",
  },
  {
    name: 'allowPrivate',
    expression:
      'has(object.spec) && has(object.spec.allowPrivateEndpoint) && object.spec.allowPrivateEndpoint == true',
  },
  // Kubernetes-style ratcheting, as the engine does: an UPDATE that leaves remoteUrl as it was
  // is not judged again (the engine turns such findings into warnings).
  {
    name: 'urlJudged',
    expression: `request.operation != 'UPDATE' || !has(oldObject.spec) || !has(oldObject.spec.remoteUrl) || oldObject.spec.remoteUrl != ${v('url')}`,
  },
  { name: 'lowerUrl', expression: `${v('url')}.lowerAscii()` },
  {
    name: 'urlTextOk',
    expression: `size(${v('url')}) > 0 && size(${v('url')}) <= ${MAX_URL_LENGTH} && !${v('url')}.matches(${celString(unsafePattern)})`,
  },
  { name: 'schemeOk', expression: `${v('lowerUrl')}.matches('^https?:')` },
  { name: 'shapeOk', expression: `${v('lowerUrl')}.matches('^https?://[^/]')` },
  {
    name: 'afterScheme',
    expression: `${v('shapeOk')} ? ${v('url')}.substring(${v('url')}.indexOf('://') + 3) : ''`,
  },
  { name: 'authority', expression: `${v('afterScheme')}.find('^[^/?#]*')` },
  {
    name: 'hostPort',
    expression: `${v('authority')}.substring(${v('authority')}.lastIndexOf('@') + 1)`,
  },
  { name: 'host', expression: `${v('hostPort')}.find(${celString('^(\\[[^\\]]*\\]?|[^:]*)')})` },
  { name: 'portPart', expression: `${v('hostPort')}.substring(size(${v('host')}))` },
  {
    name: 'authoritySyntax',
    expression:
      `${v('host')} == '' ? 'the URL has no host' : ` +
      `${v('host')}.startsWith('[') && !${v('host')}.endsWith(']') ? 'the IPv6 address has no closing "]"' : ` +
      `${v('host')}.startsWith('[') && ${v('portPart')} != '' && !${v('portPart')}.startsWith(':') ? 'unexpected text after the IPv6 address' : ` +
      `${v('host')}.startsWith('[') && ${v('host')}.contains('%') ? 'IPv6 zone IDs ("%25...") are not allowed' : ` +
      `${v('portPart')} == ':' ? 'the port after ":" is empty' : ` +
      `${v('portPart')} != '' && !${v('portPart')}.matches('^:[0-9]+$') ? 'the port is not a decimal number' : ` +
      `${v('portPart')} != '' && ${v('portPart')}.matches('^:0+$') ? 'port 0 is not a port a server can listen on' : ` +
      `${v('portPart')} != '' && !${v('portPart')}.matches(${celString(port)}) ? 'the port is out of range (1-65535)' : ''`,
  },
  {
    name: 'urlReadable',
    expression: `${v('urlTextOk')} && ${v('schemeOk')} && ${v('shapeOk')} && ${v('authoritySyntax')} == ''`,
  },
  // What messages show: never a password (user information becomes ***), never the query.
  {
    name: 'shownUrl',
    expression: celLet(
      's',
      `${v('authority')}.contains('@') ? ${v('url')}.substring(0, ${v('url')}.indexOf('://') + 3) + '***@' + ${v('hostPort')} + ${v('afterScheme')}.substring(size(${v('authority')})) : ${v('url')}`,
      celLet(
        'c',
        `size(s) > ${MAX_SHOWN_URL} ? s.substring(0, ${MAX_SHOWN_URL}) + '\\u2026' : s`,
        celLet('q', "c.find('[?#]')", "q == '' ? c : c.substring(0, c.indexOf(q)) + q + '***'"),
      ),
    ),
  },
  { name: 'lowerHost', expression: `${v('host')}.lowerAscii()` },
  { name: 'hexDigits', expression: hexDigitsCel },
  // IPv6: the bracketed text, checked for the shapes a WHATWG parser accepts, then written out
  // as its 32 hex digits (a carried dotted quad becomes two groups first).
  {
    name: 'v6',
    expression: `${v('lowerHost')}.startsWith('[') && ${v('lowerHost')}.endsWith(']') ? ${v('lowerHost')}.substring(1, size(${v('lowerHost')}) - 1) : ''`,
  },
  {
    name: 'v6Ok',
    expression: celLet(
      'p',
      `${v('v6')}.split('::')`,
      `size(p) <= 2 && (size(p) == 1 ? (p[0].matches(${celString(hexGroups)}) && size(p[0].split(':')) == 8 || p[0].matches(${celString(hexGroupsThenIPv4)}) && size(p[0].split(':')) == 7) : ` +
        `p[0].matches(${celString(hexGroups)}) && (p[1].matches(${celString(hexGroups)}) || p[1].matches(${celString(hexGroupsThenIPv4)})) && ` +
        `(p[0] == '' ? 0 : size(p[0].split(':'))) + (p[1] == '' ? 0 : size(p[1].split(':')) + (p[1].contains('.') ? 1 : 0)) <= 7)`,
    ),
  },
  {
    name: 'v6Hex',
    expression: celLet(
      'a',
      `${v('v6')}.contains('.') ? ${celLet('q', `${v('v6')}.substring(${v('v6')}.lastIndexOf(':') + 1).split('.')`, `${v('v6')}.substring(0, ${v('v6')}.lastIndexOf(':') + 1) + ${hexByte}[int(q[0])] + ${hexByte}[int(q[1])] + ':' + ${hexByte}[int(q[2])] + ${hexByte}[int(q[3])]`)} : ${v('v6')}`,
      celLet(
        'p',
        "a.split('::')",
        celLet(
          'head',
          "p[0] == '' ? [] : p[0].split(':')",
          celLet(
            'tail',
            "size(p) < 2 || p[1] == '' ? [] : p[1].split(':')",
            `head.map(g, ('000' + g).substring(size(g) - 1)).join('') + '${'0'.repeat(32)}'.substring(0, 4 * (8 - size(head) - size(tail))) + tail.map(g, ('000' + g).substring(size(g) - 1)).join('')`,
          ),
        ),
      ),
    ),
  },
  // IPv4 and names: dots at the end do not change the host for DNS, so they are set aside.
  { name: 'name', expression: `${v('lowerHost')}.find('^.*[^.]')` },
  {
    name: 'endsInNumber',
    expression: `${v('name')}.matches('(^|\\\\.)([0-9]+|0x[0-9a-f]*)$')`,
  },
  { name: 'dotted', expression: `${v('lowerHost')}.matches(${celString(dottedQuad)})` },
  // The host's class as `kind|detail`; '' when nothing in the tables names it.
  {
    name: 'hostClass',
    expression:
      `!${v('urlReadable')} ? '' : ` +
      `${v('v6')} != '' ? (${v('v6Ok')} ? ${celLet(
        'c',
        ipv6ClassCel(v('v6Hex')),
        "c == '' ? '' : " +
          celLet(
            'f',
            "c.split('|')",
            `size(f) == 2 ? f[0] + '|host ' + ${v('lowerHost')} + ' is ' + f[1] : f[0] + '|host ' + ${v('lowerHost')} + ' carries IPv4 ' + f[2] + ' (' + f[3] + '), which is ' + f[1]`,
          ),
      )} : '') : ` +
      `${v('dotted')} ? ${celLet(
        'c',
        celLet(
          'o',
          `${v('lowerHost')}.split('.')`,
          celLet(
            'n',
            'int(o[0]) * 16777216 + int(o[1]) * 65536 + int(o[2]) * 256 + int(o[3])',
            ipv4ClassCel('n'),
          ),
        ),
        `c == '' ? '' : c.split('|')[0] + '|host ' + ${v('lowerHost')} + ' is ' + c.split('|')[1]`,
      )} : ` +
      `${v('endsInNumber')} || !${v('lowerHost')}.matches('^[\\\\x00-\\\\x7f]*$') ? '' : ${nameClassCel(v('name'))}`,
  },
  // A spelling other parsers may read differently; refused even where the class is waived.
  {
    name: 'hostSpelling',
    expression:
      `!${v('urlReadable')} ? '' : ` +
      `${v('v6')} != '' ? (${v('v6Ok')} ? '' : 'host ' + strings.quote(${v('host')}) + ' is not an IPv6 address') : ` +
      `${v('dotted')} ? '' : ` +
      `${v('host')}.contains('%') ? 'host ' + strings.quote(${v('host')}) + ' is percent-encoded; write the name as plain text' : ` +
      `${v('endsInNumber')} ? 'host ' + strings.quote(${v('host')}) + ' is an IPv4 address in a non-canonical spelling, or ends in a number but is not an IPv4 address; write the address as four plain decimal numbers' : ` +
      `!${v('lowerHost')}.matches('^[\\\\x00-\\\\x7f]*$') ? 'host ' + strings.quote(${v('host')}) + ' has non-ASCII characters, which the API server cannot map (IDNA) as the webhook does; write the name in its xn-- (punycode) form' : ` +
      `${v('name')} == '' ? 'the host is only dots' : ` +
      `size(${v('lowerHost')}) - size(${v('name')}) > 1 ? 'host ' + ${v('name')} + ' ends in more than one dot' : ` +
      `size(${v('name')}) > 253 ? 'host ' + ${v('name')} + ' is longer than 253 characters' : ` +
      `!${v('name')}.matches(${celString(dnsName)}) ? 'host ' + ${v('name')} + ' is not a DNS name (letters, digits, "-", "_" and "." only, labels of 1 to 63)' : ''`,
  },
  // The host the operator's lists judge: lower case, no trailing dots (IPv6 in brackets).
  { name: 'listHost', expression: `${v('v6')} != '' ? ${v('lowerHost')} : ${v('name')}` },
  // The class, unless spec.allowPrivateEndpoint waives it (private ranges, cluster.local).
  {
    name: 'hostProblem',
    expression:
      `${v('hostClass')} != '' && !(${v('allowPrivate')} && (${v('hostClass')}.startsWith('private|') || ${v('hostClass')}.startsWith('cluster-local|'))) ? ` +
      `${v('hostClass')}.substring(${v('hostClass')}.indexOf('|') + 1) + (${v('hostClass')}.startsWith('private|') || ${v('hostClass')}.startsWith('cluster-local|') ? '; set spec.allowPrivateEndpoint: true to reach an in-cluster or private address' : '; always refused') : ` +
      `${v('hostSpelling')}`,
  },
];

const invalid = (detail: string): string =>
  `${celString(`${field}: Invalid value: `)} + strings.quote(${v('shownUrl')}) + ': ' + ${detail}`;

export const remoteUrlValidations: readonly PolicyValidation[] = [
  {
    expression: `!${v('urlJudged')} || ${v('urlTextOk')}`,
    messageExpression:
      `size(${v('url')}) == 0 ? ${celString(`${field}: Invalid value: "": the URL is empty`)} : ` +
      `size(${v('url')}) > ${MAX_URL_LENGTH} ? ${celString(`${field}: Invalid value: the URL is longer than ${MAX_URL_LENGTH} characters`)} : ` +
      celString(
        `${field}: Invalid value: the URL contains whitespace, a control or invisible formatting character, or a backslash (which WHATWG parsers read as "/" and others do not)`,
      ),
  },
  {
    expression: `!${v('urlJudged')} || !${v('urlTextOk')} || ${v('schemeOk')}`,
    messageExpression: invalid("'only http:// and https:// URLs are supported'"),
  },
  {
    expression: `!${v('urlJudged')} || !${v('urlTextOk')} || !${v('schemeOk')} || (${v('shapeOk')} && ${v('authoritySyntax')} == '')`,
    messageExpression: invalid(
      `(${v('shapeOk')} ? ${v('authoritySyntax')} : 'the URL must start with ' + ${v('lowerUrl')}.split(':')[0] + ':// followed by the host')`,
    ),
  },
  {
    expression: `!${v('urlJudged')} || !${v('urlReadable')} || !${v('authority')}.contains('@')`,
    messageExpression: invalid(
      celString(
        'the URL contains credentials (user@ or user:password@), which would be stored in the object in plain text; send them as a header from a Secret with spec.headerForward.addHeadersFromSecret',
      ),
    ),
  },
  {
    expression: `!${v('urlJudged')} || ${v('hostProblem')} == ''`,
    messageExpression: invalid(v('hostProblem')),
  },
];

/**
 * What the webhook warns about in remoteUrl, for the warnings policy (bound with Warn): plain
 * http on a URL that every rule above accepts.
 */
export const remoteUrlWarningValidations: readonly PolicyValidation[] = [
  {
    expression: `!${v('lowerUrl')}.startsWith('http:') || !(${remoteUrlValidations.map((r) => `(${r.expression})`).join(' && ')})`,
    messageExpression: invalid(celString(plainHttpWarning)),
  },
];
