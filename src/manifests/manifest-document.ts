// One Kubernetes object read from a manifest, and one problem that stopped an object (or a whole
// file) from being read. Problems are values: the CLI reports each with its position and keeps
// checking the other files.
import { parseFieldPath } from '../policy/field-path.ts';
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
   * Where a field is written, for a Kubernetes field path such as `spec.remoteUrl`,
   * `spec.headerForward.addHeadersFromSecret[0].headerName` or `metadata.labels[app]`;
   * the position of the key for map members. Undefined when the field is not in the source.
   */
  locate(fieldPath: string): SourcePosition | undefined;
  /** `locate`, falling back to the nearest enclosing field that exists (at worst the object). */
  locateNearest(fieldPath: string): SourcePosition;
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
}): ManifestDocument {
  const { offsets, position, prefix } = init;
  const offsetAt = (segments: readonly (string | number)[]): number | undefined =>
    offsets().get(pathKey([...prefix, ...segments]));
  const start = position(init.start);
  const locate = (fieldPath: string): SourcePosition | undefined => {
    if (fieldPath === '') return start;
    const segments = parseFieldPath(fieldPath);
    if (segments === undefined) return undefined;
    const offset = offsetAt(segments);
    return offset === undefined ? undefined : position(offset);
  };
  const locateNearest = (fieldPath: string): SourcePosition => {
    const segments = (fieldPath === '' ? [] : parseFieldPath(fieldPath)) ?? [];
    for (let length = segments.length; length > 0; length--) {
      const offset = offsetAt(segments.slice(0, length));
      if (offset !== undefined) return position(offset);
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
