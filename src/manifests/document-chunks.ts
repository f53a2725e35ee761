// Cut a YAML stream into its documents before parsing, so each document can be parsed on its
// own (by the fast block-subset parser, or by `yaml` when that declines). YAML makes this safe
// to do by lines: a line starting at column 0 with `---` or `...` followed by white space or
// the end of the line is a document marker wherever it appears, even inside a block scalar or
// an unclosed quote (YAML 1.2, c-forbidden; the `yaml` package agrees). The cut only has to
// count documents as `yaml` does; anything this scan is unsure about (directives, a stray
// `...`) returns undefined and the caller parses the stream whole.
import { CR, HASH, NEWLINE, PERCENT, SPACE, TAB } from '../char-codes.ts';

export interface DocumentChunk {
  /** 0-based index of the document in the stream, as `yaml`'s parseAllDocuments numbers it. */
  readonly index: number;
  /** Offset of the document's first line (its `---` line, if it has one). */
  readonly start: number;
  /** Offset just past its last line (the next marker line's start, or the end of the text). */
  readonly end: number;
}

type Marker = 'start' | 'end' | undefined;

export function splitDocuments(text: string): DocumentChunk[] | undefined {
  const chunks: DocumentChunk[] = [];
  let open = -1; // start offset of the document being read, or -1 between documents
  const close = (end: number): void => {
    if (open >= 0) chunks.push({ index: chunks.length, start: open, end });
    open = -1;
  };
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const marker = markerAt(text, lineStart, lineEnd);
    if (marker === 'start') {
      close(lineStart);
      open = lineStart;
    } else if (marker === 'end') {
      // `...` outside a document starts an empty one in `yaml`; content after it must be a comment.
      if (open < 0 || !isBlankOrComment(text, lineStart + 3, lineEnd)) return undefined;
      close(lineStart);
    } else if (open < 0 && !isBlankOrComment(text, lineStart, lineEnd)) {
      // Directives (`%YAML`, `%TAG`) bind to the next document; leave them to the whole parse.
      if (text.charCodeAt(lineStart) === PERCENT) return undefined;
      open = lineStart;
    }
    lineStart = lineEnd + 1;
  }
  close(text.length);
  return chunks;
}

function markerAt(text: string, start: number, end: number): Marker {
  if (end - start < 3) return undefined;
  const c = text.charCodeAt(start);
  if (c !== 0x2d && c !== 0x2e) return undefined;
  if (text.charCodeAt(start + 1) !== c || text.charCodeAt(start + 2) !== c) return undefined;
  if (start + 3 < end) {
    const next = text.charCodeAt(start + 3);
    if (next !== SPACE && next !== TAB && next !== CR) return undefined;
  }
  return c === 0x2d ? 'start' : 'end';
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
