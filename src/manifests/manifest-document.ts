// One Kubernetes object read from a manifest, and one problem that stopped an object (or a whole
// file) from being read. Problems are values: the CLI reports each with its position and keeps
// checking the other files.
import { stepsOf, type FieldPath } from '../model/field-path.ts';
import { pathKey } from './construct.ts';

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
}

export interface ManifestDocument {
  /** File path as given or found (`<stdin>` for `-`). */
  readonly source: string;
  /** 0-based index of the YAML document in its file (items of a List share their List's). */
  readonly index: number;
  /** 0-based position in the `items` of the List this object came from, if it did. */
  readonly listItem?: number;
  /** Where the object starts. */
  readonly line: number;
  readonly column: number;
  /** The object as the API server would receive it (JSON types only). */
  readonly object: Record<string, unknown>;
  /**
   * Where a field's value is written, for a Kubernetes field path such as `spec.remoteUrl`,
   * `spec.headerForward.addHeadersFromSecret[0].headerName` or `metadata.labels[app]` (the
   * key's position when the value is empty or cannot be told apart). Undefined when the field
   * is not in the source.
   */
  locate(fieldPath: FieldPath): SourcePosition | undefined;
  /**
   * `locate`, falling back to the nearest enclosing field that exists (its key: a missing
   * member is reported where its parent is named), at worst the object.
   */
  locateNearest(fieldPath: FieldPath): SourcePosition;
}

export interface ManifestError {
  readonly source: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export function createManifestDocument(init: {
  source: string;
  index: number;
  listItem: number | undefined;
  object: Record<string, unknown>;
  /** Segments from the YAML document's root to this object (`['items', 3]` for a List item). */
  prefix: readonly string[];
  /** Offset where the object starts. */
  start: number;
  /**
   * Field offsets of the whole YAML document, keyed by construct.ts's `pathKey`; asked for only
   * when a finding needs a position, so a reader may compute them lazily (and cache them).
   */
  offsets: () => ReadonlyMap<string, number>;
  position: (offset: number) => SourcePosition;
  /** The text the offsets point into, to step from a member's key to its value. */
  text: string;
}): ManifestDocument {
  const { offsets, position, prefix, text } = init;
  const offsetAt = (segments: readonly (string | number)[]): number | undefined =>
    offsets().get(pathKey([...prefix, ...segments]));
  const start = position(init.start);
  // Readers record a map member at its key and a list item at its node.
  const valueAt = (segments: readonly (string | number)[], offset: number): number =>
    typeof segments.at(-1) === 'number' ? offset : valueOffset(text, offset);
  const locate = (fieldPath: FieldPath): SourcePosition | undefined => {
    if (fieldPath.length === 0) return start;
    const segments = stepsOf(fieldPath);
    const offset = offsetAt(segments);
    return offset === undefined ? undefined : position(valueAt(segments, offset));
  };
  const locateNearest = (fieldPath: FieldPath): SourcePosition => {
    const segments = stepsOf(fieldPath);
    for (let length = segments.length; length > 0; length--) {
      const offset = offsetAt(segments.slice(0, length));
      if (offset === undefined) continue;
      return position(length === segments.length ? valueAt(segments, offset) : offset);
    }
    return start;
  };
  const document: ManifestDocument = {
    source: init.source,
    index: init.index,
    line: start.line,
    column: start.column,
    object: init.object,
    locate,
    locateNearest,
    ...(init.listItem === undefined ? {} : { listItem: init.listItem }),
  };
  return document;
}

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * From a member's key at `at` to where its value is written: past the key (plain or quoted),
 * the `:` and blanks; to the next line's content when the value is a nested block. `at` itself
 * when the value is empty or the shape is not recognised (explicit `?` keys, aliases).
 */
export function valueOffset(text: string, at: number): number {
  let i = at;
  const first = text.charCodeAt(i);
  if (first === 0x22 || first === 0x27) {
    i = quotedEnd(text, i);
    if (i < 0) return at;
    while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
    if (text.charCodeAt(i) !== 0x3a) return at;
  } else {
    for (;;) {
      if (i >= text.length) return at;
      const c = text.charCodeAt(i);
      if (c === NEWLINE) return at;
      if (c === 0x3a && isBlankOrEnd(text.charCodeAt(i + 1), i + 1 >= text.length)) break;
      i++;
    }
  }
  i++; // past ':'
  while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
  const next = text.charCodeAt(i);
  if (i < text.length && next !== 0x23 && next !== NEWLINE && next !== CR) return i;
  // A block value starts on a following line, indented more than the key (a sequence may sit
  // at the key's own column).
  const keyColumn = at - (text.lastIndexOf('\n', at - 1) + 1);
  let lineStart = text.indexOf('\n', i) + 1;
  while (lineStart > 0 && lineStart < text.length) {
    let j = lineStart;
    while (text.charCodeAt(j) === SPACE) j++;
    const c = text.charCodeAt(j);
    if (c !== NEWLINE && c !== CR && c !== 0x23 && j < text.length) {
      const column = j - lineStart;
      const dash = c === 0x2d && isBlankOrEnd(text.charCodeAt(j + 1), j + 1 >= text.length);
      return column > keyColumn || (dash && column === keyColumn) ? j : at;
    }
    lineStart = text.indexOf('\n', j) + 1;
  }
  return at;
}

function isBlankOrEnd(c: number, end: boolean): boolean {
  return end || c === SPACE || c === TAB || c === NEWLINE || c === CR;
}

/** Offset just past a quoted scalar starting at `at`, or -1. */
function quotedEnd(text: string, at: number): number {
  const quote = text.charCodeAt(at);
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 0x22 && c === 0x5c) i++;
    else if (c === quote) {
      if (quote === 0x27 && text.charCodeAt(i + 1) === 0x27) i++;
      else return i + 1;
    }
  }
  return -1;
}
