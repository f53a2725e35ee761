// A fast reader for the YAML that manifests are nearly always written in: block mappings and
// sequences, plain scalars, one-line quoted scalars without escapes, literal block scalars
// (`|`, `|-`), flow collections that close on their line (`groupRef: {name: tools}`, `[]`),
// comments. It reads one document (see
// document-chunks.ts) straight into the JSON value Kubernetes would see, with the same
// YAML 1.1 scalar rules as construct.ts, about ten times faster than composing `yaml`'s
// document model and walking it.
//
// It never guesses. Whenever a document steps outside that subset (anchors, aliases, tags,
// multi-line or unusual flow collections, folded or multi-line scalars, escapes, tabs, CRs, duplicate
// or merge keys, numbers JSON cannot carry, anything that `yaml` would report as an error) it
// returns undefined and the caller parses the document with `yaml` and construct.ts, which
// stay the reference. test/manifests/block-subset-parser.test.ts checks, on generated
// manifests and on every manifest the tests and examples hold, that both give the same value
// and the same field positions.
import { keyString, resolvePlainScalar } from './yaml11-scalars.ts';
import { COLON, DASH, DOUBLE_QUOTE, HASH, PIPE, SINGLE_QUOTE, SPACE } from '../char-codes.ts';

export interface BlockSubsetDocument {
  /** The document's value; null for a document with no content (only comments or a marker). */
  readonly value: Record<string, unknown> | null;
  /** Offset of the root mapping (its first key); the document's start when it is empty. */
  readonly rootOffset: number;
}

/**
 * Parse `text[start, end)`, one YAML document, or return undefined if it is not in the subset.
 * With `offsets`, also record each field's source offset under construct.ts's `pathKey`
 * (member keys at their key, sequence items at their node), as construct.ts does.
 */
export function parseBlockSubset(
  text: string,
  start: number,
  end: number,
  offsets?: Map<string, number>,
): BlockSubsetDocument | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text.slice(start, end))) return undefined;
  const reader = new BlockSubsetReader(text, start, end, offsets);
  try {
    return reader.document();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

const BACKSLASH = 0x5c;
/** Escapes in double quotes that mean the same in JSON, go-yaml (YAML 1.1) and YAML 1.2. */
const SIMPLE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x6e, '\n'], // n
  [0x74, '\t'], // t
  [0x72, '\r'], // r
  [0x22, '"'],
  [BACKSLASH, '\\'],
]);

// Tabs (indentation rules), CR (line-break normalisation), C0/C1 controls, DEL, BOM and the
// Unicode line separators have edge cases in YAML that only `yaml` should settle.
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** Thrown (never escapes this module) when the document leaves the subset. */
const DECLINE = Symbol('decline');

/** Far below construct.ts's MAX_NESTING_DEPTH, far above any manifest. */
const MAX_DEPTH = 64;
/** `yaml` refuses implicit keys longer than this. */
const MAX_IMPLICIT_KEY = 1024;
const PATH_SEPARATOR = '\u0000';

/** Characters that cannot start a plain scalar here (YAML c-indicator, minus `-`). */
function isIndicator(c: number): boolean {
  switch (c) {
    case 0x3f: // ?
    case COLON:
    case 0x2c: // ,
    case 0x5b: // [
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case HASH:
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case PIPE:
    case 0x3e: // >
    case SINGLE_QUOTE:
    case DOUBLE_QUOTE:
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
      return true;
    default:
      return false;
  }
}

function decline(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a private sentinel, caught above
  throw DECLINE;
}

class BlockSubsetReader {
  private readonly text: string;
  private readonly end: number;
  private readonly offsets: Map<string, number> | undefined;
  /** The current content line: its start, end (the newline or `end`) and indentation. */
  private lineStart = 0;
  private lineEnd = 0;
  private indent = 0;
  /** False once the document has no content line left. */
  private hasLine = false;
  /** Where the next line starts. */
  private next: number;

  constructor(text: string, start: number, end: number, offsets: Map<string, number> | undefined) {
    this.text = text;
    this.end = end;
    this.offsets = offsets;
    this.next = start;
  }

  document(): BlockSubsetDocument {
    const documentStart = this.next;
    if (this.text.startsWith('---', documentStart)) {
      // The marker line may carry nothing but a comment here.
      const markerEnd = this.findLineEnd(documentStart);
      if (!this.isBlankOrCommentFrom(documentStart + 3, markerEnd)) decline();
      this.next = markerEnd + 1;
    }
    this.advance();
    if (!this.hasLine) return { value: null, rootOffset: documentStart };
    if (this.indent !== 0) decline();
    const rootOffset = this.lineStart;
    this.record('', rootOffset);
    const value = this.mapping(0, rootOffset, '', 0);
    if (this.hasLine) decline(); // content left over that the mapping did not take
    return { value, rootOffset };
  }

  // ---- lines -------------------------------------------------------------------------------

  private findLineEnd(from: number): number {
    const newline = this.text.indexOf('\n', from);
    return newline === -1 || newline > this.end ? this.end : newline;
  }

  /** Move to the next line that is neither blank nor only a comment. */
  private advance(): void {
    const { text, end } = this;
    let start = this.next;
    while (start < end) {
      const lineEnd = this.findLineEnd(start);
      let i = start;
      while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
      if (i < lineEnd && text.charCodeAt(i) !== HASH) {
        this.lineStart = start;
        this.lineEnd = lineEnd;
        this.indent = i - start;
        this.next = lineEnd + 1;
        this.hasLine = true;
        return;
      }
      start = lineEnd + 1;
    }
    this.next = end;
    this.hasLine = false;
  }

  private isBlankOrCommentFrom(from: number, lineEnd: number): boolean {
    let i = from;
    while (i < lineEnd && this.text.charCodeAt(i) === SPACE) i++;
    if (i === lineEnd) return true;
    // A comment needs white space before it.
    return this.text.charCodeAt(i) === HASH && i > from;
  }

  /** Offset of the character `code` on the current line from `from`, or -1. */
  private indexInLine(code: number, from: number): number {
    const { text, lineEnd } = this;
    for (let i = from; i < lineEnd; i++) if (text.charCodeAt(i) === code) return i;
    return -1;
  }

  private record(key: string, offset: number): void {
    if (this.offsets !== undefined && !this.offsets.has(key)) this.offsets.set(key, offset);
  }

  private child(parent: string, segment: string): string {
    if (this.offsets === undefined) return '';
    return parent === '' ? segment : parent + PATH_SEPARATOR + segment;
  }

  // ---- collections -------------------------------------------------------------------------

  /**
   * A block mapping whose keys sit at column `column`; the first key starts at `firstKey` on
   * the current line (after a `- ` when the mapping is a sequence item).
   */
  private mapping(
    column: number,
    firstKey: number,
    path: string,
    depth: number,
  ): Record<string, unknown> {
    if (depth > MAX_DEPTH) decline();
    const out: Record<string, unknown> = {};
    let keyStart = firstKey;
    for (;;) {
      const { name, valueStart } = this.key(keyStart);
      if (name === '<<' || Object.hasOwn(out, name)) decline(); // merges and duplicates: construct.ts
      const memberPath = this.child(path, name);
      this.record(memberPath, keyStart);
      const value = this.value(valueStart, column, memberPath, depth, true);
      if (name === '__proto__') {
        Object.defineProperty(out, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[name] = value;
      }
      if (!this.hasLine || this.indent < column) return out;
      if (this.indent > column) decline();
      keyStart = this.lineStart + column;
      if (this.isSequenceEntry(keyStart)) decline();
    }
  }

  /** A block sequence whose `-` indicators sit at column `column`, from the current line. */
  private sequence(column: number, path: string, depth: number): unknown[] {
    if (depth > MAX_DEPTH) decline();
    const out: unknown[] = [];
    for (;;) {
      const dash = this.lineStart + column;
      const itemPath = this.child(path, String(out.length));
      let at = dash + 1;
      while (at < this.lineEnd && this.text.charCodeAt(at) === SPACE) at++;
      if (at === this.lineEnd || this.text.charCodeAt(at) === HASH) {
        // The item is on the following lines, more indented than the `-`.
        this.advance();
        if (!this.hasLine || this.indent <= column) decline(); // an empty item
        this.record(itemPath, this.lineStart + this.indent);
        out.push(this.nestedCollection(this.indent, itemPath, depth + 1));
      } else if (this.startsMapping(at)) {
        this.record(itemPath, at);
        out.push(this.mapping(at - this.lineStart, at, itemPath, depth + 1));
      } else {
        this.record(itemPath, at);
        out.push(this.value(at, column, itemPath, depth, false));
      }
      if (!this.hasLine || this.indent < column) return out;
      if (this.indent > column) decline();
      if (!this.isSequenceEntry(this.lineStart + column)) return out; // the parent's next key
    }
  }

  /** The collection that starts on the current line, at column `column`. */
  private nestedCollection(column: number, path: string, depth: number): unknown {
    const first = this.lineStart + column;
    if (this.isSequenceEntry(first)) return this.sequence(column, path, depth);
    return this.mapping(column, first, path, depth);
  }

  private isSequenceEntry(at: number): boolean {
    if (this.text.charCodeAt(at) !== DASH) return false;
    return at + 1 === this.lineEnd || this.text.charCodeAt(at + 1) === SPACE;
  }

  /** Whether the text at `at` (on the current line) opens a `key: value` pair. */
  private startsMapping(at: number): boolean {
    const c = this.text.charCodeAt(at);
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const close = this.indexInLine(c, at + 1);
      return close !== -1 && this.text.charCodeAt(close + 1) === COLON;
    }
    return this.keyIndicator(at) !== -1;
  }

  /** Offset of the `:` ending a plain key that starts at `at`, or -1 if there is none. */
  private keyIndicator(at: number): number {
    const { text, lineEnd } = this;
    let colon = this.indexInLine(COLON, at);
    while (colon !== -1) {
      if (colon + 1 === lineEnd || text.charCodeAt(colon + 1) === SPACE) return colon;
      colon = this.indexInLine(COLON, colon + 1);
    }
    return -1;
  }

  // ---- keys and values ---------------------------------------------------------------------

  /** The member name of the key at `at`, and where its value starts (just past the `:`). */
  private key(at: number): { name: string; valueStart: number } {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const { value, after } = this.quoted(at);
      if (text.charCodeAt(after) !== COLON) decline();
      const valueStart = after + 1;
      if (valueStart !== this.lineEnd && text.charCodeAt(valueStart) !== SPACE) decline();
      return { name: value, valueStart };
    }
    const colon = this.keyIndicator(at);
    if (colon === -1 || colon - at > MAX_IMPLICIT_KEY) decline();
    const raw = text.slice(at, colon);
    if (!isSafePlain(raw)) decline();
    const resolved = resolvePlainScalar(raw);
    if (resolved.kind === 'int' && !Number.isSafeInteger(resolved.value)) decline();
    if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) decline();
    const name = keyString(resolved);
    if (name === undefined) decline();
    return { name, valueStart: colon + 1 };
  }

  /**
   * The value that follows an indicator (`key:` or `- `) at `from` on the current line, which
   * belongs to a collection at column `parentColumn`. Leaves the reader on the next content line.
   */
  private value(
    from: number,
    parentColumn: number,
    path: string,
    depth: number,
    inMapping: boolean,
  ): unknown {
    const { text, lineEnd } = this;
    let at = from;
    while (at < lineEnd && text.charCodeAt(at) === SPACE) at++;
    if (at === lineEnd || (text.charCodeAt(at) === HASH && at > from)) {
      this.advance();
      if (this.hasLine && this.indent > parentColumn) {
        return this.nestedCollection(this.indent, path, depth + 1);
      }
      // A sequence may sit at its key's own column ("key:\n- a").
      if (inMapping && this.hasLine && this.indent === parentColumn) {
        if (this.isSequenceEntry(this.lineStart + parentColumn)) {
          return this.sequence(parentColumn, path, depth + 1);
        }
      }
      return null;
    }
    const c = text.charCodeAt(at);
    let value: unknown;
    if (c === PIPE) {
      return this.literalBlock(at, parentColumn);
    } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const quoted = this.quoted(at);
      if (!this.isBlankOrCommentFrom(quoted.after, lineEnd)) decline();
      value = quoted.value;
    } else if (c === 0x5b || c === 0x7b) {
      // A flow collection that closes on its own line (`groupRef: {name: tools}`, `[a, b]`).
      const flow = this.flowCollection(at, path, depth + 1);
      if (!this.isBlankOrCommentFrom(flow.after, lineEnd)) decline();
      value = flow.value;
    } else {
      value = this.plainValue(at);
    }
    this.advance();
    // More indented content after a one-line value would continue it (or be an error).
    if (this.hasLine && this.indent > parentColumn) decline();
    return value;
  }

  /**
   * `{...}` or `[...]` at `at`, closing on the current line: members `key: value` with plain or
   * quoted keys, values that are plain or quoted scalars or nested flow collections, separated
   * by `, `. Anything else (a trailing comma, `key:` without a space, implicit entries, a plain
   * scalar holding a flow indicator, merges, duplicates) is declined.
   */
  private flowCollection(
    at: number,
    path: string,
    depth: number,
  ): { value: Record<string, unknown> | unknown[]; after: number } {
    if (depth > MAX_DEPTH) decline();
    const { text } = this;
    const mapping = text.charCodeAt(at) === 0x7b;
    const close = mapping ? 0x7d : 0x5d;
    const out: Record<string, unknown> | unknown[] = mapping ? {} : [];
    let i = this.skipSpaces(at + 1);
    if (text.charCodeAt(i) === close) return { value: out, after: i + 1 };
    for (;;) {
      if (mapping) {
        const keyStart = i;
        let name: string;
        if (text.charCodeAt(i) === DOUBLE_QUOTE || text.charCodeAt(i) === SINGLE_QUOTE) {
          const quoted = this.quoted(i);
          name = quoted.value;
          i = quoted.after;
        } else {
          const end = this.flowPlainEnd(i);
          const raw = text.slice(i, end).trimEnd();
          if (!isSafeFlowPlain(raw)) decline();
          const resolved = resolvePlainScalar(raw);
          if (resolved.kind === 'int' && !Number.isSafeInteger(resolved.value)) decline();
          if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) decline();
          const key = keyString(resolved);
          if (key === undefined) decline();
          name = key;
          i = end;
        }
        if (text.charCodeAt(i) !== COLON || text.charCodeAt(i + 1) !== SPACE) decline();
        const record = out as Record<string, unknown>;
        if (name === '<<' || name === '__proto__' || Object.hasOwn(record, name)) decline();
        const memberPath = this.child(path, name);
        this.record(memberPath, keyStart);
        const member = this.flowValue(this.skipSpaces(i + 1), memberPath, depth);
        record[name] = member.value;
        i = member.after;
      } else {
        const list = out as unknown[];
        const itemPath = this.child(path, String(list.length));
        this.record(itemPath, i);
        const item = this.flowValue(i, itemPath, depth);
        list.push(item.value);
        i = item.after;
      }
      i = this.skipSpaces(i);
      const c = text.charCodeAt(i);
      if (c === close) return { value: out, after: i + 1 };
      if (c !== 0x2c || text.charCodeAt(i + 1) !== SPACE) decline();
      i = this.skipSpaces(i + 1);
      if (text.charCodeAt(i) === close || text.charCodeAt(i) === 0x2c) decline();
    }
  }

  private flowValue(at: number, path: string, depth: number): { value: unknown; after: number } {
    const { text } = this;
    if (at >= this.lineEnd) decline();
    const c = text.charCodeAt(at);
    if (c === 0x5b || c === 0x7b) return this.flowCollection(at, path, depth + 1);
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const quoted = this.quoted(at);
      return { value: quoted.value, after: quoted.after };
    }
    const end = this.flowPlainEnd(at);
    const raw = text.slice(at, end).trimEnd();
    if (!isSafeFlowPlain(raw)) decline();
    const resolved = resolvePlainScalar(raw);
    if (resolved.kind === 'int' && !Number.isSafeInteger(resolved.value)) decline();
    if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) decline();
    return { value: resolved.value, after: end };
  }

  /** Where a plain scalar in flow context that starts at `at` ends (`,`, `]`, `}` or `: `). */
  private flowPlainEnd(at: number): number {
    const { text, lineEnd } = this;
    let i = at;
    while (i < lineEnd) {
      const c = text.charCodeAt(i);
      if (c === 0x2c || c === 0x5d || c === 0x7d) break;
      if (c === COLON && text.charCodeAt(i + 1) === SPACE) break;
      i++;
    }
    return i;
  }

  private skipSpaces(at: number): number {
    let i = at;
    while (i < this.lineEnd && this.text.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** A one-line plain scalar from `at`, resolved by the YAML 1.1 rules. */
  private plainValue(at: number): unknown {
    const { text, lineEnd } = this;
    let stop = lineEnd;
    for (
      let hash = this.indexInLine(HASH, at);
      hash !== -1;
      hash = this.indexInLine(HASH, hash + 1)
    ) {
      if (text.charCodeAt(hash - 1) === SPACE) {
        stop = hash;
        break;
      }
    }
    while (stop > at && text.charCodeAt(stop - 1) === SPACE) stop--;
    const raw = text.slice(at, stop);
    if (!isSafePlain(raw)) decline();
    const resolved = resolvePlainScalar(raw);
    if (resolved.kind === 'int' && !Number.isSafeInteger(resolved.value)) decline();
    if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) decline();
    return resolved.value;
  }

  /**
   * A quoted scalar that closes on its own line. Double-quoted ones may hold the escapes JSON
   * and go-yaml read alike (`\n`, `\t`, `\r`, `\"`, `\\`: a PEM or a script in a generated
   * manifest); any other escape is declined (`\/`, which go-yaml refuses, included).
   */
  private quoted(at: number): { value: string; after: number } {
    const { text, lineEnd } = this;
    const quote = text.charCodeAt(at);
    if (quote === DOUBLE_QUOTE) {
      let value = '';
      let from = at + 1;
      for (let i = from; i < lineEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === DOUBLE_QUOTE) return { value: value + text.slice(from, i), after: i + 1 };
        if (c !== BACKSLASH) continue;
        const escaped = SIMPLE_ESCAPES.get(text.charCodeAt(i + 1));
        if (escaped === undefined || i + 1 >= lineEnd) decline();
        value += text.slice(from, i) + escaped;
        i += 1;
        from = i + 1;
      }
      decline();
    }
    let value = '';
    let from = at + 1;
    for (;;) {
      const close = this.indexInLine(SINGLE_QUOTE, from);
      if (close === -1) decline();
      value += text.slice(from, close);
      if (text.charCodeAt(close + 1) !== SINGLE_QUOTE) return { value, after: close + 1 };
      value += "'";
      from = close + 2;
    }
  }

  /** `|` or `|-` at `at`: the lines after it, more indented than `parentColumn`, as text. */
  private literalBlock(at: number, parentColumn: number): string {
    const { text, end } = this;
    let header = at + 1;
    const chomp = text.charCodeAt(header);
    const strip = chomp === DASH;
    if (strip) header++;
    if (!this.isBlankOrCommentFrom(header, this.lineEnd)) decline(); // `|+`, `|2`, ...
    const lines: string[] = [];
    let contentIndent = -1;
    let lastContent = -1; // index in `lines` of the last line with text
    let start = this.lineEnd + 1;
    while (start < end) {
      const lineEnd = this.findLineEnd(start);
      let i = start;
      while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
      const spaces = i - start;
      if (i === lineEnd) {
        // A line of spaces only is an empty line, unless its spaces are content (or, before
        // the first text line, an indentation error): those cases stay with `yaml`.
        if (contentIndent === -1 ? spaces > 0 : spaces > contentIndent) decline();
        lines.push('');
      } else {
        if (contentIndent === -1) {
          if (spaces <= parentColumn) break;
          contentIndent = spaces;
        } else if (spaces < contentIndent) {
          // A less indented line ends the block; one still inside the parent is left to `yaml`.
          if (spaces > parentColumn) decline();
          break;
        }
        if (lineEnd === text.length) decline(); // no final line break: `yaml` adds one
        lines.push(text.slice(start + contentIndent, lineEnd));
        lastContent = lines.length - 1;
      }
      start = lineEnd + 1;
    }
    this.next = start < end ? start : end;
    this.advance();
    if (this.hasLine && this.indent > parentColumn) decline();
    if (lastContent === -1) return '';
    const body = lines.slice(0, lastContent + 1).join('\n');
    return strip ? body : body + '\n';
  }
}

/**
 * A plain scalar inside a flow collection: a safe block plain scalar that also holds no flow
 * indicator, quote or `:` at its end, and no `#` at all (comments and go-yaml's `x:` reading
 * stay with `yaml`).
 */
function isSafeFlowPlain(raw: string): boolean {
  return isSafePlain(raw) && !/[[\]{},"'#]/.test(raw) && !raw.endsWith(':');
}

/**
 * A one-line plain scalar as written: it must not start with an indicator (or `- `), and must
 * not hold a `: ` (a nested mapping, an error) or end with `:`.
 */
function isSafePlain(raw: string): boolean {
  if (raw.length === 0) return false;
  const first = raw.charCodeAt(0);
  if (isIndicator(first)) return false;
  if (first === DASH && (raw.length === 1 || raw.charCodeAt(1) === SPACE)) return false;
  if (raw.charCodeAt(raw.length - 1) === COLON || raw.charCodeAt(raw.length - 1) === SPACE) {
    return false;
  }
  return !raw.includes(': ') && !raw.includes(' #');
}
