// Direct lookups: one GET of the named object per query, no cache. The cached lookup uses this
// to confirm its misses (read-through) and to fetch ConfigMaps and Secrets on demand; on its
// own it is the simplest correct live-cluster lookup (the contract tests run it too).
import type { KubeApi } from './kube-api.ts';
import { isNamespaceName, isObjectName } from './kube-names.ts';
import type {
  ReferenceAnswer,
  ReferenceKind,
  ReferenceLookup,
  ReferenceQuery,
} from '../model/lookup.ts';
import type { LookupObserver } from './lookup-events.ts';
import {
  authConfigAnswer,
  failureReason,
  groupAnswer,
  keyNames,
  objectPath,
  referenceResources,
} from './reference-resources.ts';
import type { ServedVersion } from './served-version.ts';

const missing = Object.freeze({ status: 'missing' as const });

/** What a GET of a ConfigMap or Secret leaves behind: whether it exists and its key names. */
export type KeyedObject =
  | { readonly status: 'found'; readonly keys: ReadonlySet<string> }
  | { readonly status: 'missing' }
  | { readonly status: 'unknown'; readonly reason: string };

export class DirectLookup implements ReferenceLookup {
  private readonly api: KubeApi;
  private readonly version: ServedVersion;
  private readonly observe: LookupObserver;

  constructor(api: KubeApi, version: ServedVersion, observe: LookupObserver) {
    this.api = api;
    this.version = version;
    this.observe = observe;
  }

  async lookup(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    const started = performance.now();
    const answer = await this.answer(query, signal);
    this.observe({
      type: 'lookup',
      kind: query.kind,
      source: 'api',
      status: answer.status,
      seconds: (performance.now() - started) / 1000,
    });
    return answer;
  }

  /** Nothing to sync: every answer comes from the API server. */
  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {}

  private async answer(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    if (query.kind === 'ConfigMap' || query.kind === 'Secret') {
      const object = await this.getKeyed(query.kind, query.namespace, query.name, signal);
      if (object.status !== 'found') return object;
      return { status: 'found', hasKey: query.key === undefined || object.keys.has(query.key) };
    }
    if (!isNamespaceName(query.namespace) || !isObjectName(query.name)) return missing;
    const resource = referenceResources[query.kind];
    const version = await this.version.resolve(signal);
    if (!version.ok) {
      this.observe({ type: 'api-error', kind: query.kind, failure: version.failure });
      return { status: 'unknown', reason: failureReason(version, resource, query.namespace) };
    }
    const result = await this.api.getJson(
      objectPath(resource, version.value, query.namespace, query.name),
      signal,
    );
    if (!result.ok) {
      if (result.failure === 'not-found') return missing;
      this.observe({ type: 'api-error', kind: query.kind, failure: result.failure });
      return { status: 'unknown', reason: failureReason(result, resource, query.namespace) };
    }
    return query.kind === 'MCPGroup' ? groupAnswer(result.value) : authConfigAnswer(result.value);
  }

  /**
   * GET a ConfigMap or Secret and keep only its key names. The API cannot say whether a key
   * exists without sending the data (no field selector or metadata-only view lists keys), so
   * a Secret's values do cross the wire once; they are dropped here, before anything else sees
   * them, and no answer, cache entry, log line or message ever carries them.
   */
  async getKeyed(
    kind: Extract<ReferenceKind, 'ConfigMap' | 'Secret'>,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KeyedObject> {
    if (!isNamespaceName(namespace) || !isObjectName(name)) return missing;
    const resource = referenceResources[kind];
    const result = await this.api.getJson(objectPath(resource, 'v1', namespace, name), signal);
    if (!result.ok) {
      if (result.failure === 'not-found') return missing;
      this.observe({ type: 'api-error', kind, failure: result.failure });
      return { status: 'unknown', reason: failureReason(result, resource, namespace) };
    }
    return { status: 'found', keys: keyNames(result.value) };
  }
}
