// `check PATH...`: read every document, let the non-entries (and --context) answer references,
// judge every MCPServerEntry. A file that cannot be read or parsed is an input error with its
// position; the other files are still checked.
import { AdmissionEngine } from '../policy/engine.ts';
import { LayeredLookup } from '../references/layered-lookup.ts';
import type { ReferenceLookup } from '../references/lookup.ts';
import { ManifestLookup } from '../references/manifest-lookup.ts';
import type { CheckConfig } from './check-args.ts';
import { clusterLookupFor, engineOptionsFor, schemasFor } from './check-engine.ts';
import { summarize, type CheckReport, type EntryResult } from './check-report.ts';
import { isEntry, judgeEntry } from './judge-entry.ts';
import { readInputs } from './read-inputs.ts';

export async function checkFiles(
  config: CheckConfig,
  io: { readonly stdin: NodeJS.ReadableStream; readonly cwd: string },
): Promise<CheckReport> {
  const schemas = await schemasFor(config);
  const input = await readInputs(config.paths, config.context, io);

  let lookup: ReferenceLookup = ManifestLookup.fromDocuments(
    [...input.documents, ...input.contextDocuments],
    config.defaultNamespace,
  );
  if (config.cluster) lookup = new LayeredLookup([lookup, await clusterLookupFor(config)]);
  const engine = new AdmissionEngine(schemas, lookup, engineOptionsFor(config));

  const entries: EntryResult[] = [];
  let otherDocuments = 0;
  try {
    for (const doc of input.documents) {
      if (!isEntry(doc.object)) {
        otherDocuments += 1;
        continue;
      }
      entries.push(
        await judgeEntry(
          engine,
          schemas,
          {
            object: doc.object,
            position: { source: doc.source, line: doc.line, column: doc.column },
            locateNearest: (field: string) => doc.locateNearest(field),
          },
          config.defaultNamespace,
        ),
      );
    }
  } finally {
    await lookup.close();
  }
  return {
    entries,
    inputErrors: input.errors,
    summary: summarize(entries, input.errors, otherDocuments),
    showDefaults: config.showDefaults,
  };
}
