// The Kubernetes permissions the webhook's code uses, in one machine-readable place.
// deploy/base/rbac.yaml must grant exactly these (test/deploy/rbac.test.ts renders it and
// compares), and the cluster lookups are meant to be checked against the same list, so the
// shipped RBAC can neither lag behind the code nor grant more than it calls.
import { entryCrdName, entryGroup, entryPlural } from '../model/entry.ts';

export interface RequiredPermission {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  /** When present, the grant is limited to these object names. */
  readonly resourceNames?: readonly string[];
}

export const requiredPermissions: readonly RequiredPermission[] = [
  // Informer caches (list + watch) with a direct GET to confirm a cache miss (read-through).
  { apiGroup: entryGroup, resource: 'mcpgroups', verbs: ['get', 'list', 'watch'] },
  {
    apiGroup: entryGroup,
    resource: 'mcpexternalauthconfigs',
    verbs: ['get', 'list', 'watch'],
  },
  // One named object per lookup, never listed: whether the referenced key exists.
  { apiGroup: '', resource: 'configmaps', verbs: ['get'] },
  // The API has no way to answer "does key k exist in Secret s" without returning the data,
  // so `get` is the narrowest verb that works. The value is checked for presence and dropped.
  { apiGroup: '', resource: 'secrets', verbs: ['get'] },
  // The installed CRD's schema, so the webhook validates against what the cluster serves.
  {
    apiGroup: 'apiextensions.k8s.io',
    resource: 'customresourcedefinitions',
    verbs: ['get'],
    resourceNames: [entryCrdName],
  },
];

/**
 * Added by the optional delete-protection component (deploy/components/delete-protection):
 * to refuse deleting a group or auth config that entries still name, the webhook keeps a
 * cache of MCPServerEntries.
 */
export const deleteProtectionPermissions: readonly RequiredPermission[] = [
  { apiGroup: entryGroup, resource: entryPlural, verbs: ['list', 'watch'] },
];
