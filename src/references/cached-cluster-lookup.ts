// The production lookup: answers from informer caches where it can, from the API server where
// it must, and never says "missing" on the cache's word alone.
//
//   MCPGroup, MCPExternalAuthConfig: a cache hit costs no API call. A miss is confirmed with a
//     direct GET (read-through) before it is answered: `kubectl apply -f` of a group and an
//     entry together, or a GitOps sync, sends the entry before our watch has seen the group.
//     A read-through "found" is not written into the cache: only the watch writes, so a slow
//     GET can never resurrect an object whose DELETED event already arrived.
//   ConfigMap, Secret: not cached wholesale (a cluster's Secrets are none of our business).
//     The named object is fetched on demand and only its key *names* are kept, for a short
//     TTL, and only to answer "yes, the key is there": a negative answer is always checked
//     again, for the same reason as read-through (the user who just added the key retries).
//
// Stale hits while the API server is unreachable are answered from the cache, as informers do;
// misses then answer `unknown` and the engine applies --on-lookup-failure.
import { DirectLookup } from './direct-lookup.ts';
import type { ClusterCaches } from './cluster-caches.ts';
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../model/lookup.ts';
import { ignoreLookupEvents, type LookupObserver } from './lookup-events.ts';
import { KeyNamesCache } from './key-names-cache.ts';

export interface CachedClusterLookupOptions {
  readonly direct: DirectLookup;
  readonly caches: ClusterCaches;
  /** How long a ConfigMap/Secret's key names answer a positive lookup; 0 disables. */
  readonly keyCacheTtlMs: number;
  readonly observe?: LookupObserver;
}

export class CachedClusterLookup implements ReferenceLookup {
  readonly caches: ClusterCaches;
  private readonly direct: DirectLookup;
  private readonly keyNames: KeyNamesCache;
  private readonly observe: LookupObserver;

  constructor(options: CachedClusterLookupOptions) {
    this.direct = options.direct;
    this.caches = options.caches;
    this.observe = options.observe ?? ignoreLookupEvents;
    this.keyNames = new KeyNamesCache(options.keyCacheTtlMs, (kind, ns, name, signal) =>
      this.direct.getKeyed(kind, ns, name, signal),
    );
  }

  /** A cache hit, counted as one; undefined on a miss (only `lookup` may go to the API). */
  peek(query: ReferenceQuery): ReferenceAnswer | undefined {
    const started = performance.now();
    let hit: ReferenceAnswer | undefined;
    if (query.kind === 'ConfigMap' || query.kind === 'Secret') {
      hit = this.keyNames.hit(query.kind, query.namespace, query.name, query.key);
    } else {
      const informer = this.caches.referenceInformer(query.kind, query.namespace);
      if (informer?.synced === true) hit = informer.get(query.namespace, query.name);
    }
    return hit === undefined ? undefined : this.answered(query, 'cache', hit, started);
  }

  async lookup(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    const hit = this.peek(query);
    if (hit !== undefined) return hit;
    this.observe({ type: 'cache-miss', kind: query.kind });
    if (query.kind === 'ConfigMap' || query.kind === 'Secret') {
      const started = performance.now();
      const answer = await this.keyNames.fetch(
        query.kind,
        query.namespace,
        query.name,
        query.key,
        signal,
      );
      return this.answered(query, 'api', answer, started);
    }
    return this.direct.lookup(query, signal);
  }

  ready(): boolean {
    return this.caches.ready();
  }

  async close(): Promise<void> {
    await this.caches.close();
  }

  private answered(
    query: ReferenceQuery,
    source: 'cache' | 'api',
    answer: ReferenceAnswer,
    started: number,
  ): ReferenceAnswer {
    this.observe({
      type: 'lookup',
      kind: query.kind,
      source,
      status: answer.status,
      seconds: (performance.now() - started) / 1000,
    });
    return answer;
  }
}
