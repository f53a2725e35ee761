// The live-cluster lookup, assembled from the configuration: credentials from --kubeconfig or
// the pod's service account, informer caches over the configured namespaces, read-through
// GETs, and (with --delete-protection) the MCPServerEntry cache that the DELETE check reads.
// Start-up does not wait for the API server: caches sync in the background and /readyz says
// not ready until they have.
import type { ServeConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { CachedClusterLookup } from './cached-cluster-lookup.ts';
import { ClusterCaches } from './cluster-caches.ts';
import { DeleteProtection } from './delete-protection.ts';
import { DirectLookup } from './direct-lookup.ts';
import { connectKubeApi } from './kube-api.ts';
import type { ReferenceLookup } from '../model/lookup.ts';
import { ignoreLookupEvents, type LookupObserver } from './lookup-events.ts';
import { ServedVersion } from './served-version.ts';

export interface ClusterLookupOptions {
  readonly observe?: LookupObserver;
}

export interface ClusterLookupSetup {
  readonly lookup: ReferenceLookup;
  readonly source: string;
  /** Present when --delete-protection is on: who references an object, for POST /validate-delete. */
  readonly deleteProtection?: DeleteProtection;
}

export function createClusterLookup(
  config: ServeConfig,
  log: Logger,
  options: ClusterLookupOptions = {},
): Promise<ClusterLookupSetup> {
  const observe = options.observe ?? ignoreLookupEvents;
  const api = connectKubeApi(config.kubeconfig);
  const version = new ServedVersion(api);
  const direct = new DirectLookup(api, version, observe);
  const caches = new ClusterCaches({
    api,
    version,
    namespaces: config.namespaces,
    entries: config.deleteProtection,
    log: log.child({ component: 'reference-caches' }),
    observe,
  });
  caches.start();
  const lookup = new CachedClusterLookup({
    direct,
    caches,
    keyCacheTtlMs: config.lookupCacheTtlMs,
    observe,
  });
  const scope = config.namespaces.length === 0 ? 'all namespaces' : config.namespaces.join(', ');
  return Promise.resolve({
    lookup,
    source: `cluster ${api.server} (cached MCPGroup/MCPExternalAuthConfig with read-through; namespaces: ${scope})`,
    ...(config.deleteProtection
      ? {
          deleteProtection: new DeleteProtection(caches, {
            onLookupFailure: config.onLookupFailure,
          }),
        }
      : {}),
  });
}
