// The engine's inputs and knobs. The engine (src/policy/engine.ts) is the one code path that
// the server, the CLI and the tests share: object in, verdict out; lookups are its only I/O.
import type { ReferenceKind } from './lookup.ts';

/** The operator's allowed and denied remoteUrl hosts (read by src/policy/host-lists.ts). */
export interface HostLists {
  /** Empty: every host the other rules accept. Otherwise a host must match one pattern. */
  readonly allowed: readonly string[];
  /** A host matching any of these is refused. */
  readonly denied: readonly string[];
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface EntryInput {
  readonly operation: Operation;
  /** Served version of `object` (`v1alpha1`, `v1beta1`): picks the schema and the defaults. */
  readonly version: string;
  /** The new object; null on DELETE. Untrusted: the engine narrows it. */
  readonly object: unknown;
  /** The stored object on UPDATE/DELETE; null on CREATE. */
  readonly oldObject: unknown;
  /** Namespace references resolve in (request.namespace, or the manifest's/CLI default). */
  readonly namespace: string;
}

/** What to do when a referenced object does not exist. */
export type ReferencePolicy = 'deny' | 'warn' | 'ignore';
/** What to do when a lookup cannot answer (API server down, deadline passed). */
export type UnknownPolicy = 'deny' | 'warn';

export interface EngineOptions {
  readonly referencePolicy: Readonly<Record<ReferenceKind, ReferencePolicy>>;
  readonly onLookupFailure: UnknownPolicy;
  /** Budget for all lookups of one review, in milliseconds. */
  readonly lookupTimeoutMs: number;
  /**
   * Fields our schema does not know. The CLI denies them, as kubectl's strict field validation
   * would. The server ignores them: the API server has already checked the object against the
   * CRD that is really installed (ToolHive's v1alpha1, for one, declares allowPrivateEndpoint),
   * and prunes anything unknown to it before storage, so such a field can never take effect.
   */
  readonly unknownFields: 'deny' | 'ignore';
  /** The operator's allowed and denied remoteUrl hosts (src/policy/host-lists.ts). */
  readonly hostLists?: HostLists;
  /**
   * The API server's stages before our validating webhook, which the engine runs in the API
   * server's order (AdmissionEngine.prepare and check): (1) `crdDefaults`, the CRD schema's
   * defaults; (2) `mutatingDefaults`, our mutating webhook's defaults (installed, or the object
   * was stored through it); (3) `crdCelRules`, the CRD's x-kubernetes-validations rules; then
   * our rules. The server turns all three off, as the API server has run them before it calls
   * us; the CLI turns them on to judge a manifest as `kubectl apply` would be judged.
   */
  readonly crdDefaults: boolean;
  readonly mutatingDefaults: boolean;
  readonly crdCelRules: boolean;
}

export const defaultEngineOptions: EngineOptions = {
  referencePolicy: {
    MCPGroup: 'deny',
    MCPExternalAuthConfig: 'deny',
    ConfigMap: 'deny',
    Secret: 'deny',
  },
  onLookupFailure: 'deny',
  lookupTimeoutMs: 2000,
  unknownFields: 'deny',
  crdDefaults: true,
  mutatingDefaults: true,
  crdCelRules: true,
};
