// Text of one file (or stdin) to Kubernetes objects, as `kubectl apply -f` reads it: a stream
// of `---`-separated YAML documents (JSON is one of them), empty documents skipped, `List`
// kinds expanded into their items. A broken document is reported with its position and the
// other documents of the file are still returned.
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, SchemaOptions, YAMLError } from 'yaml';
import { parseBlockSubset } from './block-subset-parser.ts';
import { constructDocument, pathKey } from './construct.ts';
import { splitDocuments } from './document-chunks.ts';
import type { DocumentChunk } from './document-chunks.ts';
import { findHostileNesting } from './hostile-input.ts';
import { LineIndex } from './line-index.ts';
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
  prettyErrors: false,
};

export function parseManifestText(text: string, source: string): ParsedManifests {
  const hostile = findHostileNesting(text);
  if (hostile !== undefined) {
    const line = text.slice(0, hostile.offset).split('\n').length;
    const column = hostile.offset - text.lastIndexOf('\n', hostile.offset - 1);
    return { documents: [], errors: [{ source, line, column, message: hostile.message }] };
  }
  return parseDocumentByDocument(text, source) ?? parseWholeStreamWithYaml(text, source);
}

/**
 * The fast way: cut the stream into documents and read each with the block-subset parser, or
 * with `yaml` when that declines. Undefined when anything is wrong or unusual (a cut this scan
 * is unsure of, a syntax error, a document that is not an object): the whole-stream parse then
 * reads the file again, so errors are always reported exactly as that parse reports them.
 */
function parseDocumentByDocument(text: string, source: string): ParsedManifests | undefined {
  const chunks = splitDocuments(text);
  if (chunks === undefined) return undefined;
  const lines = new LineIndex(text);
  const position = (offset: number): SourcePosition => lines.position(offset);
  const documents: ManifestDocument[] = [];
  for (const chunk of chunks) {
    const read = readChunk(text, chunk);
    if (read === undefined) return undefined;
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
          }),
        );
      },
    );
    if (problems.length > 0) return undefined;
  }
  return { documents, errors: [] };
}

interface ReadChunk {
  readonly value: unknown;
  readonly rootOffset: number;
  readonly offsets: () => ReadonlyMap<string, number>;
}

function readChunk(text: string, chunk: DocumentChunk): ReadChunk | undefined {
  const { start, end } = chunk;
  const fast = parseBlockSubset(text, start, end);
  if (fast !== undefined) {
    let offsets: Map<string, number> | undefined;
    // Field positions are found again, only for documents with findings that ask for one.
    const offsetsOnDemand = (): ReadonlyMap<string, number> => {
      if (offsets === undefined) {
        offsets = new Map();
        parseBlockSubset(text, start, end, offsets);
      }
      return offsets;
    };
    return { value: fast.value, rootOffset: fast.rootOffset, offsets: offsetsOnDemand };
  }
  const parsed = parseAllDocuments(text.slice(start, end), YAML_OPTIONS);
  if (!Array.isArray(parsed) || parsed.length !== 1) return undefined;
  const [doc] = parsed;
  if (doc === undefined || doc.errors.length > 0) return undefined;
  const rootOffset = doc.contents?.range[0] ?? doc.range[0];
  const constructed = constructDocument(doc.contents, rootOffset);
  if (constructed.errors.length > 0) return undefined;
  const offsets = new Map<string, number>();
  for (const [key, offset] of constructed.offsets) offsets.set(key, offset + start);
  return { value: constructed.value, rootOffset: rootOffset + start, offsets: () => offsets };
}

/**
 * `yaml` over the whole stream: the reference reading, and the one that reports errors.
 * Exported for the differential test; callers use parseManifestText.
 */
export function parseWholeStreamWithYaml(text: string, source: string): ParsedManifests {
  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const parsed = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });

  parsed.forEach((doc: Document.Parsed, index) => {
    if (doc.errors.length > 0) {
      const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
      const reported = exhausted === undefined ? doc.errors : [exhausted];
      for (const error of reported.slice(0, MAX_SYNTAX_ERRORS_PER_DOCUMENT)) {
        errors.push({ source, ...position(error.pos[0]), message: syntaxMessage(error) });
      }
      return;
    }
    const rootOffset = doc.contents?.range[0] ?? doc.range[0];
    const constructed = constructDocument(doc.contents, rootOffset);
    if (constructed.errors.length > 0) {
      for (const error of constructed.errors) {
        errors.push({ source, ...position(error.offset), message: error.message });
      }
      return;
    }
    const offsets = (): ReadonlyMap<string, number> => constructed.offsets;
    collectObjects(constructed.value, offsets, [], undefined, (object, prefix, listItem) => {
      documents.push(
        createManifestDocument({
          source,
          index,
          listItem,
          object,
          prefix,
          start: constructed.offsets.get(pathKey(prefix)) ?? 0,
          offsets,
          position,
        }),
      );
    }).forEach((problem) => {
      errors.push({ source, ...position(problem.offset), message: problem.message });
    });
  });
  return { documents, errors };
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
