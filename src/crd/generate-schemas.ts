// `npm run schemas`: regenerates schemas/mcpserverentry.<version>.json from deploy/crds/.
// The committed files are what the webhook loads at start; a test fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { convertCrdSchema } from './convert.ts';
import { isEntryCrd, servedEntryVersions } from './crd-versions.ts';
import { packageRoot } from '../package-files.ts';

export { packageRoot };
export const entryCrdFile = `${packageRoot}deploy/crds/mcpserverentries.yaml`;

/** JSON with object keys sorted at every level, two-space indent and a final newline. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (typeof v !== 'object' || v === null) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, x]) => [k, sorted(x)]));
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

export function readEntryCrd(file = entryCrdFile): unknown {
  const crd = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .find(isEntryCrd);
  if (crd === undefined) throw new Error(`${file}: no MCPServerEntry CustomResourceDefinition`);
  return crd;
}

/** File name -> contents, exactly as they should be in schemas/. */
export function renderEntrySchemas(crd: unknown = readEntryCrd()): Map<string, string> {
  const files = new Map<string, string>();
  for (const version of servedEntryVersions(crd)) {
    files.set(
      `mcpserverentry.${version.name}.json`,
      stableJson(convertCrdSchema(version.openAPIV3Schema).schema),
    );
  }
  return files;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, text] of renderEntrySchemas()) {
    writeFileSync(`${packageRoot}schemas/${name}`, text);
    console.log(`wrote schemas/${name}`);
  }
}
