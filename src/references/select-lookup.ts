// Where references resolve from, decided once at start-up:
//   --objects PATH...            manifests on disk (tests, laptops, air-gapped checks)
//   --kubeconfig / in-cluster    the live cluster
//   neither                      the bundled examples/, so `npm start` works with no cluster
// An explicit ~/.kube/config is never picked up silently: pointing a laptop's webhook at
// whatever cluster the shell last used would be a surprise.
import type { ServeConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ReferenceLookup } from '../model/lookup.ts';
import type { LookupObserver } from './lookup-events.ts';
import type { DeleteProtection } from './delete-protection.ts';
import { ManifestLookup } from './manifest-lookup.ts';

export async function selectLookup(
  config: ServeConfig,
  log: Logger,
  examplesDir: string,
  inCluster: boolean,
  observe?: LookupObserver,
): Promise<{ lookup: ReferenceLookup; source: string; deleteProtection?: DeleteProtection }> {
  if (config.objects.length > 0) {
    return {
      lookup: await ManifestLookup.fromPaths(config.objects),
      source: `manifests: ${config.objects.join(', ')}`,
    };
  }
  if (config.kubeconfig !== undefined || inCluster) {
    const { createClusterLookup } = await import('./cluster-lookup.ts');
    return createClusterLookup(config, log, observe === undefined ? {} : { observe });
  }
  return {
    lookup: await ManifestLookup.fromPaths([examplesDir]),
    source: `bundled examples: ${examplesDir}`,
  };
}
