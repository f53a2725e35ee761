// Kubernetes checks CRD `pattern`s with Go's regexp package (RE2 syntax), but ajv compiles them as
// JavaScript regular expressions with the `u` flag. The two dialects share most syntax but not all
// meanings: RE2's `.` excludes only "\n" (JS also excludes "\r", U+2028, U+2029), RE2's `\s` is
// ASCII-only (JS's is Unicode), RE2 has `\z`, `\A`, `\Q..\E`, POSIX classes and inline flags, and
// a `u`-mode JS regexp rejects escapes such as `\_` that RE2 reads as literals. This module parses
// the RE2 source and re-emits an equivalent JS source, or throws Re2TranslationError when there is
// no faithful JS equivalent (or when Go itself would reject the pattern, so the CRD could never be
// installed).

export class Re2TranslationError extends Error {
  /** The RE2 construct that could not be translated, e.g. `\C` or `(?=`. */
  readonly construct: string;
  readonly offset: number;
  constructor(construct: string, offset: number, detail: string) {
    super(`${detail} (${JSON.stringify(construct)} at offset ${offset})`);
    this.name = 'Re2TranslationError';
    this.construct = construct;
    this.offset = offset;
  }
}

interface Flags {
  /** Case-insensitive. */
  readonly i: boolean;
  /** `^`/`$` match at line breaks. */
  readonly m: boolean;
  /** `.` matches "\n". */
  readonly s: boolean;
  /** Ungreedy: `*` means `*?` and the other way round. */
  readonly U: boolean;
}

const noFlags: Flags = { i: false, m: false, s: false, U: false };

// RE2's \s: [\t\n\f\r ]. Note: no \v, unlike Perl and JavaScript.
const re2Space = '\\t\\n\\f\\r ';

const posixClasses: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// Unicode general categories RE2 accepts; JS accepts the same short names in \p{...}.
// Any other name in RE2 is a script, which JS spells \p{Script=Name}.
const generalCategories = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd',
  'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl',
  'Zp', 'Zs',
]); // prettier-ignore

// Go refuses repeat counts above this, so a CRD using one is never accepted by the API server.
const maxRepeat = 1000;

const jsSyntaxCharacters = new Set('^$\\.*+?()[]{}|');
const jsClassSpecials = new Set('\\]-[^');

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

function hasCaseVariants(text: string): boolean {
  return text.toLowerCase() !== text.toUpperCase();
}

function unicodeEscape(codePoint: number): string {
  return `\\u{${codePoint.toString(16)}}`;
}

function isPrintable(codePoint: number): boolean {
  return codePoint >= 0x20 && codePoint !== 0x7f && !(codePoint >= 0x80 && codePoint < 0xa0);
}

function literalOutsideClass(codePoint: number): string {
  const c = String.fromCodePoint(codePoint);
  if (jsSyntaxCharacters.has(c)) return `\\${c}`;
  return isPrintable(codePoint) ? c : unicodeEscape(codePoint);
}

function literalInsideClass(codePoint: number): string {
  const c = String.fromCodePoint(codePoint);
  if (jsClassSpecials.has(c)) return `\\${c}`;
  return isPrintable(codePoint) ? c : unicodeEscape(codePoint);
}

/** A class escape or POSIX class, split into what JS can put inside `[...]` and what it cannot. */
interface ClassPiece {
  readonly positive: string;
  /** Items of a negated set (RE2 `\S`, `[:^alpha:]`) which JS `u`-mode classes cannot subtract. */
  readonly negated?: string;
}

class Translator {
  private pos = 0;
  private flags: Flags = noFlags;
  /** Case-insensitivity in force in the emitted JS at the current point. */
  private jsCaseInsensitive = false;
  private readonly src: string;

  constructor(source: string) {
    this.src = source;
  }

  translate(): string {
    this.takeLeadingFlags();
    const body = this.alternation(0);
    if (this.pos < this.src.length) this.fail(')', 'unmatched closing parenthesis');
    return this.jsCaseInsensitive ? `(?i:${body})` : body;
  }

  // A pattern that opens with `(?i)` applies to everything: emit one modifier group around
  // the whole expression instead of one per atom.
  private takeLeadingFlags(): void {
    const m = /^\(\?([imsU]*(?:-[imsU]*)?)\)/.exec(this.src);
    if (m === null || m[1] === undefined) return;
    this.flags = this.applyFlags(noFlags, m[1], 0);
    this.jsCaseInsensitive = this.flags.i;
    this.pos = m[0].length;
  }

  private fail(construct: string, detail: string, at = this.pos): never {
    throw new Re2TranslationError(construct, at, detail);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private alternation(depth: number): string {
    const branches = [this.concatenation(depth)];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.concatenation(depth));
    }
    return branches.join('|');
  }

  private concatenation(depth: number): string {
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|') return out;
      if (c === ')') {
        if (depth === 0) this.fail(')', 'unmatched closing parenthesis');
        return out;
      }
      const start = this.pos;
      const atom = this.atom(depth);
      if (atom === null) continue; // a flag group such as (?i): changes state, emits nothing
      out += this.quantified(atom, start);
    }
  }

  private caseScoped(text: string, caseSensitiveMatters: boolean): string {
    if (!caseSensitiveMatters || this.flags.i === this.jsCaseInsensitive) return text;
    return this.flags.i ? `(?i:${text})` : `(?-i:${text})`;
  }

  /** Returns the JS text of one atom, tagged whether it may be quantified in JS. */
  private atom(depth: number): { text: string; quantifiable: boolean } | null {
    const start = this.pos;
    const c = this.peek();
    switch (c) {
      case '(':
        return this.group(depth);
      case '[':
        return { text: this.characterClass(), quantifiable: true };
      case '.':
        this.pos++;
        return { text: this.flags.s ? '[\\s\\S]' : '[^\\n]', quantifiable: true };
      case '^':
        this.pos++;
        return { text: this.flags.m ? '(?<![^\\n])' : '^', quantifiable: false };
      case '$':
        this.pos++;
        return { text: this.flags.m ? '(?![^\\n])' : '$', quantifiable: false };
      case '*':
      case '+':
      case '?':
        return this.fail(c, 'missing argument to repetition operator');
      case '{':
        if (this.repeatBounds() !== null) this.fail('{', 'missing argument to repetition operator');
        this.pos++;
        return { text: '\\{', quantifiable: true };
      case '\\':
        return this.escape();
      default: {
        const cp = this.src.codePointAt(start) ?? 0;
        const ch = String.fromCodePoint(cp);
        this.pos += ch.length;
        return {
          text: this.caseScoped(literalOutsideClass(cp), hasCaseVariants(ch)),
          quantifiable: true,
        };
      }
    }
  }

  private applyFlags(base: Flags, spec: string, at: number): Flags {
    const next = { ...base };
    let on = true;
    let sawDash = false;
    for (const f of spec) {
      if (f === '-') {
        if (sawDash) this.fail(`(?${spec}`, 'invalid or unsupported Perl syntax', at);
        sawDash = true;
        on = false;
      } else if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
        next[f] = on;
      } else {
        this.fail(`(?${spec}`, 'invalid or unsupported Perl syntax', at);
      }
    }
    if (sawDash && spec.endsWith('-'))
      this.fail(`(?${spec}`, 'invalid or unsupported Perl syntax', at);
    return next;
  }

  private group(depth: number): { text: string; quantifiable: boolean } | null {
    const start = this.pos;
    this.pos++; // (
    let opener = '(';
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos + 1);
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
      const flagged = /^([imsU-]*)([:)])/.exec(rest);
      if (named !== null && named[1] !== undefined) {
        opener = `(?<${named[1]}>`;
        this.pos += 1 + named[0].length;
      } else if (flagged !== null && flagged[1] !== undefined && flagged[2] !== undefined) {
        const newFlags = this.applyFlags(this.flags, flagged[1], start);
        this.pos += 1 + flagged[0].length;
        if (flagged[2] === ')') {
          // RE2: the flags hold until the end of the enclosing group (across later `|` too).
          this.flags = newFlags;
          return null;
        }
        return this.groupBody('(?:', newFlags, depth, start);
      } else {
        const construct = this.src.slice(start, start + 4);
        this.fail(
          construct,
          'unsupported group syntax (RE2 has no lookaround, backreference or comment groups)',
          start,
        );
      }
    }
    return this.groupBody(opener, this.flags, depth, start);
  }

  private groupBody(
    opener: string,
    innerFlags: Flags,
    depth: number,
    start: number,
  ): { text: string; quantifiable: boolean } {
    const outerFlags = this.flags;
    this.flags = innerFlags;
    const body = this.alternation(depth + 1);
    if (this.peek() !== ')') this.fail('(', 'missing closing parenthesis', start);
    this.pos++;
    this.flags = outerFlags;
    return { text: `${opener}${body})`, quantifiable: true };
  }

  /** Parses `{n}`, `{n,}` or `{n,m}` at the cursor without consuming it; null if it is a literal brace. */
  private repeatBounds(): { min: number; max: number | null; length: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (m === null || m[1] === undefined) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? null : Number(m[3]);
    return { min, max, length: m[0].length };
  }

  private quantified(atom: { text: string; quantifiable: boolean }, atomStart: number): string {
    let out = atom.text;
    let quantifiers = 0;
    for (;;) {
      const c = this.peek();
      let q: string;
      const at = this.pos;
      if (c === '*' || c === '+' || c === '?') {
        q = c;
        this.pos++;
      } else if (c === '{') {
        const bounds = this.repeatBounds();
        if (bounds === null) return out;
        if (
          bounds.min > maxRepeat ||
          (bounds.max ?? 0) > maxRepeat ||
          (bounds.max !== null && bounds.max < bounds.min)
        ) {
          this.fail(this.src.slice(at, at + bounds.length), 'invalid repeat count', at);
        }
        q = this.src.slice(at, at + bounds.length);
        this.pos += bounds.length;
      } else {
        return out;
      }
      if (quantifiers > 0)
        this.fail(this.src.slice(atomStart, this.pos), 'invalid nested repetition operator', at);
      if (!atom.quantifiable) {
        this.fail(
          this.src.slice(atomStart, this.pos),
          'a repeated assertion has no JavaScript (u-mode) equivalent',
          at,
        );
      }
      let lazy = false;
      if (this.peek() === '?') {
        lazy = true;
        this.pos++;
      }
      if (this.flags.U) lazy = !lazy;
      out += q + (lazy ? '?' : '');
      quantifiers++;
    }
  }

  private escape(): { text: string; quantifiable: boolean } {
    const start = this.pos;
    const c = this.peek(1);
    if (c === undefined) this.fail('\\', 'trailing backslash at end of expression');
    this.pos += 2;
    switch (c) {
      case 'A':
        return { text: '(?<![\\s\\S])', quantifiable: false };
      case 'z':
        return { text: '(?![\\s\\S])', quantifiable: false };
      case 'b':
      case 'B':
        return { text: `\\${c}`, quantifiable: false };
      case 'C':
        return this.fail('\\C', 'matching a single byte has no JavaScript equivalent', start);
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos);
        const literal = this.src.slice(this.pos, end === -1 ? undefined : end);
        this.pos = end === -1 ? this.src.length : end + 2;
        let text = '';
        for (const ch of literal)
          text += this.caseScoped(literalOutsideClass(ch.codePointAt(0) ?? 0), hasCaseVariants(ch));
        // Not grouped: as in RE2, a following quantifier applies to the last character only.
        return { text, quantifiable: literal.length > 0 };
      }
      default: {
        this.pos = start;
        const piece = this.classEscape(false);
        return { text: this.classPieceOutside(piece), quantifiable: true };
      }
    }
  }

  private classPieceOutside(piece: ClassPiece | number): string {
    if (typeof piece === 'number') {
      return this.caseScoped(
        literalOutsideClass(piece),
        hasCaseVariants(String.fromCodePoint(piece)),
      );
    }
    if (piece.negated !== undefined) return this.caseScoped(`[^${piece.negated}]`, true);
    // \d, \w, \p{..} need no brackets; a multi-item set such as \s does.
    const bare = /^\\[dDwWpP](\{[^}]*\})?$/.test(piece.positive);
    return this.caseScoped(bare ? piece.positive : `[${piece.positive}]`, true);
  }

  /**
   * Reads one escape at the cursor (which is on the backslash). Returns a code point for a
   * literal character, or a class piece for \d \s \w \p and friends.
   */
  private classEscape(inClass: boolean): ClassPiece | number {
    const start = this.pos;
    const c = this.peek(1);
    if (c === undefined) this.fail('\\', 'trailing backslash at end of expression');
    this.pos += 2;
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return { positive: `\\${c}` };
      case 's':
        return { positive: re2Space };
      case 'S':
        return { positive: '', negated: re2Space };
      case 'p':
      case 'P':
        return this.unicodeClass(c === 'P', start);
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'v':
        return 0x0b;
      case 'x':
        return this.hexEscape(start);
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      // Go: \0 and \[1-7][0-7]... are octal; a lone \1..\7 is a backreference, which RE2 lacks.
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos));
      const digits = c + (m?.[0] ?? '');
      if (c !== '0' && digits.length === 1)
        this.fail(`\\${c}`, 'backreferences are not supported by RE2', start);
      this.pos += digits.length - 1;
      return parseInt(digits, 8);
    }
    const cp = c.codePointAt(0) ?? 0;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp; // escaped punctuation is a literal in RE2
    const construct = inClass ? `[\\${c}` : `\\${c}`;
    return this.fail(construct, 'invalid escape sequence', start);
  }

  private hexEscape(start: number): number {
    let digits: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      digits = end === -1 ? '' : this.src.slice(this.pos + 1, end);
      if (end === -1 || digits === '' || !/^[0-9A-Fa-f]+$/.test(digits))
        this.fail('\\x{', 'invalid escape sequence', start);
      this.pos = end + 1;
    } else {
      if (!isHexDigit(this.peek()) || !isHexDigit(this.peek(1)))
        this.fail('\\x', 'invalid escape sequence', start);
      digits = this.src.slice(this.pos, this.pos + 2);
      this.pos += 2;
    }
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff) this.fail(`\\x{${digits}}`, 'invalid escape sequence', start);
    return cp;
  }

  private unicodeClass(negated: boolean, start: number): ClassPiece {
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end === -1) this.fail('\\p{', 'invalid character class range', start);
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      const letter = this.peek();
      if (letter === undefined) this.fail('\\p', 'invalid character class range', start);
      name = letter;
      this.pos++;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name))
      this.fail(`\\p{${name}}`, 'invalid character class range', start);
    const property = generalCategories.has(name) || name === 'Any' ? name : `Script=${name}`;
    try {
      new RegExp(`\\p{${property}}`, 'u');
    } catch {
      this.fail(`\\p{${name}}`, 'unknown Unicode class', start);
    }
    return { positive: `\\${negated ? 'P' : 'p'}{${property}}` };
  }

  private characterClass(): string {
    const start = this.pos;
    this.pos++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    let positive = '';
    const negatedSets: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail(this.src.slice(start), 'missing closing ]', start);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m !== null && m[2] !== undefined) {
          const set = posixClasses[m[2]];
          if (set === undefined) this.fail(m[0], 'invalid character class range');
          this.pos += m[0].length;
          if (m[1] === '^') negatedSets.push(set);
          else positive += set;
          continue;
        }
      }
      const lo = this.classAtom();
      if (typeof lo !== 'number') {
        if (lo.negated !== undefined) negatedSets.push(lo.negated);
        positive += lo.positive;
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const rangeStart = this.pos - 1;
        this.pos++;
        const hi = this.classAtom();
        if (typeof hi !== 'number' || hi < lo)
          this.fail(
            this.src.slice(rangeStart, this.pos),
            'invalid character class range',
            rangeStart,
          );
        positive += `${literalInsideClass(lo)}-${literalInsideClass(hi)}`;
      } else {
        positive += literalInsideClass(lo);
      }
    }
    return this.caseScoped(this.classUnion(positive, negatedSets, negate), true);
  }

  private classAtom(): ClassPiece | number {
    if (this.peek() === '\\') return this.classEscape(true);
    const cp = this.src.codePointAt(this.pos) ?? 0;
    this.pos += String.fromCodePoint(cp).length;
    return cp;
  }

  // JS `u`-mode classes cannot contain a negated set, so [a\S] becomes (?:[a]|[^\t\n\f\r ])
  // and its complement [^a\S] becomes (?:(?!(?:[a]|[^\t\n\f\r ]))[\s\S]).
  private classUnion(positive: string, negatedSets: readonly string[], negate: boolean): string {
    if (negatedSets.length === 0) return `[${negate ? '^' : ''}${positive}]`;
    const alternatives = negatedSets.map((set) => `[^${set}]`);
    if (positive !== '') alternatives.unshift(`[${positive}]`);
    const union = `(?:${alternatives.join('|')})`;
    return negate ? `(?:(?!${union})[\\s\\S])` : union;
  }
}

/**
 * Translates an RE2 (Go regexp) pattern into JavaScript source with the same meaning under the
 * `u` flag. Throws Re2TranslationError for constructs with no faithful equivalent.
 */
export function re2ToJavaScript(pattern: string): string {
  const js = new Translator(pattern).translate();
  try {
    new RegExp(js, 'u');
  } catch (err) {
    throw new Re2TranslationError(
      pattern,
      0,
      `translated pattern is not a valid JavaScript regexp: ${(err as Error).message}`,
    );
  }
  return js;
}
