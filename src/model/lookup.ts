// The one seam between the pure rules and the outside world. An entry names other objects
// (its group, auth config, CA ConfigMap, header Secrets); a lookup answers facts about them.
// Implementations: manifests on disk (CLI, local default), the live cluster (direct GET),
// and the cached cluster (informers + read-through). One contract test suite runs on all.

export type ReferenceKind = 'MCPGroup' | 'MCPExternalAuthConfig' | 'ConfigMap' | 'Secret';

export interface ReferenceQuery {
  readonly kind: ReferenceKind;
  readonly namespace: string;
  readonly name: string;
  /** For ConfigMap and Secret: the data key whose presence matters. */
  readonly key?: string;
}

/**
 * Facts only, never contents: a Secret answer says whether the key exists, not its value,
 * so no Secret value can travel further than the lookup itself.
 */
export type ReferenceAnswer =
  | {
      readonly status: 'found';
      /** MCPGroup: `status.phase` (absent when the controller has not reported yet). */
      readonly phase?: string;
      /** MCPExternalAuthConfig: `spec.type`. */
      readonly authType?: string;
      /** ConfigMap/Secret: whether `query.key` is present in data/binaryData/stringData. */
      readonly hasKey?: boolean;
    }
  | { readonly status: 'missing' }
  /** The lookup could not decide (API server down, deadline, forbidden): policy decides. */
  | { readonly status: 'unknown'; readonly reason: string };

export interface ReferenceLookup {
  /** Must settle promptly once `signal` aborts (the caller's deadline), answering `unknown`. */
  lookup(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer>;
  /**
   * The answer when it is at hand without waiting (a cache hit, static data), else undefined.
   * Optional; when given, it must agree with what `lookup` would answer. The engine asks this
   * first: on the hot path every reference is a cache hit, and a promise, an abort controller
   * and a deadline per review cost more than the lookups themselves.
   */
  peek?(query: ReferenceQuery): ReferenceAnswer | undefined;
  /** Whether the lookup is ready to answer (caches synced). Always true for static sources. */
  ready(): boolean;
  close(): Promise<void>;
}

export function referenceKey(q: ReferenceQuery): string {
  return `${q.kind}/${q.namespace}/${q.name}${q.key === undefined ? '' : `#${q.key}`}`;
}

/** What the MCPServerEntry cache can say about who references an object (delete protection). */
export type ReferencingEntries =
  | { readonly status: 'not-watched' }
  | { readonly status: 'not-synced' }
  | { readonly status: 'known'; readonly entries: readonly string[] };
