// References answered from manifests instead of a cluster: the CLI (`check`, neighbours come
// from the same files), `serve --objects`, and the local default over examples/. The index
// keeps only the facts the rules ask about: a group's phase, an auth config's type, the key
// NAMES of ConfigMaps and Secrets. Secret values are never copied in, so nothing derived from
// this lookup (answers, logs, heap snapshots of a long-running server) can carry one.
import { groupVersionOf, kindOf, nameOf, namespaceOf } from '../manifests/object-identity.ts';
import { TOOLHIVE_API_GROUP } from '../manifests/object-identity.ts';
import { readManifests } from '../manifests/read-manifests.ts';
import type { ManifestError } from '../manifests/read-manifests.ts';
import type {
  ReferenceAnswer,
  ReferenceKind,
  ReferenceLookup,
  ReferenceQuery,
} from '../model/lookup.ts';
import { isRecord } from '../json-object.ts';

type Facts =
  | { readonly kind: 'MCPGroup'; readonly phase: string | undefined }
  | { readonly kind: 'MCPExternalAuthConfig'; readonly authType: string | undefined }
  | { readonly kind: 'ConfigMap' | 'Secret'; readonly keys: ReadonlySet<string> };

/** Reading the manifests behind a lookup failed; every problem is listed with its position. */
export class ManifestLookupError extends Error {
  readonly errors: readonly ManifestError[];
  constructor(errors: readonly ManifestError[]) {
    super(
      `cannot load reference objects:\n${errors
        .map(
          (e) =>
            `  ${e.source}${e.line === undefined ? '' : `:${e.line}:${e.column ?? 1}`}: ${e.message}`,
        )
        .join('\n')}`,
    );
    this.name = 'ManifestLookupError';
    this.errors = errors;
  }
}

/** kind, then namespace, then name: no key string is built per lookup. */
type FactsIndex = Map<ReferenceKind, Map<string, Map<string, Facts>>>;

export class ManifestLookup implements ReferenceLookup {
  private readonly facts: FactsIndex;

  private constructor(facts: FactsIndex) {
    this.facts = facts;
  }

  /**
   * Index the referenceable objects among `docs`; other kinds are ignored. An object without
   * `metadata.namespace` lands in `defaultNamespace`; a later object with the same identity
   * replaces an earlier one, as a second `kubectl apply` would.
   */
  static fromDocuments(
    docs: readonly { readonly object: Record<string, unknown> }[],
    defaultNamespace = 'default',
  ): ManifestLookup {
    const facts: FactsIndex = new Map();
    for (const { object } of docs) {
      const kind = referenceKindOf(object);
      const name = nameOf(object);
      if (kind === undefined || name === undefined) continue;
      const namespace = namespaceOf(object, defaultNamespace);
      let byNamespace = facts.get(kind);
      if (byNamespace === undefined)
        facts.set(kind, (byNamespace = new Map<string, Map<string, Facts>>()));
      let byName = byNamespace.get(namespace);
      if (byName === undefined) byNamespace.set(namespace, (byName = new Map<string, Facts>()));
      byName.set(name, factsOf(kind, object));
    }
    return new ManifestLookup(facts);
  }

  /**
   * Read manifests from files, directories or globs. A file that cannot be read or parsed
   * throws ManifestLookupError: a server started with a broken `--objects` file should say so
   * at start-up rather than deny every entry that names an object from it.
   */
  static async fromPaths(
    paths: readonly string[],
    defaultNamespace = 'default',
  ): Promise<ManifestLookup> {
    const { documents, errors } = await readManifests(paths);
    if (errors.length > 0) throw new ManifestLookupError(errors);
    return ManifestLookup.fromDocuments(documents, defaultNamespace);
  }

  /** Static data answers at once, whether or not `_signal` has aborted: found or missing, never unknown. */
  lookup(query: ReferenceQuery, _signal: AbortSignal): Promise<ReferenceAnswer> {
    return Promise.resolve(this.answer(query));
  }

  peek(query: ReferenceQuery): ReferenceAnswer {
    return this.answer(query);
  }

  ready(): boolean {
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private answer(query: ReferenceQuery): ReferenceAnswer {
    const facts = this.facts.get(query.kind)?.get(query.namespace)?.get(query.name);
    if (facts === undefined) return { status: 'missing' };
    switch (facts.kind) {
      case 'MCPGroup':
        return facts.phase === undefined
          ? { status: 'found' }
          : { status: 'found', phase: facts.phase };
      case 'MCPExternalAuthConfig':
        return facts.authType === undefined
          ? { status: 'found' }
          : { status: 'found', authType: facts.authType };
      case 'ConfigMap':
      case 'Secret':
        return query.key === undefined
          ? { status: 'found' }
          : { status: 'found', hasKey: facts.keys.has(query.key) };
    }
  }
}

function referenceKindOf(object: Record<string, unknown>): ReferenceKind | undefined {
  const gv = groupVersionOf(object);
  const kind = kindOf(object);
  if (gv === undefined || kind === undefined) return undefined;
  if (
    gv.group === TOOLHIVE_API_GROUP &&
    (kind === 'MCPGroup' || kind === 'MCPExternalAuthConfig')
  ) {
    return kind;
  }
  if (gv.group === '' && gv.version === 'v1' && (kind === 'ConfigMap' || kind === 'Secret')) {
    return kind;
  }
  return undefined;
}

function factsOf(kind: ReferenceKind, object: Record<string, unknown>): Facts {
  switch (kind) {
    case 'MCPGroup':
      return { kind, phase: stringAt(object, 'status', 'phase') };
    case 'MCPExternalAuthConfig':
      return { kind, authType: stringAt(object, 'spec', 'type') };
    case 'ConfigMap':
      return { kind, keys: keyNames(object, ['data', 'binaryData']) };
    case 'Secret':
      // stringData is write-only convenience: the API server merges it into data on write.
      return { kind, keys: keyNames(object, ['data', 'stringData']) };
  }
}

function stringAt(
  object: Record<string, unknown>,
  section: string,
  field: string,
): string | undefined {
  const holder = object[section];
  if (!isRecord(holder)) return undefined;
  const value = holder[field];
  return typeof value === 'string' ? value : undefined;
}

/** Key names only; the values are never read. */
function keyNames(
  object: Record<string, unknown>,
  sections: readonly string[],
): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const section of sections) {
    const holder = object[section];
    if (isRecord(holder)) for (const key of Object.keys(holder)) keys.add(key);
  }
  return keys;
}
