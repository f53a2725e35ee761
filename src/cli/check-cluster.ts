// `check --from-cluster`: the audit. Every stored MCPServerEntry is judged as if it were being
// created now, against its live neighbours, to find entries admitted before the webhook was
// installed or whose group, auth config or Secret has gone since. Nothing is written.
import { AdmissionEngine } from '../policy/engine.ts';
import type { CheckConfig } from './check-args.ts';
import { clusterLookupFor, engineOptionsFor, schemasFor } from './check-engine.ts';
import { summarize, type CheckReport, type EntryResult } from './check-report.ts';
import { CheckSetupError, setupStep } from './check-setup-error.ts';
import { preferredVersion } from '../model/entry.ts';
import { connectKubeApi } from '../references/kube-api.ts';
import { listStoredEntries } from '../references/stored-entries.ts';
import { judgeEntry } from './judge-entry.ts';

export async function auditCluster(config: CheckConfig): Promise<CheckReport> {
  const kubeconfig = config.kubeconfig;
  if (kubeconfig === undefined)
    throw new CheckSetupError(
      '--from-cluster needs a kubeconfig: pass --kubeconfig or set KUBECONFIG',
    );
  const schemas = await schemasFor(config);
  const version = preferredVersion(schemas.versions);
  if (version === undefined)
    throw new CheckSetupError('the schemas define no MCPServerEntry version');
  const api = await setupStep('cannot use the cluster', () =>
    Promise.resolve(connectKubeApi(kubeconfig)),
  );
  const stored = await setupStep('cannot list MCPServerEntries', () =>
    listStoredEntries(api, version, config.auditNamespaces),
  );
  const lookup = await clusterLookupFor(config, api);
  // Stored objects went through the mutating webhook, if it is installed.
  const engine = new AdmissionEngine(schemas, lookup, {
    ...engineOptionsFor(config),
    mutatingDefaults: !config.admissionPolicy,
  });
  const entries: EntryResult[] = [];
  try {
    for (const s of stored) {
      const position = { source: `cluster:${s.namespace}/${s.name}`, line: 1, column: 1 };
      entries.push(
        await judgeEntry(
          engine,
          { object: s.object, position, locateNearest: () => position },
          s.namespace,
          config.admissionPolicy,
        ),
      );
    }
  } finally {
    await lookup.close();
  }
  return {
    entries,
    inputErrors: [],
    skipped: [],
    summary: summarize(entries, [], 0),
    showDefaults: config.showDefaults,
  };
}
