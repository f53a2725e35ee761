// Text of one file (or stdin) to Kubernetes objects, as `kubectl apply -f` reads it: a stream
// of `---`-separated YAML documents (JSON is one of them), empty documents skipped, `List`
// kinds expanded into their items. A broken document is reported with its position and the
// other documents of the file are still returned.
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import { constructDocument, pathKey } from './construct.ts';
import type { Constructed } from './construct.ts';
import { findHostileNesting } from './hostile-input.ts';
import { createManifestDocument } from './manifest-document.ts';
import type { ManifestDocument, ManifestError } from './manifest-document.ts';

export interface ParsedManifests {
  readonly documents: ManifestDocument[];
  readonly errors: ManifestError[];
}

/** Syntax errors reported per YAML document; the first few locate the problem well enough. */
const MAX_SYNTAX_ERRORS_PER_DOCUMENT = 3;

export function parseManifestText(text: string, source: string): ParsedManifests {
  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  const lineCounter = new LineCounter();
  const positionOf = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const hostile = findHostileNesting(text);
  if (hostile !== undefined) {
    const line = text.slice(0, hostile.offset).split('\n').length;
    const column = hostile.offset - text.lastIndexOf('\n', hostile.offset - 1);
    return { documents, errors: [{ source, line, column, message: hostile.message }] };
  }

  const parsed = parseAllDocuments(text, {
    schema: 'failsafe', // every scalar stays text; construct.ts applies Kubernetes' YAML 1.1 rules
    uniqueKeys: false, // duplicates are judged after key resolution (`on` and `true` collide)
    lineCounter,
    prettyErrors: false,
  });

  parsed.forEach((doc: Document.Parsed, index) => {
    if (doc.errors.length > 0) {
      const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
      const reported = exhausted === undefined ? doc.errors : [exhausted];
      for (const error of reported.slice(0, MAX_SYNTAX_ERRORS_PER_DOCUMENT)) {
        errors.push({ source, ...positionOf(error.pos[0]), message: syntaxMessage(error) });
      }
      return;
    }
    const rootOffset = doc.contents?.range[0] ?? doc.range[0];
    const constructed = constructDocument(doc.contents, rootOffset);
    if (constructed.errors.length > 0) {
      for (const error of constructed.errors) {
        errors.push({ source, ...positionOf(error.offset), message: error.message });
      }
      return;
    }
    collectObjects(constructed, [], undefined, (object, prefix, listItem) => {
      documents.push(
        createManifestDocument({
          source,
          index,
          listItem,
          object,
          prefix,
          offsets: constructed.offsets,
          lineCounter,
        }),
      );
    }).forEach((problem) => {
      errors.push({ source, ...positionOf(problem.offset), message: problem.message });
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
  constructed: Constructed,
  prefix: readonly string[],
  listItem: number | undefined,
  sink: ObjectSink,
): { offset: number; message: string }[] {
  const value = valueAtPrefix(constructed.value, prefix);
  const offset = constructed.offsets.get(pathKey(prefix)) ?? 0;
  if (value === null && prefix.length === 0) return []; // an empty document, as kubectl skips
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'a sequence' : value === null ? 'null' : typeof value;
    return [{ offset, message: `expected a Kubernetes object (a mapping), found ${what}` }];
  }
  if (isListKind(value)) {
    const items = value['items'] as unknown[];
    return items.flatMap((_, i) =>
      collectObjects(constructed, [...prefix, 'items', String(i)], i, sink),
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
