// The headerForward rule (src/policy/headers.ts) as ValidatingAdmissionPolicy variables and
// validations: RFC 9110 token names, the proxy's restricted names, duplicates that differ only
// in case (across plaintext and Secret headers), and CR/LF/NUL or other controls in values.
import {
  TCHARS,
  credentialNames,
  credentialSuffixes,
  notCredentialNames,
  restrictedHeaderTable,
} from '../policy/headers.ts';
import { celLet, celString, re2Class } from './cel-text.ts';
import type { PolicyValidation, PolicyVariable } from './policy-types.ts';

const plainField = 'spec.headerForward.addPlaintextHeaders';
const secretField = 'spec.headerForward.addHeadersFromSecret';
const v = (name: string): string => `variables.${name}`;

const tcharRanges = [...TCHARS].map((c) => [c.charCodeAt(0), c.charCodeAt(0)] as const);
const tokenPattern = `^${re2Class(tcharRanges)}+$`;
const nonTchar = re2Class(tcharRanges, true);
// Every ASCII character that is not a tchar, named the way the engine names it.
const nonTcharLabels = `{${[...Array(128).keys()]
  .filter((c) => !TCHARS.includes(String.fromCharCode(c)))
  .map(
    (c) =>
      `${celString(String.fromCharCode(c))}: '${`U+${c.toString(16).toUpperCase().padStart(4, '0')}`}'`,
  )
  .join(', ')}}`;
const restricted = `{${restrictedHeaderTable
  .map(
    ([canonical, reason]) =>
      `${celString(canonical.toLowerCase())}: ${celString(`"${canonical}" ${reason}`)}`,
  )
  .join(', ')}}`;

// A name as messages show it: printable ASCII names as they are; anything else is not echoed,
// so a terminal never receives a control character from a policy message.
const shownName = (name: string): string =>
  `(${name}.matches('^[ -~]{0,64}$') ? ${name} : '<name with unprintable or too many characters>')`;
const quotedName = (name: string): string =>
  `(${name}.matches('^[ -~]{0,64}$') ? strings.quote(${name}) : '<name with unprintable or too many characters>')`;
const fieldOf = (name: string): string =>
  `(${v('plainNames')}.exists(k, k == ${name}) ? ${celString(plainField)} + '[' + ${shownName(name)} + ']' : ${celString(secretField)} + '[' + string(${v('secretNames')}.indexOf(${name})) + '].headerName')`;

// Which name a message names: the API server iterates a map in no fixed order, so "the first"
// would differ between runs; the smallest name (then the next smallest, for a duplicate) is the
// same everywhere, the CLI's evaluator included.
const smallest = (list: string): string => `${list}.filter(x, ${list}.all(y, x <= y))[0]`;
const duplicatePair = celLet(
  'low',
  `${v('duplicateName')}.map(n, n.lowerAscii()).filter(x, ${v('duplicateName')}.all(y, x <= y.lowerAscii()))[0]`,
  celLet(
    'same',
    `${v('duplicateName')}.filter(n, n.lowerAscii() == low)`,
    celLet(
      'a',
      smallest('same'),
      `[a, same.filter(n, n != a).size() > 0 ? ${smallest('same.filter(n, n != a)')} : a]`,
    ),
  ),
);

export const headerVariables: readonly PolicyVariable[] = [
  {
    name: 'plaintextHeaders',
    expression:
      'has(object.spec) && has(object.spec.headerForward) && has(object.spec.headerForward.addPlaintextHeaders) ? object.spec.headerForward.addPlaintextHeaders : {}',
  },
  { name: 'plainNames', expression: `${v('plaintextHeaders')}.map(k, k)` },
  {
    name: 'secretNames',
    expression:
      "has(object.spec) && has(object.spec.headerForward) && has(object.spec.headerForward.addHeadersFromSecret) ? object.spec.headerForward.addHeadersFromSecret.map(h, has(h.headerName) ? h.headerName : '') : []",
  },
  { name: 'headerNames', expression: `${v('plainNames')} + ${v('secretNames')}` },
  // Ratcheting, as for remoteUrl: an UPDATE that leaves headerForward as it was is not judged.
  {
    name: 'headersJudged',
    expression:
      "request.operation != 'UPDATE' || !has(object.spec) || !has(object.spec.headerForward) || !has(oldObject.spec) || !has(oldObject.spec.headerForward) || oldObject.spec.headerForward != object.spec.headerForward",
  },
  {
    name: 'badName',
    expression: `${v('headerNames')}.filter(n, !n.matches(${celString(tokenPattern)}))`,
  },
  {
    name: 'restrictedName',
    expression: `${v('headerNames')}.filter(n, n.matches(${celString(tokenPattern)}) && n.lowerAscii() in ${restricted})`,
  },
  {
    name: 'lowerNames',
    expression: `${v('headerNames')}.filter(n, n.matches(${celString(tokenPattern)})).map(n, n.lowerAscii())`,
  },
  {
    name: 'duplicateName',
    // indexOf/lastIndexOf rather than a nested filter: still quadratic, but cheap enough per
    // step that hundreds of headers stay inside the API server's per-expression cost limit.
    expression: `${v('lowerNames')}.size() < 2 ? [] : ${v('headerNames')}.filter(n, n.matches(${celString(tokenPattern)}) && [n.lowerAscii()].all(l, ${v('lowerNames')}.indexOf(l) != ${v('lowerNames')}.lastIndexOf(l)))`,
  },
  {
    name: 'badValue',
    expression: `${v('plainNames')}.filter(k, type(${v('plaintextHeaders')}[k]) == string && ${v('plaintextHeaders')}[k].matches('[\\\\x00-\\\\x08\\\\x0a-\\\\x1f\\\\x7f]'))`,
  },
];

export const headerValidations: readonly PolicyValidation[] = [
  {
    expression: `!${v('headersJudged')} || size(${v('badName')}) == 0`,
    messageExpression: `[${smallest(v('badName'))}].map(n, ${fieldOf('n')} + ': Invalid value: ' + (n == '' ? 'header name must not be empty' : ${quotedName('n')} + ': ' + [n.find(${celString(nonTchar)})].map(c, c in ${nonTcharLabels} ? ${nonTcharLabels}[c] : 'a non-ASCII character')[0] + ' is not allowed in an HTTP header name (RFC 9110 token)'))[0]`,
  },
  {
    expression: `!${v('headersJudged')} || size(${v('restrictedName')}) == 0`,
    messageExpression: `[${smallest(v('restrictedName'))}].map(n, ${fieldOf('n')} + ': Forbidden: ' + ${restricted}[n.lowerAscii()])[0]`,
  },
  {
    expression: `!${v('headersJudged')} || size(${v('duplicateName')}) == 0`,
    messageExpression: `[${duplicatePair}].map(d, ${fieldOf('d[1]')} + ': Duplicate value: ' + ${quotedName('d[1]')} + ': same header as ' + ${fieldOf('d[0]')} + ' (names ignore case)')[0]`,
  },
  {
    expression: `!${v('headersJudged')} || size(${v('badValue')}) == 0`,
    messageExpression: `[${smallest(v('badValue'))}].map(k, ${celString(plainField)} + '[' + ${shownName('k')} + ']: Invalid value: ' + [${v('plaintextHeaders')}[k].find('[\\\\x00\\\\x0a\\\\x0d]')].map(c, c == '' ? 'value contains a control character (not allowed by RFC 9110)' : 'value contains ' + {'\\u0000': 'U+0000', '\\n': 'U+000A', '\\r': 'U+000D'}[c] + ': CR, LF and NUL allow header injection')[0])[0]`,
  },
];

const celList = (items: Iterable<string>): string => `[${[...items].map(celString).join(', ')}]`;
// A plaintext header whose name says it holds a credential (the engine's isCredentialName), on
// a name and value every rule above accepts.
const credentialPlain = `${v('plainNames')}.filter(k, k.matches(${celString(tokenPattern)}) && !(k.lowerAscii() in ${restricted}) && type(${v('plaintextHeaders')}[k]) == string && !${v('plaintextHeaders')}[k].matches('[\\x00-\\x08\\x0a-\\x1f\\x7f]') && !(k.lowerAscii() in ${celList(notCredentialNames)}) && (k.lowerAscii() in ${celList(credentialNames)} || ${celList(credentialSuffixes)}.exists(s, k.lowerAscii().endsWith(s))))`;

export const headerWarningVariables: readonly PolicyVariable[] = [
  { name: 'credentialPlain', expression: credentialPlain },
];

/** What the webhook warns about in headerForward, for the warnings policy (bound with Warn). */
export const headerWarningValidations: readonly PolicyValidation[] = [
  {
    expression: `size(${v('credentialPlain')}) == 0`,
    messageExpression: `[${smallest(v('credentialPlain'))}].map(k, ${celString(plainField)} + '[' + ${shownName('k')} + ']: secret in plaintext? use ' + ${celString(secretField)})[0]`,
  },
];
