// The string formats the API server enforces in CRD schemas, and how it checks them.
//
// apiextensions-apiserver strips every `format` not in its supported list before validating
// (so `int32`, `int64`, `float`, `double`, `byte`-lookalikes such as `binary`, and anything made
// up are NOT enforced; an out-of-range int32 is accepted). Names are compared after removing "-",
// so `date-time` is the `datetime` checker. The checks below follow kube-openapi's strfmt
// registry (the Go validators it wraps), not the JSON Schema spec: e.g. `ipv4` tolerates leading
// zeros and `uri` means Go's url.ParseRequestURI.

const uuidShape = (version: string): RegExp =>
  new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${version}[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$`, 'i');
const uuidVariantShape = (version: string): RegExp =>
  new RegExp(
    `^[0-9a-f]{8}-?[0-9a-f]{4}-?${version}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`,
    'i',
  );

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Go's time.Parse("2006-01-02", s): exact widths and a real day of that month. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const days =
    [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

// kube-openapi splits the lower-cased value on "t" and checks the first two parts only.
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(
    parts[1] ?? '',
  );
  if (m === null) return false;
  return (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

const goDuration = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const durationUnits: readonly (readonly string[])[] = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];

// Go's time.ParseDuration, or else the lenient Scala-style fallback: any "<int> <unit>" run
// whose unit is a known spelling (the last spelling of each unit also matches as a prefix).
function isDuration(s: string): boolean {
  if (goDuration.test(s)) return true;
  let ok = false;
  for (const m of s.matchAll(/((?:-\s?)?\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = (m[2] ?? '').toLowerCase();
    for (const spellings of durationUnits) {
      const last = spellings.length - 1;
      spellings.forEach((spelling, i) => {
        if ((i === last && unit.startsWith(spelling)) || spelling === unit) ok = true;
      });
    }
  }
  return ok;
}

/** Go's net.ParseIP for the IPv4 part of an IPv6 address or, when sloppy, k8s ParseIPSloppy. */
function isDottedQuad(s: string, allowLeadingZeros: boolean): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => {
    if (!/^\d{1,}$/.test(p)) return false;
    if (!allowLeadingZeros && p.length > 1 && p.startsWith('0')) return false;
    return p.length <= 8 && Number(p) <= 255;
  });
}

function isIPv6Literal(s: string): boolean {
  if (!s.includes(':')) return false;
  let head = s;
  let groupsForIPv4 = 0;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isDottedQuad(tail, false)) return false;
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
    groupsForIPv4 = 2;
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | null => {
    if (h === '') return [];
    const g = h.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : null;
  };
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (left === null || right === null) return false;
  const count = left.length + right.length + groupsForIPv4;
  return halves.length === 2 ? count < 8 : count === 8;
}

function isIPv4Sloppy(s: string): boolean {
  return isDottedQuad(s, true) || (s.includes('.') && isIPv6Literal(s));
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash === -1) return false;
  const ip = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d+$/.test(prefix)) return false;
  const bits = ip.includes(':') ? 128 : 32;
  const ipOk = bits === 128 ? isIPv6Literal(ip) : isDottedQuad(ip, true);
  return ipOk && Number(prefix) <= bits;
}

// Go's net.ParseMAC: 6, 8 or 20 octets, separated by ":" or "-", or dotted groups of four.
function isMac(s: string): boolean {
  const octetsOk = (n: number): boolean => n === 6 || n === 8 || n === 20;
  for (const sep of [':', '-']) {
    const parts = s.split(sep);
    if (
      parts.length > 1 &&
      octetsOk(parts.length) &&
      parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))
    )
      return true;
  }
  const groups = s.split('.');
  return octetsOk(groups.length * 2) && groups.every((g) => /^[0-9a-fA-F]{4}$/.test(g));
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function isCreditCard(s: string): boolean {
  const digits = s.replace(/[^0-9]+/g, '');
  const shape =
    /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;
  return shape.test(digits) && luhn(digits);
}

function isIsbn10(s: string): boolean {
  const v = s.replace(/[\s-]+/g, '');
  if (!/^(?:[0-9]{9}X|[0-9]{10})$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (v[i] === 'X' ? 10 : Number(v[i])) * (10 - i);
  return sum % 11 === 0;
}

function isIsbn13(s: string): boolean {
  const v = s.replace(/[\s-]+/g, '');
  if (!/^[0-9]{13}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(v[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(v[12]);
}

// RFC 1034 labels, plus what go-openapi also admits: leading digits, Unicode letters and
// symbols; the last label (TLD) letters only, at least two; 255 bytes overall, 63 per label.
const hostnameShape =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const utf8 = new TextEncoder();
function isHostname(s: string): boolean {
  if (!hostnameShape.test(s) || utf8.encode(s).length > 255) return false;
  return s.split('.').every((label) => utf8.encode(label).length <= 63);
}

// net/mail.ParseAddress accepts "addr-spec" or "Display Name <addr-spec>". This covers the
// dot-atom and quoted local parts and dot-atom or literal domains; comments are not supported.
const atext = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\u{10ffff}]+";
const dotAtom = `${atext}(?:\\.${atext})*`;
const quotedLocal = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const addrSpec = `(?:${dotAtom}|${quotedLocal})@(?:${dotAtom}|\\[[^\\[\\]\\\\]*\\])`;
const emailShape = new RegExp(`^\\s*(?:${addrSpec}|(?:[^<>]*\\s*)?<${addrSpec}>)\\s*$`, 'u');
function isEmail(s: string): boolean {
  return emailShape.test(s);
}

// Go's url.ParseRequestURI: an absolute URI ("scheme:/...") or an absolute path; no control
// characters; a host with valid characters and numeric port; every "%" in the path a valid escape.
function isRequestUri(s: string): boolean {
  if (/[\u0000-\u001f\u007f]/.test(s)) return false;
  let rest = s;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  if (scheme !== null) rest = s.slice(scheme[0].length);
  else if (!s.startsWith('/')) return false;
  const query = rest.indexOf('?');
  if (query !== -1) rest = rest.slice(0, query);
  if (scheme !== null && !rest.startsWith('/')) return false;
  let path = rest;
  if (scheme !== null && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = rest.slice(2, end === -1 ? undefined : end);
    path = end === -1 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    const userinfo = at === -1 ? '' : authority.slice(0, at);
    const hostPort = at === -1 ? authority : authority.slice(at + 1);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return false;
    if (!isValidHostPort(hostPort)) return false;
  }
  return !/%(?![0-9A-Fa-f]{2})/.test(path);
}

function isValidHostPort(hostPort: string): boolean {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return false;
    const port = hostPort.slice(close + 1);
    return port === '' || /^:\d*$/.test(port);
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon !== -1 && !/^\d*$/.test(hostPort.slice(colon + 1))) return false;
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  return (
    /^[A-Za-z0-9\-._~!$&'()*+,;=%\u0080-\u{10ffff}]*$/u.test(host) &&
    !/%(?![0-9A-Fa-f]{2})/.test(host)
  );
}

export type FormatCheck = (value: string) => boolean;

/** Checkers keyed by the name the converter emits (Kubernetes' normalized name, dashes kept for date-time). */
export const kubernetesFormats: Readonly<Record<string, FormatCheck>> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestUri,
  email: isEmail,
  hostname: isHostname,
  ipv4: isIPv4Sloppy,
  ipv6: isIPv6Literal,
  cidr: isCidr,
  mac: isMac,
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid3: (s) => uuidShape('3').test(s),
  uuid4: (s) => uuidVariantShape('4').test(s),
  uuid5: (s) => uuidVariantShape('5').test(s),
  isbn: (s) => isIsbn10(s) || isIsbn13(s),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
  creditcard: isCreditCard,
  ssn: (s) => s.length === 11 && /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) =>
    /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(
      s,
    ),
  // Standard alphabet, padded, at least one quantum: "" is not valid base64 here.
  byte: (s) =>
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  'date-time': isDateTime,
};

/**
 * The format name to emit for a CRD `format`, or undefined when the API server ignores it
 * (so must we). Kubernetes normalizes names by dropping "-": `date-time`, `datetime`, `uuid-4`.
 */
export function enforcedFormatName(format: string): string | undefined {
  const normalized = format.replaceAll('-', '');
  if (normalized === 'datetime') return 'date-time';
  return normalized !== 'date-time' && Object.hasOwn(kubernetesFormats, normalized)
    ? normalized
    : undefined;
}
