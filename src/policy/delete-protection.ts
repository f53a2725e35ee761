// Delete protection as a rule (--delete-protection): refuse DELETE of an MCPGroup or
// MCPExternalAuthConfig that MCPServerEntries in the same namespace still reference, naming up
// to ten of them. Deleting a group under its entries leaves them unserved with only a status
// condition to say why; the refusal turns that into a message at the moment of the mistake.
//
// Pure: the server's review handler reads which entries reference the object from the
// MCPServerEntry cache (src/references/delete-protection.ts) and hands the answer in, and the
// verdict goes out through the same respond, log and metrics path as every other review.
import { rootPath } from '../model/field-path.ts';
import { finding, quoted as quote, type Finding } from '../model/findings.ts';
import type { ReferencingEntries } from '../model/lookup.ts';
import type { UnknownPolicy } from '../model/review.ts';
import type { Verdict } from '../model/verdict.ts';

/** How many referencing entries a refusal names; the count covers the rest. */
export const maxNamedEntries = 10;

/** The kinds an entry names by reference, and the entry field that names each. */
export const protectedKinds = {
  MCPGroup: 'group',
  MCPExternalAuthConfig: 'authConfig',
} as const;
export type ProtectedKind = keyof typeof protectedKinds;
export const isProtectedKind = (k: string): k is ProtectedKind => Object.hasOwn(protectedKinds, k);

export interface DeleteRequest {
  readonly kind: ProtectedKind;
  readonly namespace: string;
  readonly name: string;
}

export function stillReferencedMessage(
  kind: ProtectedKind,
  name: string,
  namespace: string,
  entries: readonly string[],
): string {
  const shown = entries.slice(0, maxNamedEntries).map((e) => quote(e));
  const more = entries.length - shown.length;
  const noun = entries.length === 1 ? 'MCPServerEntry' : 'MCPServerEntries';
  return (
    `${kind} ${quote(name)} is still referenced by ${entries.length} ${noun} in namespace ` +
    `${quote(namespace)}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}; ` +
    `delete them or point them elsewhere first`
  );
}

export function deleteProtectionVerdict(
  request: DeleteRequest,
  referencing: ReferencingEntries,
  onLookupFailure: UnknownPolicy,
): Verdict {
  const { kind, namespace, name } = request;
  switch (referencing.status) {
    case 'not-watched':
      return verdictOf(
        [],
        [
          finding.forbidden(
            rootPath,
            `not checked for referencing MCPServerEntries: namespace ${quote(namespace)} is not watched by the webhook`,
            'delete-protection.unverified',
          ),
        ],
      );
    case 'not-synced': {
      const f = finding.forbidden(
        rootPath,
        `could not verify that no MCPServerEntry references ${kind} ${quote(name)}: the webhook's MCPServerEntry cache has not synced yet`,
        'delete-protection.unverified',
      );
      return onLookupFailure === 'deny' ? verdictOf([f], []) : verdictOf([], [f]);
    }
    case 'known':
      if (referencing.entries.length === 0) return verdictOf([], []);
      return verdictOf(
        [
          finding.forbidden(
            rootPath,
            stillReferencedMessage(kind, name, namespace, referencing.entries),
            'delete-protection',
          ),
        ],
        [],
      );
  }
}

function verdictOf(denials: Finding[], warnings: Finding[]): Verdict {
  return { allowed: denials.length === 0, denials, warnings, patch: [] };
}
