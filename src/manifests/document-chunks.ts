// Cut a manifest stream into its documents exactly where `kubectl apply -f` cuts it
// (apimachinery's YAMLOrJSONDecoder, Kubernetes 1.34), before any YAML parsing:
//
//   - JSON: when the first non-space character of the stream is `{`, the stream is read as a
//     sequence of JSON values. If the first value is not JSON, the whole stream is YAML; if the
//     second is not, the rest (after the first value and the spaces up to the next line break)
//     is YAML; after two or more values, a broken one is an error.
//   - YAML: a line that starts with `---` separates documents. Only spaces or a comment may
//     follow the `---`; anything else (`--- a: 1`, `--- {}`, `----`) is an error that stops the
//     stream, as it stops kubectl. The separator line belongs to the next document only when
//     nothing precedes it in the current one (so a leading `---` line is read by the YAML
//     parser, and a `---#x` there is plain text).
//   - Each YAML piece is then read as ONE YAML document: a `%` directive before its content
//     (which can never be followed by its `---` inside the piece) or a `...` before any content
//     is an error, and whatever follows a `...` end marker is ignored, because go-yaml reads
//     only the first document and kubectl never sees the rest.
//
// The differential test (test/manifests/differential.test.ts) checks these rules against the
// real decoder.
import { CR, HASH, NEWLINE, PERCENT, SPACE, TAB } from '../char-codes.ts';

export interface DocumentChunk {
  /** 0-based index of the document in the stream. */
  readonly index: number;
  /** Offset of the document's first line. */
  readonly start: number;
  /** Offset just past its content (the `...` marker, the next separator or the end). */
  readonly end: number;
  /** A JSON value of a JSON stream (parsed as YAML for positions, but never normalised). */
  readonly json: boolean;
}

export interface StreamError {
  readonly offset: number;
  readonly message: string;
}

export interface SplitStream {
  readonly chunks: DocumentChunk[];
  /** What stopped the stream, as it stops kubectl; the chunks before it are still read. */
  readonly error?: StreamError;
}

/** YAMLOrJSONDecoder's look-ahead: JSON is recognised within the first 4096 bytes. */
const JSON_SNIFF_BYTES = 4096;

export function splitDocuments(text: string): SplitStream {
  const chunks: DocumentChunk[] = [];
  let yamlFrom = 0;
  if (looksLikeJson(text)) {
    let at = skipJsonSpace(text, 0);
    let count = 0;
    for (;;) {
      if (at >= text.length) return { chunks };
      const end = jsonValueEnd(text, at);
      if (end === undefined) {
        if (count > 1)
          return { chunks, error: { offset: at, message: 'invalid JSON value in a JSON stream' } };
        break;
      }
      chunks.push({ index: chunks.length, start: at, end, json: true });
      count += 1;
      yamlFrom = end;
      at = skipJsonSpace(text, end);
    }
    yamlFrom = count === 0 ? 0 : afterSpacesToLineBreak(text, yamlFrom);
  }
  return splitYaml(text, yamlFrom, chunks);
}

function splitYaml(text: string, from: number, chunks: DocumentChunk[]): SplitStream {
  let open = -1; // start of the piece being collected, or -1 while it is empty
  const emit = (end: number): StreamError | undefined => {
    if (open >= 0) chunks.push({ index: chunks.length, start: open, end, json: false });
    open = -1;
    return undefined;
  };
  let lineStart = from;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    if (text.startsWith('---', lineStart)) {
      const rest = goTrimSpace(text.slice(lineStart + 3, lineEnd));
      if (rest !== '' && !rest.startsWith('#')) {
        const error = emit(lineStart);
        return {
          chunks,
          error: error ?? {
            offset: lineStart,
            message: `invalid document separator "---${text.slice(lineStart + 3, lineEnd).replace(/\r$/, '')}": only spaces or a comment may follow --- (kubectl refuses the file here)`,
          },
        };
      }
      if (open >= 0) {
        const error = emit(lineStart);
        if (error !== undefined) return { chunks, error };
        lineStart = lineEnd + 1;
        continue; // the separator ends this piece and belongs to none
      }
    }
    if (open < 0) open = lineStart;
    lineStart = lineEnd + 1;
  }
  const error = emit(text.length);
  return error === undefined ? { chunks } : { chunks, error };
}

/**
 * The part of a YAML piece (with go-yaml's line breaks already made `\n`, see line-breaks.ts)
 * that go-yaml reads: up to a `...` line that ends its first document. A piece whose first
 * significant line is a directive or a `...` is refused, as go-yaml refuses it. Offsets are
 * relative to the piece.
 */
export function firstDocument(text: string): { end: number } | StreamError {
  const start = 0;
  const end = text.length;
  let content = false;
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const marker = isEndMarker(text, lineStart, lineEnd);
    if (!content && !isBlankOrComment(text, lineStart, lineEnd)) {
      if (text.charCodeAt(lineStart) === PERCENT) {
        return {
          offset: lineStart,
          message:
            'YAML directives (%YAML, %TAG) are refused by kubectl: its decoder splits the stream at --- before the YAML parser sees the directive',
        };
      }
      if (marker) {
        return { offset: lineStart, message: 'document end marker (...) before any document' };
      }
      content = true;
    } else if (marker && content) {
      return { end: lineStart };
    }
    lineStart = lineEnd + 1;
  }
  return { end };
}

/** `...` at column 0 followed by white space or the end of the line. */
function isEndMarker(text: string, start: number, end: number): boolean {
  if (end - start < 3 || !text.startsWith('...', start)) return false;
  if (start + 3 === end) return true;
  const next = text.charCodeAt(start + 3);
  return next === SPACE || next === TAB || next === CR;
}

/** Only white space, or white space and a comment, between `start` and `end`. */
function isBlankOrComment(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === HASH) return i === start || isSpace(text.charCodeAt(i - 1));
    if (!isSpace(c) && c !== CR && c !== NEWLINE) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** Go's unicode.IsSpace. */
function isGoSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Go's strings.TrimSpace. */
function goTrimSpace(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && isGoSpace(s.charCodeAt(from))) from++;
  while (to > from && isGoSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function looksLikeJson(text: string): boolean {
  const limit = Math.min(text.length, JSON_SNIFF_BYTES);
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (!isGoSpace(c)) return c === 0x7b;
  }
  return false;
}

function skipJsonSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== NEWLINE && c !== CR) break;
    i++;
  }
  return i;
}

/** The decoder eats white space after the last JSON value up to and including a line break. */
function afterSpacesToLineBreak(text: string, at: number): number {
  let i = at;
  while (i < text.length && isGoSpace(text.charCodeAt(i))) {
    if (text.charCodeAt(i++) === NEWLINE) break;
  }
  return i;
}

/** End of the JSON value starting at `at`, or undefined if none is there. */
function jsonValueEnd(text: string, at: number): number | undefined {
  const c = text.charCodeAt(at);
  let end: number | undefined;
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let i = at;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        const close = stringEnd(text, i);
        if (close === undefined) return undefined;
        i = close - 1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) break;
      }
    }
    if (depth !== 0) return undefined;
    end = i + 1;
  } else if (c === 0x22) {
    end = stringEnd(text, at);
  } else {
    let i = at;
    while (i < text.length && !/[\s,[\]{}":]/.test(text[i] ?? '')) i++;
    end = i === at ? undefined : i;
  }
  if (end === undefined) return undefined;
  try {
    JSON.parse(text.slice(at, end));
  } catch {
    return undefined;
  }
  return end;
}

function stringEnd(text: string, quote: number): number | undefined {
  for (let i = quote + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return undefined;
}
