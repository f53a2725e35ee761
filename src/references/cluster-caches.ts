// The set of informers the webhook keeps: MCPGroups and MCPExternalAuthConfigs (and, with
// delete protection, MCPServerEntries), in the served version, over the configured namespaces.
//
// Namespace scope: with no list, one informer per kind watches all namespaces (one connection
// each, needs a ClusterRole). With a list, one informer per kind *per namespace*: more
// connections, but the webhook then works with namespaced Roles only, and the API server never
// sends objects we would filter out. A lookup in a namespace outside the list is not cached
// and goes straight to the API server (which answers, or refuses with a clear 403).
import type { Logger } from '../log.ts';
import type { KubeApi } from './kube-api.ts';
import type { ReferenceAnswer } from '../model/lookup.ts';
import type { LookupObserver } from './lookup-events.ts';
import {
  authConfigAnswer,
  collectionPath,
  entryResource,
  groupAnswer,
  referenceResources,
  type ResourceRef,
} from './reference-resources.ts';
import type { ServedVersion } from './served-version.ts';
import {
  backoffDelay,
  defaultBackoff,
  Informer,
  type BackoffOptions,
  type InformerEvent,
} from './informer-cache.ts';
import { isRecord } from '../json-object.ts';

export type CachedReferenceKind = 'MCPGroup' | 'MCPExternalAuthConfig';

/** What delete protection keeps of an MCPServerEntry: the names it references. */
export interface EntryReferences {
  readonly group?: string;
  readonly authConfig?: string;
}

export function entryReferences(obj: unknown): EntryReferences {
  const spec = isRecord(obj) && isRecord(obj['spec']) ? obj['spec'] : {};
  const name = (ref: unknown): string | undefined =>
    isRecord(ref) && typeof ref['name'] === 'string' && ref['name'] !== ''
      ? ref['name']
      : undefined;
  const group = name(spec['groupRef']);
  const authConfig = name(spec['externalAuthConfigRef']);
  return {
    ...(group === undefined ? {} : { group }),
    ...(authConfig === undefined ? {} : { authConfig }),
  };
}

export interface ClusterCachesOptions {
  readonly api: KubeApi;
  readonly version: ServedVersion;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  /** Also cache MCPServerEntries (delete protection). */
  readonly entries: boolean;
  readonly log?: Logger;
  readonly observe?: LookupObserver;
  readonly backoff?: BackoffOptions;
  readonly watchSeconds?: readonly [number, number];
}

const allNamespaces = '';

export class ClusterCaches {
  private readonly options: ClusterCachesOptions;
  private readonly references = new Map<
    CachedReferenceKind,
    Map<string, Informer<ReferenceAnswer>>
  >();
  private readonly entryInformers = new Map<string, Informer<EntryReferences>>();
  private readonly stopping = new AbortController();
  private starting: Promise<void> | undefined;
  private prepared = false;

  constructor(options: ClusterCachesOptions) {
    this.options = options;
  }

  get namespaces(): readonly string[] {
    return this.options.namespaces;
  }

  /** Discover the served version (retrying), then list and watch. Returns at once. */
  start(): void {
    this.starting ??= this.discoverAndStart();
  }

  /** Build the informers for `version` without starting them (start() does both). */
  prepare(version: string): void {
    if (this.prepared) return;
    this.prepared = true;
    const scopes = this.options.namespaces.length === 0 ? [allNamespaces] : this.options.namespaces;
    const kinds: [CachedReferenceKind, (o: unknown) => ReferenceAnswer][] = [
      ['MCPGroup', groupAnswer],
      ['MCPExternalAuthConfig', authConfigAnswer],
    ];
    for (const [kind, project] of kinds) {
      const byScope = new Map<string, Informer<ReferenceAnswer>>();
      for (const scope of scopes)
        byScope.set(scope, this.informer(referenceResources[kind], version, scope, project));
      this.references.set(kind, byScope);
    }
    for (const kind of ['MCPGroup', 'MCPExternalAuthConfig'] as const)
      this.options.observe?.({
        type: 'sync',
        resource: referenceResources[kind].plural,
        synced: false,
      });
    if (this.options.entries) {
      this.options.observe?.({ type: 'sync', resource: entryResource.plural, synced: false });
      for (const scope of scopes)
        this.entryInformers.set(
          scope,
          this.informer(entryResource, version, scope, entryReferences),
        );
    }
  }

  /** The informer that holds `kind` objects of `namespace`, or undefined if out of scope. */
  referenceInformer(
    kind: CachedReferenceKind,
    namespace: string,
  ): Informer<ReferenceAnswer> | undefined {
    const byScope = this.references.get(kind);
    return byScope?.get(allNamespaces) ?? byScope?.get(namespace);
  }

  entryInformer(namespace: string): Informer<EntryReferences> | undefined {
    return this.entryInformers.get(allNamespaces) ?? this.entryInformers.get(namespace);
  }

  /** All informers have finished their first list. */
  ready(): boolean {
    if (!this.prepared) return false;
    for (const inf of this.all()) if (!inf.synced) return false;
    return true;
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.starting;
    await Promise.all(this.all().map((inf) => inf.stop()));
  }

  private all(): Informer<unknown>[] {
    const out: Informer<unknown>[] = [];
    for (const byScope of this.references.values()) out.push(...byScope.values());
    out.push(...this.entryInformers.values());
    return out;
  }

  private async discoverAndStart(): Promise<void> {
    const signal = this.stopping.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const version = await this.options.version.resolve(signal);
      if (version.ok) {
        this.options.log?.info(
          { version: version.value },
          'reading ToolHive references in this version',
        );
        this.prepare(version.value);
        for (const inf of this.all()) inf.start();
        return;
      }
      const retryInMs = backoffDelay(attempt, this.options.backoff ?? defaultBackoff);
      this.options.log?.warn(
        { problem: version.message, retryInMs },
        'cannot discover the served ToolHive API version; caches wait',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryInMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private informer<F>(
    resource: ResourceRef,
    version: string,
    scope: string,
    project: (o: unknown) => F,
  ): Informer<F> {
    const label = scope === allNamespaces ? resource.plural : `${resource.plural}/${scope}`;
    const onEvent = (e: InformerEvent): void => this.report(resource.plural, label, e);
    return new Informer<F>(this.options.api, {
      path: collectionPath(resource, version, scope === allNamespaces ? undefined : scope),
      label,
      project,
      onEvent,
      ...(this.options.backoff === undefined ? {} : { backoff: this.options.backoff }),
      ...(this.options.watchSeconds === undefined
        ? {}
        : { watchSeconds: this.options.watchSeconds }),
    });
  }

  private report(resource: string, label: string, e: InformerEvent): void {
    const { log, observe } = this.options;
    switch (e.type) {
      case 'synced': {
        log?.info({ informer: label }, 'cache synced');
        const plural = resource;
        const scopes = [...this.references.values(), this.entryInformers].flatMap((m) => [
          ...m.values(),
        ]);
        const synced = scopes
          .filter((inf) => inf.label === plural || inf.label.startsWith(`${plural}/`))
          .every((inf) => inf.synced);
        observe?.({ type: 'sync', resource, synced });
        break;
      }
      case 'relist':
        log?.info({ informer: label, cause: e.cause }, 'listing again');
        observe?.({ type: 'relist', resource, cause: e.cause });
        break;
      case 'failure':
        log?.warn(
          { informer: label, stage: e.stage, problem: e.failure.message, retryInMs: e.retryInMs },
          'watch interrupted; retrying',
        );
        break;
    }
  }
}
