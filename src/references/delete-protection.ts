// Optional (--delete-protection): refuse DELETE of an MCPGroup or MCPExternalAuthConfig that
// MCPServerEntries in the same namespace still reference, naming up to ten of them. Deleting a
// group under its entries leaves them unserved with only a status condition to say why; the
// refusal turns that into a message at the moment of the mistake.
//
// It reads the MCPServerEntry informer: a scan of one namespace's entries per DELETE (rare),
// rather than a reverse index that every watch event would have to keep consistent.
import { decodeAdmissionReview } from '../admission/decode.ts';
import { buildAllowedResponse, buildValidationResponse } from '../admission/respond.ts';
import type { Logger } from '../log.ts';
import type { UnknownPolicy } from '../model/review.ts';
import { rootPath } from '../model/field-path.ts';
import { finding, quoted as quote, type Finding } from '../model/findings.ts';
import type { Verdict } from '../model/verdict.ts';
import type { ClusterCaches, EntryReferences } from './cluster-caches.ts';
import { toolhiveGroup } from './reference-resources.ts';

/** How many referencing entries a refusal names; the count covers the rest. */
export const maxNamedEntries = 10;

export interface DeleteProtectionOutcome {
  readonly statusCode: number;
  readonly body: unknown;
}

export interface DeleteProtectionOptions {
  /** When the entry cache cannot answer: refuse (deny) or allow with a warning (warn). */
  readonly onLookupFailure: UnknownPolicy;
  readonly log?: Logger;
}

type ProtectedKind = 'MCPGroup' | 'MCPExternalAuthConfig';
const referenceField: Record<ProtectedKind, keyof EntryReferences> = {
  MCPGroup: 'group',
  MCPExternalAuthConfig: 'authConfig',
};
// Own keys only: `in` would take a forged kind such as `constructor` or `__proto__` for one.
const isProtectedKind = (k: string): k is ProtectedKind => Object.hasOwn(referenceField, k);

/** Entry names in `namespace` whose `field` names `name`, sorted. */
export function referencingEntries(
  entries: ReadonlyMap<string, EntryReferences> | undefined,
  field: keyof EntryReferences,
  name: string,
): string[] {
  const out: string[] = [];
  if (entries === undefined) return out;
  for (const [entryName, refs] of entries) if (refs[field] === name) out.push(entryName);
  return out.sort();
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

export class DeleteProtection {
  private readonly caches: ClusterCaches;
  private readonly options: DeleteProtectionOptions;

  constructor(caches: ClusterCaches, options: DeleteProtectionOptions) {
    this.caches = caches;
    this.options = options;
  }

  /** The POST /validate-delete handler: a parsed body in, an HTTP answer out. */
  handle(body: unknown): Promise<DeleteProtectionOutcome> {
    return Promise.resolve(this.review(body));
  }

  review(body: unknown): DeleteProtectionOutcome {
    const decoded = decodeAdmissionReview(body);
    if (!decoded.ok) return { statusCode: 400, body: { message: decoded.message } };
    const req = decoded.request;
    if (
      req.operation !== 'DELETE' ||
      req.kind.group !== toolhiveGroup ||
      !isProtectedKind(req.kind.kind) ||
      req.subResource !== '' ||
      req.name === ''
    ) {
      return { statusCode: 200, body: buildAllowedResponse(req.uid) };
    }
    const verdict = this.judge(req.kind.kind, req.namespace, req.name);
    this.options.log?.info(
      {
        path: 'validate-delete',
        uid: req.uid,
        kind: req.kind.kind,
        namespace: req.namespace,
        name: req.name,
        decision: verdict.allowed ? (verdict.warnings.length > 0 ? 'warned' : 'allowed') : 'denied',
      },
      'review',
    );
    return {
      statusCode: 200,
      body: buildValidationResponse(
        { uid: req.uid, kind: req.kind.kind, group: req.kind.group, name: req.name },
        verdict,
      ),
    };
  }

  judge(kind: ProtectedKind, namespace: string, name: string): Verdict {
    const informer = this.caches.entryInformer(namespace);
    if (informer === undefined) {
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
    }
    if (!informer.synced) {
      const f = finding.forbidden(
        rootPath,
        `could not verify that no MCPServerEntry references ${kind} ${quote(name)}: the webhook's MCPServerEntry cache has not synced yet`,
        'delete-protection.unverified',
      );
      return this.options.onLookupFailure === 'deny' ? verdictOf([f], []) : verdictOf([], [f]);
    }
    const entries = referencingEntries(
      informer.contents().get(namespace),
      referenceField[kind],
      name,
    );
    if (entries.length === 0) return verdictOf([], []);
    return verdictOf(
      [
        finding.forbidden(
          rootPath,
          stillReferencedMessage(kind, name, namespace, entries),
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
