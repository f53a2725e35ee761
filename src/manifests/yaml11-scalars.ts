// Scalars as Kubernetes reads them. kubectl and the API server turn YAML into JSON with
// sigs.k8s.io/yaml, which decodes with its fork of go-yaml v2 (a YAML 1.1 reader) into
// interface{} and then marshals JSON. The observable rules, from that fork's resolve.go and
// decode.go:
//   - booleans: y Y yes Yes YES true True TRUE on On ON / n N no No NO false False FALSE off Off OFF
//     (so `transport: on` is the boolean true and `allowPrivateEndpoint: yes` is true);
//   - null: empty, ~, null, Null, NULL;
//   - integers through Go's strconv.ParseInt(s, 0, 64) after removing every `_`: 0x hex, 0o and
//     leading-0 octal (`0755` is 493), 0b binary, a sign allowed;
//   - floats only when they look like `[-+]?(.d+|d+(.d*)?)([eE][-+]?d+)?` (or start with `.`);
//     `.inf`/`.nan` are floats, which JSON cannot carry, so conversion fails;
//   - no base-60 numbers (`1:20` stays a string), unlike YAML 1.1 on paper;
//   - timestamps decoded into interface{} stay the original text.

export type ResolvedScalar =
  | { readonly kind: 'null'; readonly value: null }
  | { readonly kind: 'bool'; readonly value: boolean }
  // An integer beyond ±2^53 that fits int64 or uint64 is a bigint, kept exactly as kubectl
  // sends it; outside that range go-yaml reads a decimal as a float64.
  | { readonly kind: 'int'; readonly value: number | bigint; readonly text: string }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map(
    (s) => [s, true] as const,
  ),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map(
    (s) => [s, false] as const,
  ),
]);
const NULLS: ReadonlySet<string> = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
// What strconv.ParseInt/ParseUint accept with base 0, once underscores are gone.
const GO_INTEGER = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/;
// go-yaml only tries numbers (and timestamps) for text starting with a digit or a sign.
const NUMBER_HINT = /^[-+0-9]/;

/** Resolve an untagged plain scalar exactly as go-yaml v2 does. */
export function resolvePlainScalar(text: string): ResolvedScalar {
  // Most manifest text (names, URLs, kinds) starts with a letter that begins no boolean or
  // null spelling, and numbers start with a digit, a sign or a dot: such text is text.
  if (startsAsText(text.charCodeAt(0))) return { kind: 'string', value: text };
  if (NULLS.has(text)) return { kind: 'null', value: null };
  const bool = BOOLEANS.get(text);
  if (bool !== undefined) return { kind: 'bool', value: bool };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: special };
  if (text.startsWith('.')) {
    return DOT_FLOAT.test(text) ? finiteFloatOrString(text) : { kind: 'string', value: text };
  }
  if (!NUMBER_HINT.test(text)) return { kind: 'string', value: text };
  // A timestamp (`2026-08-01`) would be tried first, but it resolves to its own text anyway.
  const plain = text.replaceAll('_', '');
  const integer = parseGoInteger(plain);
  if (integer !== undefined) return { kind: 'int', value: integer, text: plain };
  if (YAML_STYLE_FLOAT.test(plain)) return finiteFloatOrString(plain, text);
  return { kind: 'string', value: text };
}

/** A letter that starts none of y/yes/n/no/null/true/false/on/off in any listed spelling. */
function startsAsText(c: number): boolean {
  const lower = c | 0x20;
  if (lower < 0x61 || lower > 0x7a) return false; // not an ASCII letter
  return lower !== 0x79 && lower !== 0x6e && lower !== 0x74 && lower !== 0x66 && lower !== 0x6f;
}

function finiteFloatOrString(numeric: string, original = numeric): ResolvedScalar {
  const value = Number(numeric);
  // Go's ParseFloat reports overflow (`1e400`) as an error, and go-yaml then keeps the text.
  return Number.isFinite(value) ? { kind: 'float', value } : { kind: 'string', value: original };
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The integer's value as go-yaml's ParseInt/ParseUint(s, 0, 64) gives it (a number when it is
 * exact, else a bigint), or undefined when they refuse it (not an integer, or beyond 64 bits;
 * the caller then tries a float, as go-yaml does).
 */
function parseGoInteger(plain: string): number | bigint | undefined {
  const match = GO_INTEGER.exec(plain);
  if (match === null) return undefined;
  const sign = match[1] === '-' ? -1n : 1n;
  const digits = match[2] ?? '0';
  let magnitude: bigint;
  if (/^0[xX]/.test(digits)) magnitude = BigInt(digits.toLowerCase());
  else if (/^0[bB]/.test(digits)) magnitude = BigInt(digits.toLowerCase());
  else if (/^0[oO]/.test(digits)) magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (digits.length > 1 && digits.startsWith('0')) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  const value = sign * magnitude;
  // ParseUint takes no sign, so a signed value must fit int64.
  if (value < INT64_MIN || value > UINT64_MAX || (match[1] === '+' && value > 2n ** 63n - 1n))
    return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/**
 * Map keys become JSON member names the way sigs.k8s.io/yaml converts them: booleans to
 * "true"/"false", integers to decimal, floats with Go's `FormatFloat(f, 'g', -1, 32)`.
 * Returns undefined for a null key, which that conversion refuses.
 */
export function keyString(resolved: ResolvedScalar): string | undefined {
  switch (resolved.kind) {
    case 'null':
      return undefined;
    case 'bool':
      return resolved.value ? 'true' : 'false';
    case 'int':
      return String(resolved.value);
    case 'float':
      return formatGoFloat32(resolved.value);
    case 'string':
      return resolved.value;
  }
}

/** Go's strconv.FormatFloat(v, 'g', -1, 32): shortest float32 digits, %e for large/small. */
function formatGoFloat32(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  const single = Math.fround(value);
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  let digits = '';
  for (let precision = 1; precision <= 9; precision++) {
    digits = single.toExponential(precision - 1);
    if (Math.fround(Number(digits)) === single) break;
  }
  const [mantissa = '0', exponentText = '0'] = digits.split('e');
  const exponent = Number(exponentText);
  // With the shortest representation, Go switches to %e when the exponent is < -4 or >= 6.
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const negative = mantissa.startsWith('-');
  const bare = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exponent >= 0) {
    out =
      bare.length > exponent + 1
        ? `${bare.slice(0, exponent + 1)}.${bare.slice(exponent + 1)}`
        : bare.padEnd(exponent + 1, '0');
  } else {
    out = `0.${'0'.repeat(-exponent - 1)}${bare}`;
  }
  return negative ? `-${out}` : out;
}
