// Command-line inputs to a deterministic list of things to read, the way `kubectl apply -R -f`
// walks them: files as named (any extension), directories recursively (only .yaml/.yml/.json,
// entries in byte order), glob patterns, and `-` for stdin. Hidden entries and node_modules are
// skipped inside directories: they hold tool configuration (.github, .pre-commit-config.yaml),
// not manifests. So are Helm charts (a directory holding `Chart.yaml`: its templates are not
// YAML until `helm template` renders them) and whatever `exclude` globs match; those two are
// reported as skipped, so a run over a whole repository says what it did not read.
import { glob, readdir, stat } from 'node:fs/promises';
import { join, matchesGlob, resolve } from 'node:path';

export type ManifestInput =
  | {
      readonly kind: 'file';
      readonly path: string;
      /** Found inside a directory or by a glob, rather than named on the command line. */
      readonly found: boolean;
    }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'skipped'; readonly source: string; readonly reason: string }
  | { readonly kind: 'error'; readonly source: string; readonly message: string };

export interface ExpandOptions {
  /** Globs (`charts/**`, `**\/*.tmpl.yaml`) of paths not to read, matched as found. */
  readonly exclude?: readonly string[];
}

const CHART_FILE = 'Chart.yaml';
export const CHART_SKIP_REASON =
  'Helm chart (Chart.yaml): its templates are not manifests until rendered; check `helm template` output with `check -`';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const GLOB_CHARACTERS = /[*?[\]{}]/;

/**
 * `paths` are taken relative to `cwd`; the `path` of each file keeps the spelling the user gave
 * (plus the names found below a directory), so reports point where the user looks.
 */
export async function expandInputs(
  paths: readonly string[],
  cwd: string = process.cwd(),
  options: ExpandOptions = {},
): Promise<ManifestInput[]> {
  const out: ManifestInput[] = [];
  const seen = new Set<string>();
  let stdinUsed = false;
  const exclude = options.exclude ?? [];
  const excluded = (path: string): boolean =>
    exclude.some((pattern) => matchesGlob(path, pattern) || matchesGlob(`${path}/`, pattern));
  const walk = async (dir: string): Promise<void> => {
    for (const found of await walkDirectory(dir, cwd, excluded)) {
      if (found.skipped === undefined) addFile(found.path, true);
      else out.push({ kind: 'skipped', source: found.path, reason: found.skipped });
    }
  };
  const addFile = (path: string, found: boolean): void => {
    const key = resolve(cwd, path);
    if (seen.has(key)) return;
    seen.add(key);
    if (excluded(path))
      out.push({ kind: 'skipped', source: path, reason: 'excluded by --exclude' });
    else out.push({ kind: 'file', path, found });
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
      if (info.isDirectory()) await walk(path);
      else addFile(path, false);
      continue;
    }
    if (info.code === 'ENOENT' && GLOB_CHARACTERS.test(path)) {
      const matches = await globMatches(path, cwd);
      if (matches.length === 0) {
        out.push({ kind: 'error', source: path, message: 'no files match this pattern' });
      }
      for (const match of matches) {
        const matchInfo = await stat(resolve(cwd, match)).catch(() => undefined);
        if (matchInfo?.isDirectory() === true) await walk(match);
        else addFile(match, true);
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

interface Found {
  readonly path: string;
  /** Why it is not read, for a skipped directory or file. */
  readonly skipped?: string;
}

/** Manifest files under `dir`, depth first, each directory's entries in byte order. */
async function walkDirectory(
  dir: string,
  cwd: string,
  excluded: (path: string) => boolean,
): Promise<Found[]> {
  const entries = await readdir(resolve(cwd, dir), { withFileTypes: true });
  if (entries.some((e) => e.name === CHART_FILE && !e.isDirectory())) {
    return [{ path: dir, skipped: CHART_SKIP_REASON }];
  }
  entries.sort((a, b) => byteOrder(a.name, b.name));
  const files: Found[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (excluded(path)) {
      if (entry.isDirectory() || isManifestName(entry.name))
        files.push({ path, skipped: 'excluded by --exclude' });
      continue;
    }
    if (entry.isDirectory()) {
      files.push(...(await walkDirectory(path, cwd, excluded)));
    } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      // Symbolic links to files are read; links to directories are not followed (no cycles).
      if (entry.isSymbolicLink()) {
        const target = await stat(resolve(cwd, path)).catch(() => undefined);
        if (target?.isFile() !== true) continue;
      } else if (!entry.isFile()) {
        continue;
      }
      files.push({ path });
    }
  }
  return files;
}

function isManifestName(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));
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
