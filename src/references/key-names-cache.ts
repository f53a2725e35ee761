// Short-lived memory of which keys a ConfigMap or Secret has: key names only, never values.
// Only positive answers are served from it ("key k is there"); anything else asks the API
// server again, so a user who just created the Secret or added the key is not refused from
// stale memory. Concurrent lookups of one object share one GET.
import type { KeyedObject } from './direct-lookup.ts';
import { raceAbort } from './kube-api.ts';
import type { ReferenceAnswer, ReferenceKind } from '../model/lookup.ts';

type KeyedKind = Extract<ReferenceKind, 'ConfigMap' | 'Secret'>;
type Fetch = (
  kind: KeyedKind,
  namespace: string,
  name: string,
  signal: AbortSignal,
) => Promise<KeyedObject>;

interface Remembered {
  readonly keys: ReadonlySet<string>;
  readonly expiresAt: number;
}

/** Bounds memory under a flood of distinct names; entries are tiny, so this is generous. */
const maxRemembered = 10_000;
/** The shared GET's own deadline: callers each give up at theirs, the request at this. */
const sharedFetchTimeoutMs = 10_000;

const foundWithKey: ReferenceAnswer = Object.freeze({ status: 'found', hasKey: true });
const foundWithoutKey: ReferenceAnswer = Object.freeze({ status: 'found', hasKey: false });

export class KeyNamesCache {
  private readonly ttlMs: number;
  private readonly get: Fetch;
  private readonly remembered = new Map<string, Remembered>();
  private readonly inFlight = new Map<string, Promise<KeyedObject>>();

  constructor(ttlMs: number, fetch: Fetch) {
    this.ttlMs = ttlMs;
    this.get = fetch;
  }

  /** A positive answer from memory, or undefined (ask the API server). */
  hit(
    kind: KeyedKind,
    namespace: string,
    name: string,
    key: string | undefined,
  ): ReferenceAnswer | undefined {
    if (this.ttlMs === 0) return undefined;
    const id = `${kind}/${namespace}/${name}`;
    const r = this.remembered.get(id);
    if (r === undefined) return undefined;
    if (r.expiresAt <= Date.now()) {
      this.remembered.delete(id);
      return undefined;
    }
    return key === undefined || r.keys.has(key) ? foundWithKey : undefined;
  }

  async fetch(
    kind: KeyedKind,
    namespace: string,
    name: string,
    key: string | undefined,
    signal: AbortSignal,
  ): Promise<ReferenceAnswer> {
    const id = `${kind}/${namespace}/${name}`;
    let shared = this.inFlight.get(id);
    if (shared === undefined) {
      shared = this.get(kind, namespace, name, AbortSignal.timeout(sharedFetchTimeoutMs)).then(
        (object) => {
          this.remember(id, object);
          return object;
        },
      );
      const settled = shared.finally(() => this.inFlight.delete(id));
      settled.catch(() => undefined);
      this.inFlight.set(id, shared);
    }
    const object = await raceAbort<KeyedObject | undefined>(shared, signal, () => undefined);
    if (object === undefined)
      return {
        status: 'unknown',
        reason: 'API server did not answer: no answer before the deadline',
      };
    if (object.status !== 'found') return object;
    return key === undefined || object.keys.has(key) ? foundWithKey : foundWithoutKey;
  }

  private remember(id: string, object: KeyedObject): void {
    if (object.status === 'missing') this.remembered.delete(id);
    if (object.status !== 'found' || this.ttlMs === 0) return;
    if (this.remembered.size >= maxRemembered) {
      const now = Date.now();
      for (const [k, r] of this.remembered) if (r.expiresAt <= now) this.remembered.delete(k);
      // Still full: forget the oldest (Map iteration follows insertion order).
      if (this.remembered.size >= maxRemembered) {
        const oldest = this.remembered.keys().next();
        if (oldest.done !== true) this.remembered.delete(oldest.value);
      }
    }
    this.remembered.delete(id);
    this.remembered.set(id, { keys: object.keys, expiresAt: Date.now() + this.ttlMs });
  }
}
