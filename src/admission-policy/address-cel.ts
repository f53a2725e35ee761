// The address tables of src/policy/ip-ranges.ts and ipv4-in-ipv6.ts as CEL. The policy cannot
// call Kubernetes' ip() and cidr() libraries: the oldest API server we support (1.30) does
// not offer them to new expressions, and ip() refuses IPv4-mapped IPv6 addresses, the very
// spelling an attacker would use. So an IPv4 address is an int, an IPv6 address is its 32 hex
// digits, and every range becomes an int interval or a prefix pattern over those digits.
//
// A class is a string `kind|description` ('' for an ordinary public address), the same pair
// the engine's AddressClass carries.
import {
  ipv4RangeTable,
  ipv6RangeTable,
  loopbackIPv6,
  localUseNat64,
  metadataIPv4Table,
  metadataIPv6Table,
  outsideGlobalUnicast,
  severity,
  unspecifiedIPv6,
  type AddressClass,
  type AddressClassKind,
} from '../policy/ip-ranges.ts';
import { ipv4EmbeddingTable, type EmbeddingReading } from '../policy/ipv4-in-ipv6.ts';
import { parseDottedQuad, parseIPv6, type IPv6Words } from '../ip-address.ts';
import { celLet, celString } from './cel-text.ts';

const classText = (kind: AddressClassKind, description: string): string =>
  celString(`${kind}|${description}`);

function ipv4Number(text: string): number {
  const n = parseDottedQuad(text);
  if (n < 0) throw new Error(`bad IPv4 address in a rule table: ${text}`);
  return n;
}

/** CEL: the class of the IPv4 address held in the int variable `n`. */
export function ipv4ClassCel(n: string): string {
  const arms: string[] = [];
  for (const [address, what] of metadataIPv4Table) {
    arms.push(`${n} == ${ipv4Number(address)} ? ${classText('metadata', what)}`);
  }
  for (const [cidr, kind, description] of ipv4RangeTable) {
    const [base = '', bits = '0'] = cidr.split('/');
    const low = ipv4Number(base);
    const high = low + 2 ** (32 - Number(bits)) - 1;
    arms.push(`${n} >= ${low} && ${n} <= ${high} ? ${classText(kind, description)}`);
  }
  return `(${arms.join(' : ')} : '')`;
}

/** CEL: canonical dotted-quad text of the int `n`. */
export function dottedCel(n: string): string {
  return `string(${n} / 16777216) + '.' + string(${n} / 65536 % 256) + '.' + string(${n} / 256 % 256) + '.' + string(${n} % 256)`;
}

function hex32(words: IPv6Words): string {
  return words.map((w) => w.toString(16).padStart(4, '0')).join('');
}

function ipv6Words(text: string): IPv6Words {
  const words = parseIPv6(text);
  if (words === null) throw new Error(`bad IPv6 address in a rule table: ${text}`);
  return words;
}

/** An RE2 pattern matching the 32-hex-digit form of every address in an IPv6 CIDR. */
export function ipv6PrefixPattern(cidr: string): string {
  const [base = '', bits = '0'] = cidr.split('/');
  const length = Number(bits);
  const digits = hex32(ipv6Words(base));
  const whole = Math.floor(length / 4);
  const rest = length % 4;
  let pattern = `^${digits.slice(0, whole)}`;
  if (rest > 0) {
    const nibble = parseInt(digits.charAt(whole), 16);
    const keep = (0xf << (4 - rest)) & 0xf;
    const allowed = [...'0123456789abcdef'].filter((d) => (parseInt(d, 16) & keep) === nibble);
    pattern += `[${allowed.join('')}]`;
  }
  return pattern;
}

/** CEL: the int value of the 8-hex-digit string expression `hex`. */
function hexToIntCel(hex: string): string {
  const terms = [...Array(8).keys()].map(
    (i) => `variables.hexDigits[h.charAt(${i})] * ${16 ** (7 - i)}`,
  );
  return celLet('h', hex, terms.join(' + '));
}

/** The CEL map of hex digit to value the expressions above index (a policy variable). */
export const hexDigitsCel = `{${[...'0123456789abcdef'].map((d, i) => `'${d}': ${i}`).join(', ')}}`;

function readingCel(x: string, r: EmbeddingReading): string {
  const hex = r.bits.map(([from, to]) => `${x}.substring(${from / 4}, ${to / 4})`).join(' + ');
  const value = hexToIntCel(hex);
  const n = r.inverted ? `(4294967295 - ${value})` : value;
  // `kind|description|carried address|how`, or '' when the carried address is public.
  return celLet(
    'n',
    n,
    celLet(
      'c',
      ipv4ClassCel('n'),
      `c == '' ? '' : c + '|' + ${dottedCel('n')} + '|' + ${celString(r.how)}`,
    ),
  );
}

const bySeverity = (Object.keys(severity) as AddressClassKind[]).sort(
  (a, b) => severity[b] - severity[a],
);

/** CEL picking the most severe of a list of carried classes; '' when all are public. */
function worstCel(list: string, otherwise: string): string {
  const arms = bySeverity.map(
    (kind) =>
      `${list}.exists(s, s.startsWith('${kind}|')) ? ${list}.filter(s, s.startsWith('${kind}|'))[0]`,
  );
  return `(${arms.join(' : ')} : ${otherwise})`;
}

const fixed = (c: AddressClass): string => classText(c.kind, c.description);

/**
 * CEL: the class of the IPv6 address whose 32 hex digits are in `x`, in the engine's order:
 * metadata addresses, :: and ::1, IPv4 carried inside, the range table, then everything
 * outside 2000::/3. A carried class has two more fields: `|address|how`.
 */
export function ipv6ClassCel(x: string): string {
  const arms: string[] = [];
  for (const [address, what] of metadataIPv6Table) {
    arms.push(`${x} == '${hex32(ipv6Words(address))}' ? ${classText('metadata', what)}`);
  }
  arms.push(`${x} == '${'0'.repeat(32)}' ? ${fixed(unspecifiedIPv6)}`);
  arms.push(`${x} == '${'0'.repeat(31)}1' ? ${fixed(loopbackIPv6)}`);
  for (const embedding of ipv4EmbeddingTable) {
    const readings = `[${embedding.readings.map((r) => readingCel(x, r)).join(', ')}]`;
    const otherwise = embedding.localUse ? fixed(localUseNat64) : "''";
    arms.push(
      `${x}.matches('${ipv6PrefixPattern(embedding.prefix)}') ? ${celLet('l', readings, worstCel('l', otherwise))}`,
    );
  }
  for (const [cidr, kind, description] of ipv6RangeTable) {
    arms.push(`${x}.matches('${ipv6PrefixPattern(cidr)}') ? ${classText(kind, description)}`);
  }
  arms.push(`!${x}.matches('^[23]') ? ${fixed(outsideGlobalUnicast)}`);
  return `(${arms.join(' : ')} : '')`;
}
