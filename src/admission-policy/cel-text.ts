// Writing CEL source text: string literals and RE2 character classes. Everything the generated
// policy contains that came from a rule table passes through here, so a description with a
// quote or a table entry with a regex metacharacter cannot change the expression's meaning.

/** A CEL string literal (single-quoted) holding exactly `text`. */
export function celString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/**
 * A code point inside an RE2 character class: letters and digits as they are, other visible
 * ASCII escaped with a backslash (RE2 reads any escaped punctuation as itself), the rest as
 * `\x{..}`. Short on purpose: the API server charges `matches()` by the pattern's length.
 */
export function re2ClassChar(c: number): string {
  const ch = String.fromCodePoint(c);
  if (c >= 0x30 && c <= 0x39) return ch;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return ch;
  if (c > 0x20 && c < 0x7f) return `\\${ch}`;
  return `\\x{${c.toString(16)}}`;
}

/** An RE2 character class of inclusive code point ranges (adjacent ones merged). */
export function re2Class(ranges: readonly (readonly [number, number])[], negated = false): string {
  const merged: [number, number][] = [];
  for (const [low, high] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  const body = merged
    .map(([low, high]) =>
      low === high
        ? re2ClassChar(low)
        : high === low + 1
          ? `${re2ClassChar(low)}${re2ClassChar(high)}`
          : `${re2ClassChar(low)}-${re2ClassChar(high)}`,
    )
    .join('');
  return `[${negated ? '^' : ''}${body}]`;
}

/** `text` with every RE2 metacharacter escaped. */
export function re2Literal(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * Evaluates `value` once and names it `name` inside `body`: `[value].map(name, body)[0]`.
 * Kubernetes' CEL has no `cel.bind` before 1.33-ish environments, and a VAP variable cannot
 * take an argument, so this is the portable way to reuse a computed value.
 */
export function celLet(name: string, value: string, body: string): string {
  return `[${value}].map(${name}, ${body})[0]`;
}
