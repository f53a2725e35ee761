// Command-line inputs to a deterministic list of things to read, the way `kubectl apply -R -f`
// walks them: files as named (any extension), directories recursively (only .yaml/.yml/.json,
// entries in byte order), glob patterns, and `-` for stdin. Hidden entries and node_modules are
// skipped inside directories: they hold tool configuration (.github, .pre-commit-config.yaml),
// not manifests.
import { glob, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export type ManifestInput =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'error'; readonly source: string; readonly message: string };

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const GLOB_CHARACTERS = /[*?[\]{}]/;

/**
 * `paths` are taken relative to `cwd`; the `path` of each file keeps the spelling the user gave
 * (plus the names found below a directory), so reports point where the user looks.
 */
export async function expandInputs(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<ManifestInput[]> {
  const out: ManifestInput[] = [];
  const seen = new Set<string>();
  let stdinUsed = false;
  const walk = (dir: string): Promise<string[]> => walkDirectory(dir, cwd);
  const addFile = (path: string): void => {
    const key = resolve(cwd, path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind: 'file', path });
  };

  for (const path of paths) {
    if (path === '-') {
      if (stdinUsed) out.push({ kind: 'error', source: '-', message: 'stdin (-) given twice' });
      else out.push({ kind: 'stdin' });
      stdinUsed = true;
      continue;
    }
    const info = await stat(resolve(cwd, path)).catch(
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    if (!(info instanceof Error)) {
      if (info.isDirectory()) (await walk(path)).forEach(addFile);
      else addFile(path);
      continue;
    }
    if (info.code === 'ENOENT' && GLOB_CHARACTERS.test(path)) {
      const matches = await globMatches(path, cwd);
      if (matches.length === 0) {
        out.push({ kind: 'error', source: path, message: 'no files match this pattern' });
      }
      for (const match of matches) {
        const matchInfo = await stat(resolve(cwd, match)).catch(() => undefined);
        if (matchInfo?.isDirectory() === true) (await walk(match)).forEach(addFile);
        else addFile(match);
      }
      continue;
    }
    out.push({ kind: 'error', source: path, message: describeFsError(info) });
  }
  return out;
}

async function globMatches(pattern: string, cwd: string): Promise<string[]> {
  const matches: string[] = [];
  for await (const match of glob(pattern, { cwd })) matches.push(match);
  return matches.sort(byteOrder);
}

/** Manifest files under `dir`, depth first, each directory's entries in byte order. */
async function walkDirectory(dir: string, cwd: string): Promise<string[]> {
  const entries = await readdir(resolve(cwd, dir), { withFileTypes: true });
  entries.sort((a, b) => byteOrder(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await walkDirectory(path, cwd)));
    } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      // Symbolic links to files are read; links to directories are not followed (no cycles).
      if (entry.isSymbolicLink()) {
        const target = await stat(resolve(cwd, path)).catch(() => undefined);
        if (target?.isFile() !== true) continue;
      } else if (!entry.isFile()) {
        continue;
      }
      files.push(path);
    }
  }
  return files;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function describeFsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error.message;
  }
}
