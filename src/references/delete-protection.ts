// Which MCPServerEntries reference an object, read from the MCPServerEntry informer for delete
// protection: a scan of one namespace's entries per DELETE (rare), rather than a reverse index
// that every watch event would have to keep consistent. The rule that judges the answer is
// src/policy/delete-protection.ts; the server's review handler joins the two.
import type { ReferencingEntries } from '../model/lookup.ts';
import type { UnknownPolicy } from '../model/review.ts';
import type { ClusterCaches, EntryReferences } from './cluster-caches.ts';

export type ProtectedKindField = keyof EntryReferences;

/** Entry names in `namespace` whose `field` names `name`, sorted. */
export function referencingEntries(
  entries: ReadonlyMap<string, EntryReferences> | undefined,
  field: ProtectedKindField,
  name: string,
): string[] {
  const out: string[] = [];
  if (entries === undefined) return out;
  for (const [entryName, refs] of entries) if (refs[field] === name) out.push(entryName);
  return out.sort();
}

export class DeleteProtection {
  private readonly caches: ClusterCaches;
  /** When the entry cache cannot answer: refuse (deny) or allow with a warning (warn). */
  readonly onLookupFailure: UnknownPolicy;

  constructor(caches: ClusterCaches, options: { readonly onLookupFailure: UnknownPolicy }) {
    this.caches = caches;
    this.onLookupFailure = options.onLookupFailure;
  }

  /** The entries in `namespace` whose `field` names `name`, as far as the cache can tell. */
  referencing(namespace: string, field: ProtectedKindField, name: string): ReferencingEntries {
    const informer = this.caches.entryInformer(namespace);
    if (informer === undefined) return { status: 'not-watched' };
    if (!informer.synced) return { status: 'not-synced' };
    return {
      status: 'known',
      entries: referencingEntries(informer.contents().get(namespace), field, name),
    };
  }
}
