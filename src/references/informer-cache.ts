// A list + watch cache of one resource (in one namespace or all), keeping a small projection of
// each object rather than the object: a group's answer is a few dozen bytes where the stored
// object with managedFields is kilobytes. Written for the cases client-node's ListWatch leaves
// to the caller: it stops on the first error (we retry with backoff and jitter, forever, until
// stopped), and it keeps whole objects.
//
// The protocol, as client-go's reflector does it:
//   list (paged) → remember resourceVersion → watch from it with bookmarks → apply events;
//   the server ends a watch after timeoutSeconds: watch again from the last resourceVersion;
//   410 Gone / "too old resource version" (on open or as an ERROR event): list again;
//   any other failure: wait (exponential backoff, jitter), then watch again, or list if we
//   never had a resourceVersion.
import type { ApiFailure, KubeApi } from './kube-api.ts';
import { isRecord } from '../json-object.ts';

export interface InformerChange<F> {
  readonly type: 'upsert' | 'delete';
  readonly namespace: string;
  readonly name: string;
  readonly facts: F;
}

export interface InformerListener<F> {
  /** The whole content was replaced by a (re)list. */
  replaced?(store: ReadonlyMap<string, ReadonlyMap<string, F>>): void;
  changed?(change: InformerChange<F>): void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

export interface InformerOptions<F> {
  /** Collection path without query, e.g. /apis/toolhive.stacklok.dev/v1beta1/mcpgroups. */
  readonly path: string;
  /** For logs and metrics: `mcpgroups` or `mcpgroups/team-a`. */
  readonly label: string;
  readonly project: (obj: unknown) => F;
  readonly backoff?: BackoffOptions;
  readonly pageSize?: number;
  /** Server-side watch timeout range in seconds; a random value is used per watch. */
  readonly watchSeconds?: readonly [number, number];
  readonly onEvent?: (e: InformerEvent) => void;
}

export type InformerEvent =
  | { readonly type: 'synced' }
  | { readonly type: 'relist'; readonly cause: 'expired' | 'error' }
  | {
      readonly type: 'failure';
      readonly stage: 'list' | 'watch';
      readonly failure: ApiFailure;
      readonly retryInMs: number;
    };

interface ObjectMeta {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
}

function metaOf(obj: unknown): ObjectMeta | undefined {
  const m = isRecord(obj) ? obj['metadata'] : undefined;
  if (!isRecord(m) || typeof m['name'] !== 'string') return undefined;
  return {
    namespace: typeof m['namespace'] === 'string' ? m['namespace'] : '',
    name: m['name'],
    resourceVersion: typeof m['resourceVersion'] === 'string' ? m['resourceVersion'] : '',
  };
}

/** Delay before retry `attempt` (0-based): exponential, capped, with half of it random. */
export function backoffDelay(attempt: number, b: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  // "Equal jitter": never zero (no hot loop), and spread so that many webhook replicas that lost
  // the API server together do not come back in lock step.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    signal.addEventListener('abort', done, { once: true });
  });

type WatchEnd = 'closed' | 'expired' | ApiFailure;

export class Informer<F> {
  private readonly api: KubeApi;
  private readonly options: InformerOptions<F>;
  private readonly listeners: InformerListener<F>[] = [];
  private store = new Map<string, Map<string, F>>();
  private resourceVersion = '';
  private isSynced = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(api: KubeApi, options: InformerOptions<F>) {
    this.api = api;
    this.options = options;
  }

  get label(): string {
    return this.options.label;
  }

  /** True once the first list completed; stays true through later disconnects. */
  get synced(): boolean {
    return this.isSynced;
  }

  get(namespace: string, name: string): F | undefined {
    return this.store.get(namespace)?.get(name);
  }

  get size(): number {
    let n = 0;
    for (const m of this.store.values()) n += m.size;
    return n;
  }

  /** The current content, keyed by namespace then name. Read-only by contract. */
  contents(): ReadonlyMap<string, ReadonlyMap<string, F>> {
    return this.store;
  }

  listen(listener: InformerListener<F>): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /**
   * Fill the store from objects in hand, as if a list had returned them: for benchmarks and
   * for tests of the code that reads the store. The watch loop is not started.
   */
  fill(objects: Iterable<unknown>): void {
    this.replace(objects);
    this.isSynced = true;
  }

  private emit(e: InformerEvent): void {
    this.options.onEvent?.(e);
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let attempt = 0;
    while (!signal.aborted) {
      if (this.resourceVersion === '') {
        const listed = await this.list(signal);
        if (signal.aborted) return;
        if (listed !== undefined) {
          const retryInMs = backoffDelay(attempt++, this.options.backoff ?? defaultBackoff);
          this.emit({ type: 'failure', stage: 'list', failure: listed, retryInMs });
          await sleep(retryInMs, signal);
          continue;
        }
        if (!this.isSynced) {
          this.isSynced = true;
          this.emit({ type: 'synced' });
        }
      }
      const opened = Date.now();
      const end = await this.watch(signal, () => {
        attempt = 0;
      });
      if (signal.aborted) return;
      // A watch the server ends normally is resumed at once, unless it ended at once: a proxy
      // that closes every stream would otherwise turn this loop into a request storm.
      if (end === 'closed' && Date.now() - opened > 1000) continue;
      if (end === 'expired') {
        this.resourceVersion = '';
        this.emit({ type: 'relist', cause: 'expired' });
        continue;
      }
      const retryInMs = backoffDelay(attempt++, this.options.backoff ?? defaultBackoff);
      const failure: ApiFailure =
        end === 'closed'
          ? { ok: false, failure: 'server-error', message: 'watch closed as soon as it opened' }
          : end;
      this.emit({ type: 'failure', stage: 'watch', failure, retryInMs });
      await sleep(retryInMs, signal);
    }
  }

  /** List every page; on success replace the store and return undefined. */
  private async list(signal: AbortSignal): Promise<ApiFailure | undefined> {
    const items: unknown[] = [];
    let continueToken = '';
    let resourceVersion = '';
    const limit = this.options.pageSize ?? 500;
    for (;;) {
      const query = `?limit=${limit}${continueToken === '' ? '' : `&continue=${encodeURIComponent(continueToken)}`}`;
      // A page that hangs must not stall the informer forever.
      const pageSignal = AbortSignal.any([signal, AbortSignal.timeout(60_000)]);
      const page = await this.api.getJson(`${this.options.path}${query}`, pageSignal);
      if (!page.ok) {
        // An expired continue token: start the list over (the next attempt begins fresh).
        return page;
      }
      const body = page.value;
      const meta = isRecord(body) && isRecord(body['metadata']) ? body['metadata'] : {};
      const pageItems = isRecord(body) && Array.isArray(body['items']) ? body['items'] : [];
      for (const item of pageItems) items.push(item);
      resourceVersion =
        typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : resourceVersion;
      continueToken = typeof meta['continue'] === 'string' ? meta['continue'] : '';
      if (continueToken === '') break;
    }
    this.replace(items);
    this.resourceVersion = resourceVersion;
    return undefined;
  }

  private replace(items: Iterable<unknown>): void {
    const next = new Map<string, Map<string, F>>();
    for (const item of items) {
      const meta = metaOf(item);
      if (meta === undefined) continue;
      let ns = next.get(meta.namespace);
      if (ns === undefined) next.set(meta.namespace, (ns = new Map<string, F>()));
      ns.set(meta.name, this.options.project(item));
    }
    this.store = next;
    for (const l of this.listeners) l.replaced?.(next);
  }

  private async watch(signal: AbortSignal, connected: () => void): Promise<WatchEnd> {
    const [low, high] = this.options.watchSeconds ?? [240, 480];
    const seconds = Math.round(low + Math.random() * (high - low));
    // The server ends the watch after `seconds`; a connection that went silent without a FIN
    // (a dead peer behind a load balancer) is cut by this client-side guard a little later.
    const watchSignal = AbortSignal.any([signal, AbortSignal.timeout((seconds + 30) * 1000)]);
    const path =
      `${this.options.path}?watch=true&allowWatchBookmarks=true` +
      `&resourceVersion=${encodeURIComponent(this.resourceVersion)}&timeoutSeconds=${seconds}`;
    const opened = await this.api.openStream(path, watchSignal);
    if (!opened.ok) return opened.failure === 'gone' ? 'expired' : opened;
    connected();
    try {
      for await (const line of opened.value.lines) {
        const end = this.apply(line);
        if (end !== undefined) return end;
      }
    } catch (err) {
      if (signal.aborted) return 'closed';
      return {
        ok: false,
        failure: watchSignal.aborted ? 'timeout' : 'unreachable',
        message: err instanceof Error ? err.message : String(err),
      };
    }
    return 'closed';
  }

  /** Apply one watch event; a returned value ends the watch. */
  private apply(line: string): WatchEnd | undefined {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return { ok: false, failure: 'bad-response', message: 'watch event is not JSON' };
    }
    if (!isRecord(event)) return undefined;
    const type = event['type'];
    const object = event['object'];
    if (type === 'ERROR') {
      const code = isRecord(object) ? object['code'] : undefined;
      if (code === 410) return 'expired';
      const message =
        isRecord(object) && typeof object['message'] === 'string'
          ? object['message']
          : 'watch error';
      return { ok: false, failure: 'server-error', status: Number(code) || 500, message };
    }
    const meta = metaOf(object);
    if (meta === undefined) return undefined;
    if (type === 'ADDED' || type === 'MODIFIED') {
      const facts = this.options.project(object);
      let ns = this.store.get(meta.namespace);
      if (ns === undefined) this.store.set(meta.namespace, (ns = new Map<string, F>()));
      ns.set(meta.name, facts);
      for (const l of this.listeners)
        l.changed?.({ type: 'upsert', namespace: meta.namespace, name: meta.name, facts });
    } else if (type === 'DELETED') {
      const ns = this.store.get(meta.namespace);
      const facts = ns?.get(meta.name);
      if (ns !== undefined && facts !== undefined) {
        ns.delete(meta.name);
        if (ns.size === 0) this.store.delete(meta.namespace);
        for (const l of this.listeners)
          l.changed?.({ type: 'delete', namespace: meta.namespace, name: meta.name, facts });
      }
    }
    // BOOKMARK carries only the resourceVersion to resume from.
    if (meta.resourceVersion !== '') this.resourceVersion = meta.resourceVersion;
    return undefined;
  }
}
