// Command-line paths to the list of files to read. Directories are searched recursively for
// manifest extensions (hidden directories such as .git are skipped); globs are expanded here
// too, so quoting a glob in CI (`check 'deploy/**/*.yaml'`) works the same on every shell.
import { glob, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const stdinPath = '-';
const manifestExtension = /\.(ya?ml|json)$/i;
const globCharacters = /[*?[{]/;

export interface ExpandedPaths {
  /** Files in a stable order: arguments in order, each directory's files sorted. */
  readonly files: readonly string[];
  /** Arguments that named nothing readable. */
  readonly problems: readonly { readonly path: string; readonly message: string }[];
}

async function walk(dir: string, cwd: string, into: string[]): Promise<void> {
  const children = await readdir(resolve(cwd, dir), { withFileTypes: true });
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const path = join(dir, child.name);
    if (child.isDirectory()) {
      if (!child.name.startsWith('.')) await walk(path, cwd, into);
    } else if (manifestExtension.test(child.name) && (child.isFile() || child.isSymbolicLink())) {
      into.push(path);
    }
  }
}

export async function expandPaths(paths: readonly string[], cwd: string): Promise<ExpandedPaths> {
  const files: string[] = [];
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    // The same file named twice (a directory and a glob inside it) is read once.
    const key = file === stdinPath ? file : resolve(cwd, file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const path of paths) {
    if (path === stdinPath) {
      add(path);
      continue;
    }
    let kind: 'file' | 'dir' | 'absent';
    try {
      kind = (await stat(resolve(cwd, path))).isDirectory() ? 'dir' : 'file';
    } catch {
      kind = 'absent';
    }
    if (kind === 'file') add(path);
    else if (kind === 'dir') {
      const found: string[] = [];
      try {
        await walk(path, cwd, found);
      } catch (err) {
        problems.push({ path, message: `cannot read directory: ${describe(err)}` });
        continue;
      }
      if (found.length === 0)
        problems.push({ path, message: 'directory holds no .yaml, .yml or .json files' });
      found.forEach(add);
    } else if (globCharacters.test(path)) {
      const matched: string[] = [];
      for await (const match of glob(path, { cwd })) matched.push(match);
      matched.sort();
      const found: string[] = [];
      for (const match of matched) {
        if (await isDirectory(resolve(cwd, match)))
          await walk(match, cwd, found).catch(() => undefined);
        else found.push(match);
      }
      if (found.length === 0) problems.push({ path, message: 'no files match this pattern' });
      found.forEach(add);
    } else {
      problems.push({ path, message: 'no such file or directory' });
    }
  }
  return { files, problems };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
