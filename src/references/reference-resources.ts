// Where each referenced kind lives in the API and which facts a lookup keeps from it. The
// projection is the privacy boundary: an object goes in, only the facts the rules need come
// out (a group's phase, an auth config's type, the key *names* of a ConfigMap or Secret).
import type { ReferenceAnswer, ReferenceKind } from '../model/lookup.ts';
import { requiredPermissions } from './required-permissions.ts';
import type { ApiFailure } from './kube-api.ts';

import { entryGroup, entryPlural } from '../model/entry.ts';
import { isRecord } from '../json-object.ts';

export const toolhiveGroup = entryGroup;

export interface ResourceRef {
  readonly apiGroup: string;
  readonly plural: string;
}

export const referenceResources: Readonly<Record<ReferenceKind, ResourceRef>> = {
  MCPGroup: { apiGroup: toolhiveGroup, plural: 'mcpgroups' },
  MCPExternalAuthConfig: { apiGroup: toolhiveGroup, plural: 'mcpexternalauthconfigs' },
  ConfigMap: { apiGroup: '', plural: 'configmaps' },
  Secret: { apiGroup: '', plural: 'secrets' },
};

export const entryResource: ResourceRef = { apiGroup: toolhiveGroup, plural: entryPlural };

/** `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise. */
export function collectionPath(
  resource: ResourceRef,
  version: string,
  namespace: string | undefined,
): string {
  const root = resource.apiGroup === '' ? '/api/v1' : `/apis/${resource.apiGroup}/${version}`;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${root}${ns}/${resource.plural}`;
}

export function objectPath(
  resource: ResourceRef,
  version: string,
  namespace: string,
  name: string,
): string {
  return `${collectionPath(resource, version, namespace)}/${encodeURIComponent(name)}`;
}

// Thousands of cached groups share a handful of phases, and auth configs a handful of types:
// one frozen answer per known value serves them all, so a cached object costs its map entry.
const foundWithoutFacts: ReferenceAnswer = Object.freeze({ status: 'found' });
const groupAnswers = new Map(
  ['Ready', 'Pending', 'Failed'].map((phase) => [phase, Object.freeze({ status: 'found', phase })]),
);
const authAnswers = new Map(
  [
    'tokenExchange',
    'headerInjection',
    'bearerToken',
    'unauthenticated',
    'embeddedAuthServer',
    'awsSts',
    'upstreamInject',
    'obo',
    'xaa',
  ].map((authType) => [authType, Object.freeze({ status: 'found', authType })]),
);

/** MCPGroup → `{found, phase}`; the answer object itself is what a cache stores and returns. */
export function groupAnswer(obj: unknown): ReferenceAnswer {
  const status = isRecord(obj) && isRecord(obj['status']) ? obj['status'] : undefined;
  const phase = status?.['phase'];
  if (typeof phase !== 'string') return foundWithoutFacts;
  return groupAnswers.get(phase) ?? Object.freeze({ status: 'found', phase });
}

/** MCPExternalAuthConfig → `{found, authType}`. */
export function authConfigAnswer(obj: unknown): ReferenceAnswer {
  const spec = isRecord(obj) && isRecord(obj['spec']) ? obj['spec'] : undefined;
  const type = spec?.['type'];
  if (typeof type !== 'string') return foundWithoutFacts;
  return authAnswers.get(type) ?? Object.freeze({ status: 'found', authType: type });
}

/**
 * The key names of a ConfigMap (data, binaryData) or Secret (data, stringData). Values are
 * never read: the caller drops the object as soon as this returns.
 */
export function keyNames(obj: unknown): ReadonlySet<string> {
  const keys = new Set<string>();
  if (!isRecord(obj)) return keys;
  for (const field of ['data', 'binaryData', 'stringData']) {
    const map = obj[field];
    if (isRecord(map)) for (const k of Object.keys(map)) keys.add(k);
  }
  return keys;
}

/** The verb each lookup uses on a referenced kind: a GET of one named object. */
export const lookupVerb = 'get';

/**
 * The reason text of an `unknown` answer. A 403 names the exact permission that is missing
 * (as declared in required-permissions.ts), because "forbidden" alone sends an operator
 * hunting through RBAC; a silent network failure says the API server did not answer.
 */
export function failureReason(
  failure: ApiFailure,
  resource: ResourceRef,
  namespace: string,
  verb: string = lookupVerb,
): string {
  switch (failure.failure) {
    case 'forbidden': {
      const declared = requiredPermissions.some(
        (p) =>
          p.apiGroup === resource.apiGroup &&
          p.resource === resource.plural &&
          p.verbs.includes(verb),
      );
      const group =
        resource.apiGroup === '' ? 'core API group ""' : `API group "${resource.apiGroup}"`;
      return (
        `the webhook's service account lacks RBAC permission "${verb}" on "${resource.plural}" ` +
        `(${group}) in namespace "${namespace}"` +
        (declared ? '; grant it as deploy/base/rbac.yaml does' : '') +
        ` (API server: ${failure.message})`
      );
    }
    case 'unauthorized':
      return `the API server refused the webhook's credentials (401): ${failure.message}`;
    case 'not-served':
      return `the API server does not serve ${resource.plural}.${resource.apiGroup || 'core'} (is the CRD installed?): ${failure.message}`;
    case 'timeout':
      return `API server did not answer: ${failure.message}`;
    case 'unreachable':
      return `API server did not answer: ${failure.message}`;
    case 'gone':
    case 'server-error':
    case 'bad-response':
    case 'not-found':
      return `API server error${failure.status === undefined ? '' : ` ${failure.status}`}: ${failure.message}`;
  }
}
