// The package's own files, found from this module's place. Every module that reads a shipped
// file (package.json, schemas/, examples/) asks here, so the three layouts agree: the sources
// (src/package-files.ts), the compiled tree (dist/package-files.js) and the container image's
// single bundle (dist/main.js) each sit one directory below the package root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, with a trailing slash. */
export const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** Written by scripts/build.ts next to the compiled entry point; absent when running src/. */
export const buildInfoFile = `${packageRoot}dist/build-info.json`;

export interface BuildInfo {
  readonly version: string;
  /** The git commit the build was made from, or `unknown` (sources run directly, no git). */
  readonly commit: string;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

let cached: BuildInfo | undefined;

/** The version (package.json) and the commit (the build's record of it). */
export function buildInfo(): BuildInfo {
  if (cached !== undefined) return cached;
  const pkg = readJson(`${packageRoot}package.json`);
  const build = readJson(buildInfoFile);
  cached = {
    version: typeof pkg?.['version'] === 'string' ? pkg['version'] : 'unknown',
    commit: typeof build?.['commit'] === 'string' ? build['commit'] : 'unknown',
  };
  return cached;
}
