// `check PATH...`: read every document, let the non-entries (and --context) answer references,
// judge every MCPServerEntry. A file that cannot be read or parsed is an input error with its
// position; the other files are still checked.
import { AdmissionEngine } from '../policy/engine.ts';
import { LayeredLookup } from '../references/layered-lookup.ts';
import type { FieldPath } from '../model/field-path.ts';
import type { ReferenceLookup } from '../model/lookup.ts';
import { ManifestLookup } from '../references/manifest-lookup.ts';
import type { CheckConfig } from './check-args.ts';
import type { Finding } from '../model/findings.ts';
import {
  clusterLookupFor,
  engineOptionsFor,
  schemasFor,
  withClusterDefaulting,
} from './check-engine.ts';
import { summarize, type CheckReport, type EntryResult } from './check-report.ts';
import { identityFindings } from '../manifests/object-checks.ts';
import type { ManifestDocument } from '../manifests/manifest-document.ts';
import { isEntry, judgeEntry } from './judge-entry.ts';
import { readInputs } from './read-inputs.ts';
import { asRecord } from '../json-object.ts';

export async function checkFiles(
  given: CheckConfig,
  io: { readonly stdin: NodeJS.ReadableStream; readonly cwd: string },
): Promise<CheckReport> {
  const config = await withClusterDefaulting(given);
  const schemas = await schemasFor(config);
  const input = await readInputs(config.paths, config.context, io, config.exclude);

  const offline = ManifestLookup.fromDocuments(
    [...input.documents, ...input.contextDocuments],
    config.defaultNamespace,
  );
  let lookup: ReferenceLookup = offline;
  if (config.cluster) lookup = new LayeredLookup([lookup, await clusterLookupFor(config)]);
  const engine = new AdmissionEngine(schemas, lookup, engineOptionsFor(config));

  const entries: EntryResult[] = [];
  let otherDocuments = 0;
  try {
    for (const doc of input.documents) {
      if (!isEntry(doc.object)) {
        const misnamed = identityFindings(doc.object);
        if (misnamed.length > 0)
          entries.push(misnamedEntry(doc, misnamed, config.defaultNamespace));
        else otherDocuments += 1;
        continue;
      }
      const judged = await judgeEntry(
        engine,
        {
          object: doc.object,
          position: { source: doc.source, line: doc.line, column: doc.column },
          locateNearest: (field: FieldPath) => doc.locateNearest(field),
        },
        config.defaultNamespace,
        config.admissionPolicy,
      );
      entries.push(withoutOfflineReadiness(judged, doc.object, offline, config.defaultNamespace));
    }
  } finally {
    await lookup.close();
  }
  return {
    entries,
    inputErrors: input.errors,
    skipped: input.skipped,
    summary: summarize(entries, input.errors, otherDocuments, input.skipped.length),
    showDefaults: config.showDefaults,
  };
}

/**
 * A document the API server would not know as the kind it claims (a misspelt kind or group):
 * reported like a denied entry, so it cannot pass as an "other document".
 */
function misnamedEntry(
  doc: ManifestDocument,
  findings: readonly Finding[],
  defaultNamespace: string,
): EntryResult {
  const metadata = asRecord(doc.object['metadata']);
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const position = { source: doc.source, line: doc.line, column: doc.column };
  return {
    position,
    apiVersion: text(doc.object['apiVersion']),
    namespace: text(metadata?.['namespace']) || defaultNamespace,
    name: text(metadata?.['name']),
    allowed: false,
    denials: findings.map((f) => ({ ...f, source: doc.source, ...doc.locateNearest(f.path) })),
    warnings: [],
    patch: [],
  };
}

/**
 * Manifests in git never carry status: a group defined in the input (or --context) without a
 * `status.phase` is not "not Ready", its readiness is unknown until it is applied. The
 * group-Ready warning is kept only for groups whose phase is known: read from a cluster
 * (--cluster) or from a manifest that records one (a `kubectl get -o yaml` dump).
 */
function withoutOfflineReadiness(
  result: EntryResult,
  object: Record<string, unknown>,
  offline: ManifestLookup,
  defaultNamespace: string,
): EntryResult {
  if (!result.warnings.some((w) => w.rule === groupNotReadyRule)) return result;
  const spec = asRecord(object['spec']);
  const name = asRecord(spec?.['groupRef'])?.['name'];
  const namespace = asRecord(object['metadata'])?.['namespace'];
  if (typeof name !== 'string') return result;
  const answer = offline.peek({
    kind: 'MCPGroup',
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : defaultNamespace,
    name,
  });
  if (answer.status !== 'found' || answer.phase !== undefined) return result;
  return { ...result, warnings: result.warnings.filter((w) => w.rule !== groupNotReadyRule) };
}

const groupNotReadyRule = 'reference.group.not-ready';
