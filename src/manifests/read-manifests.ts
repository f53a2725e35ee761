// Read every manifest named on a command line. Each file is read whole but never past a size
// cap (a multi-gigabyte file or an endless pipe must not exhaust memory), decoded as strict
// UTF-8, and parsed; a problem with one file is a value in `errors` and the others still load.
//
// Regular files are read synchronously (open, fstat, read, close): a repository of 20,000
// one-entry files spent a quarter of `check`'s CPU in the promise API's per-call overhead
// (a thread-pool hop and a FileHandle per file, bench/check/README.md). A pipe or device
// (`<(kustomize build)`, /dev/stdin) is opened without blocking and read as a stream.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeManifestBytes } from './decode-text.ts';
import { describeFsError, expandInputs } from './expand-inputs.ts';
import type { ManifestInput } from './expand-inputs.ts';
import type { ManifestDocument, ManifestError } from './manifest-document.ts';

export type { ManifestDocument, ManifestError } from './manifest-document.ts';
import { parseManifestText } from './parse-manifest-text.ts';

/** Larger than any sane manifest bundle (the API server stores objects up to 1.5 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
export interface ReadManifestsOptions {
  /** Stream read for `-` (defaults to process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
  readonly maxFileBytes?: number;
  /** Directory relative paths are read from (defaults to process.cwd()). */
  readonly cwd?: string;
  /** Globs of paths not to read (see expand-inputs.ts). */
  readonly exclude?: readonly string[];
}

/** A file or directory deliberately not read, and why. */
export interface SkippedInput {
  readonly source: string;
  readonly reason: string;
}

export interface ReadManifestsResult {
  readonly documents: ManifestDocument[];
  readonly errors: ManifestError[];
  readonly skipped: SkippedInput[];
}

const NOT_AN_OBJECT = 'expected a Kubernetes object';
export const NOT_A_MANIFEST_REASON = 'no Kubernetes objects (no document has apiVersion and kind)';
export const TEMPLATE_REASON =
  'not YAML but a template ({{ ... }}); render it first and check the output with `check -`';

export const STDIN_SOURCE = '<stdin>';

export async function readManifests(
  paths: readonly string[],
  opts: ReadManifestsOptions = {},
): Promise<ReadManifestsResult> {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cwd = opts.cwd ?? process.cwd();
  const inputs = await expandInputs(paths, cwd, { exclude: opts.exclude ?? [] });
  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  const skipped: SkippedInput[] = [];
  for (const input of inputs) {
    if (input.kind === 'skipped') {
      skipped.push({ source: input.source, reason: input.reason });
      continue;
    }
    const loaded =
      (input.kind === 'file'
        ? readRegularFile(input.path, resolve(cwd, input.path), maxBytes)
        : undefined) ?? (await loadInput(input, maxBytes, opts.stdin ?? process.stdin, cwd));
    if ('message' in loaded) {
      errors.push(loaded);
      continue;
    }
    const decoded = decodeManifestBytes(loaded.bytes);
    if (!decoded.ok) {
      errors.push({
        source: loaded.source,
        line: decoded.line,
        column: decoded.column,
        message: decoded.message,
      });
      continue;
    }
    const parsed = parseManifestText(decoded.text, loaded.source);
    // A file found in a directory (not named) that holds no Kubernetes object is some other
    // YAML (Helm values, CI configuration, a template): said, not read, not an error.
    if (input.kind === 'file' && input.found) {
      // Documents that are not mappings at all (a kustomize JSON patch is a list) count as
      // "no Kubernetes object" here, not as broken YAML.
      const onlyNonObjects = parsed.errors.every((e) => e.message.startsWith(NOT_AN_OBJECT));
      const notManifest = onlyNonObjects
        ? parsed.documents.every((d) => !hasIdentity(d.object))
          ? NOT_A_MANIFEST_REASON
          : undefined
        : parsed.documents.length === 0 && decoded.text.includes('{{')
          ? TEMPLATE_REASON
          : undefined;
      if (notManifest !== undefined) {
        skipped.push({ source: loaded.source, reason: notManifest });
        continue;
      }
    }
    documents.push(...parsed.documents);
    errors.push(...parsed.errors);
  }
  return { documents, errors, skipped };
}

function hasIdentity(object: Record<string, unknown>): boolean {
  return typeof object['apiVersion'] === 'string' && typeof object['kind'] === 'string';
}

type LoadedInput = { source: string; bytes: Uint8Array } | ManifestError;

async function loadInput(
  input: ManifestInput,
  maxBytes: number,
  stdin: NodeJS.ReadableStream,
  cwd: string,
): Promise<LoadedInput> {
  switch (input.kind) {
    case 'error':
      return { source: input.source, message: input.message };
    case 'skipped':
      return { source: input.source, message: input.reason };
    case 'stdin': {
      try {
        const bytes = await readStreamBounded(stdin, maxBytes);
        return bytes === undefined
          ? { source: STDIN_SOURCE, message: tooLarge(maxBytes) }
          : { source: STDIN_SOURCE, bytes };
      } catch (error) {
        return { source: STDIN_SOURCE, message: (error as Error).message };
      }
    }
    case 'file':
      return readFileBounded(input.path, resolve(cwd, input.path), maxBytes);
  }
}

/**
 * A regular file read synchronously; undefined when `fsPath` is not one (a FIFO, a device, a
 * directory), which `readFileBounded` then handles. O_NONBLOCK keeps the open of a FIFO without
 * a writer from blocking; it changes nothing for a regular file.
 */
function readRegularFile(path: string, fsPath: string, maxBytes: number): LoadedInput | undefined {
  let fd: number;
  try {
    fd = openSync(fsPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { source: path, message: describeFsError(error as NodeJS.ErrnoException) };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return { source: path, message: tooLarge(maxBytes) };
    // One byte more than stat says, so a file that grew since is noticed.
    let buffer = Buffer.allocUnsafe(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return { source: path, message: tooLarge(maxBytes) };
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return length > maxBytes
      ? { source: path, message: tooLarge(maxBytes) }
      : { source: path, bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { source: path, message: describeFsError(error as NodeJS.ErrnoException) };
  } finally {
    closeSync(fd);
  }
}

async function readFileBounded(
  path: string,
  fsPath: string,
  maxBytes: number,
): Promise<LoadedInput> {
  let handle;
  try {
    handle = await open(fsPath, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) return { source: path, message: 'is a directory' };
    if (info.isFile()) {
      if (info.size > maxBytes) return { source: path, message: tooLarge(maxBytes) };
      const bytes = await handle.readFile();
      // The file may have grown between stat and read.
      return bytes.length > maxBytes
        ? { source: path, message: tooLarge(maxBytes) }
        : { source: path, bytes };
    }
    // A FIFO or device (`<(kustomize build)`, /dev/stdin): its size is unknown, read with the cap.
    const bytes = await readStreamBounded(handle.createReadStream({ autoClose: false }), maxBytes);
    return bytes === undefined
      ? { source: path, message: tooLarge(maxBytes) }
      : { source: path, bytes };
  } catch (error) {
    return { source: path, message: describeFsError(error as NodeJS.ErrnoException) };
  } finally {
    await handle?.close();
  }
}

/** The whole stream, or undefined as soon as it passes `maxBytes` (reading stops there). */
async function readStreamBounded(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buffer.length;
    if (total > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number): string {
  return `larger than ${formatBytes(maxBytes)}; refusing to read (manifests this large are not Kubernetes objects)`;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
