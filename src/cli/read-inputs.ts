// Files and stdin to documents, through the project's manifest reader (kubectl's YAML rules,
// paths, directories and globs expanded, positions, hostile-input limits). This file only
// adapts the reader's shapes to the report's.
import { readManifests, type ManifestDocument } from '../manifests/read-manifests.ts';
import type { InputError, SkippedInput } from './check-report.ts';

export interface Inputs {
  readonly documents: readonly ManifestDocument[];
  readonly contextDocuments: readonly ManifestDocument[];
  readonly errors: readonly InputError[];
  readonly skipped: readonly SkippedInput[];
}

type ReadIo = { readonly stdin: NodeJS.ReadableStream; readonly cwd: string };

async function read(
  paths: readonly string[],
  io: ReadIo,
  exclude: readonly string[],
): Promise<{ documents: ManifestDocument[]; errors: InputError[]; skipped: SkippedInput[] }> {
  const { documents, errors, skipped } = await readManifests(paths, {
    stdin: io.stdin,
    cwd: io.cwd,
    exclude,
  });
  return {
    documents,
    skipped,
    errors: errors.map((e) => ({
      source: e.source,
      ...(e.line === undefined ? {} : { line: e.line, column: e.column ?? 1 }),
      message: e.message,
    })),
  };
}

export async function readInputs(
  paths: readonly string[],
  context: readonly string[],
  io: ReadIo,
  exclude: readonly string[] = [],
): Promise<Inputs> {
  const checked = await read(paths, io, exclude);
  const neighbours =
    context.length === 0
      ? { documents: [], errors: [], skipped: [] }
      : await read(context, io, exclude);
  return {
    documents: checked.documents,
    contextDocuments: neighbours.documents,
    errors: [...checked.errors, ...neighbours.errors],
    skipped: checked.skipped,
  };
}
