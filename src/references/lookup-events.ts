// What the cluster lookups report about themselves, for metrics and nothing else. The lookups
// call an optional observer with these plain values instead of importing prom-client, so they
// stay testable on their own and the metrics module owns every metric name and label.
import type { ReferenceKind } from '../model/lookup.ts';
import type { ApiFailureClass } from './kube-api.ts';

export type LookupEvent =
  /** One answered lookup. `source`: from a cache (no API call) or from the API server. */
  | {
      readonly type: 'lookup';
      readonly kind: ReferenceKind;
      readonly source: 'cache' | 'api';
      readonly status: 'found' | 'missing' | 'unknown';
      readonly seconds: number;
    }
  /** The cache could not answer and a direct GET was made instead (read-through). */
  | { readonly type: 'cache-miss'; readonly kind: ReferenceKind }
  /** A request to the API server failed; `failure` is a bounded enum. */
  | {
      readonly type: 'api-error';
      readonly kind: ReferenceKind | 'MCPServerEntry';
      readonly failure: ApiFailureClass;
    }
  /** An informer's state: synced once its first list completed (per resource, all namespaces). */
  | { readonly type: 'sync'; readonly resource: string; readonly synced: boolean }
  /** An informer listed again: its watch expired (410) or failed. */
  | { readonly type: 'relist'; readonly resource: string; readonly cause: 'expired' | 'error' };

export type LookupObserver = (event: LookupEvent) => void;

export const ignoreLookupEvents: LookupObserver = () => undefined;
