// Text of one file (or stdin) to Kubernetes objects, as `kubectl apply -f` reads it: a JSON
// stream or a stream of `---`-separated YAML documents, cut where kubectl cuts it
// (document-chunks.ts), empty documents skipped, `List` kinds expanded into their items. A
// broken document is reported with its position and the other documents of the file are still
// returned; a broken separator stops the file there, as it stops kubectl.
import { parseAllDocuments } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, SchemaOptions, YAMLError } from 'yaml';
import { parseBlockSubset } from './block-subset-parser.ts';
import { constructDocument, pathKey } from './construct.ts';
import { firstDocument, splitDocuments } from './document-chunks.ts';
import type { DocumentChunk } from './document-chunks.ts';
import { findHostileNesting } from './hostile-input.ts';
import { LineIndex } from './line-index.ts';
import { MAX_UNICODE_LINE_BREAKS, normaliseUnicodeLineBreaks } from './line-breaks.ts';
import { createManifestDocument } from './manifest-document.ts';
import type { ManifestDocument, ManifestError, SourcePosition } from './manifest-document.ts';

export interface ParsedManifests {
  readonly documents: ManifestDocument[];
  readonly errors: ManifestError[];
}

/** Syntax errors reported per YAML document; the first few locate the problem well enough. */
const MAX_SYNTAX_ERRORS_PER_DOCUMENT = 3;

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'failsafe', // every scalar stays text; construct.ts applies Kubernetes' YAML 1.1 rules
  uniqueKeys: false, // duplicates are judged after key resolution (`on` and `true` collide)
  resolveKnownTags: false, // !!binary, !!omap and the like as go-yaml reads them (construct.ts)
  prettyErrors: false,
};

export function parseManifestText(text: string, source: string): ParsedManifests {
  return readStream(text, source, true);
}

/**
 * The same reading with `yaml` for every document (no block-subset fast path): the reference
 * the fast path is tested against. Callers use parseManifestText.
 */
export function parseWholeStreamWithYaml(text: string, source: string): ParsedManifests {
  return readStream(text, source, false);
}

function readStream(text: string, source: string, fast: boolean): ParsedManifests {
  const lines = new LineIndex(text);
  const position = (offset: number): SourcePosition => lines.position(offset);
  const hostile = findHostileNesting(text);
  if (hostile !== undefined) {
    return {
      documents: [],
      errors: [{ source, ...position(hostile.offset), message: hostile.message }],
    };
  }
  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  const split = splitDocuments(text);
  for (const chunk of split.chunks) {
    const read = readChunk(text, chunk, fast);
    if ('problems' in read) {
      for (const problem of read.problems) {
        errors.push({ source, ...position(problem.offset), message: problem.message });
      }
      continue;
    }
    if (read.value === null) continue; // an empty document, as kubectl skips
    const problems = collectObjects(
      read.value,
      read.offsets,
      [],
      undefined,
      (object, prefix, listItem) => {
        documents.push(
          createManifestDocument({
            source,
            index: chunk.index,
            listItem,
            object,
            prefix,
            start:
              prefix.length === 0 ? read.rootOffset : (read.offsets().get(pathKey(prefix)) ?? 0),
            offsets: read.offsets,
            position,
            text,
          }),
        );
      },
    );
    for (const problem of problems) {
      errors.push({ source, ...position(problem.offset), message: problem.message });
    }
  }
  if (split.error !== undefined) {
    errors.push({ source, ...position(split.error.offset), message: split.error.message });
  }
  return { documents, errors };
}

interface ReadChunk {
  readonly value: unknown;
  readonly rootOffset: number;
  readonly offsets: () => ReadonlyMap<string, number>;
}

interface Problem {
  readonly offset: number;
  readonly message: string;
}

function readChunk(
  text: string,
  chunk: DocumentChunk,
  fast: boolean,
): ReadChunk | { problems: Problem[] } {
  const { start } = chunk;
  const raw = text.slice(start, chunk.end);
  const normalised = chunk.json ? raw : normaliseUnicodeLineBreaks(raw);
  if (normalised === undefined) {
    return {
      problems: [
        {
          offset: start,
          message: `U+2028 or U+2029 inside a block scalar (kubectl breaks the line there but keeps the character), or more than ${MAX_UNICODE_LINE_BREAKS} Unicode line breaks (U+0085, U+2028, U+2029); refusing to parse`,
        },
      ],
    };
  }
  const first = chunk.json ? { end: raw.length } : firstDocument(normalised);
  if ('message' in first)
    return { problems: [{ offset: start + first.offset, message: first.message }] };
  const piece = normalised.slice(0, first.end);
  const end = start + first.end;
  if (fast && !chunk.json && normalised === raw) {
    const subset = parseBlockSubset(text, start, end);
    if (subset !== undefined) {
      let offsets: Map<string, number> | undefined;
      // Field positions are found again, only for documents with findings that ask for one.
      const offsetsOnDemand = (): ReadonlyMap<string, number> => {
        if (offsets === undefined) {
          offsets = new Map();
          parseBlockSubset(text, start, end, offsets);
        }
        return offsets;
      };
      return { value: subset.value, rootOffset: subset.rootOffset, offsets: offsetsOnDemand };
    }
  }
  // Only the first YAML document counts (document-chunks.ts cut the piece after it).
  const [doc] = parseAllDocuments(piece, YAML_OPTIONS) as Document.Parsed[];
  if (doc === undefined) return { value: null, rootOffset: start, offsets: () => new Map() };
  if (doc.errors.length > 0) {
    const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
    const reported = exhausted === undefined ? doc.errors : [exhausted];
    return {
      problems: reported
        .slice(0, MAX_SYNTAX_ERRORS_PER_DOCUMENT)
        .map((error) => ({ offset: start + error.pos[0], message: syntaxMessage(error) })),
    };
  }
  const rootOffset = doc.contents?.range[0] ?? doc.range[0];
  const constructed = constructDocument(doc.contents, rootOffset, piece);
  if (constructed.errors.length > 0) {
    return {
      problems: constructed.errors.map((error) => ({
        offset: start + error.offset,
        message: error.message,
      })),
    };
  }
  const offsets = new Map<string, number>();
  for (const [key, offset] of constructed.offsets) offsets.set(key, offset + start);
  return { value: constructed.value, rootOffset: rootOffset + start, offsets: () => offsets };
}

type ObjectSink = (
  object: Record<string, unknown>,
  prefix: readonly string[],
  listItem: number | undefined,
) => void;

/** Emit the document's object, or a List's items; return what is not an object. */
function collectObjects(
  root: unknown,
  offsets: () => ReadonlyMap<string, number>,
  prefix: readonly string[],
  listItem: number | undefined,
  sink: ObjectSink,
): { offset: number; message: string }[] {
  const value = valueAtPrefix(root, prefix);
  if (value === null && prefix.length === 0) return []; // an empty document, as kubectl skips
  if (!isObject(value)) {
    const offset = offsets().get(pathKey(prefix)) ?? 0;
    const what = Array.isArray(value) ? 'a sequence' : value === null ? 'null' : typeof value;
    return [{ offset, message: `expected a Kubernetes object (a mapping), found ${what}` }];
  }
  if (isListKind(value)) {
    const items = value['items'] as unknown[];
    return items.flatMap((_, i) =>
      collectObjects(root, offsets, [...prefix, 'items', String(i)], i, sink),
    );
  }
  sink(value, prefix, listItem);
  return [];
}

/** `kind: List` (kubectl's generic list) and typed lists (`ConfigMapList`) carrying `items`. */
function isListKind(object: Record<string, unknown>): boolean {
  const kind = object['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(object['items']);
}

function valueAtPrefix(root: unknown, prefix: readonly string[]): unknown {
  let node = root;
  for (const segment of prefix) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function syntaxMessage(error: YAMLError): string {
  if (error.code === 'RESOURCE_EXHAUSTION') {
    return 'nesting too deep for the YAML parser; refusing to parse';
  }
  return `YAML syntax error: ${error.message}`;
}
