// The shipped RBAC grants exactly what the code uses (src/references/required-permissions.ts):
// nothing missing (a lookup would fail with 403 in production) and nothing extra.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import {
  deleteProtectionPermissions,
  requiredPermissions,
  type RequiredPermission,
} from '../../src/references/required-permissions.ts';
import { deploymentOf, installOverlays, renderComposition, renderOverlay } from './rendered.ts';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Binding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** One string per (group, resource, verb, name) so grants compare as sets. */
function grantsOfPermissions(permissions: readonly RequiredPermission[]): string[] {
  return permissions.flatMap((p) =>
    p.verbs.flatMap((verb) =>
      (p.resourceNames ?? ['*']).map((name) => `${p.apiGroup}|${p.resource}|${verb}|${name}`),
    ),
  );
}

function grantsOfRules(rules: readonly PolicyRule[]): string[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.flatMap((verb) =>
          (rule.resourceNames ?? ['*']).map((name) => `${group}|${resource}|${verb}|${name}`),
        ),
      ),
    ),
  );
}

/** Every rule granted to the webhook's ServiceAccount by the rendered bindings. */
function rulesBoundToServiceAccount(objects: readonly KubeObject[]): PolicyRule[] {
  const deployment = deploymentOf(objects);
  const account = deployment.spec.template.spec.serviceAccountName;
  const namespace = deployment.metadata.namespace;
  const bindings = objects.filter(
    (o): o is Binding => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
  );
  const rules: PolicyRule[] = [];
  for (const binding of bindings) {
    const bindsUs = (binding.subjects ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === namespace,
    );
    if (!bindsUs) continue;
    const role = objects.find(
      (o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name,
    );
    assert.ok(role, `${binding.metadata.name} refers to a role that is rendered`);
    rules.push(...((role['rules'] as PolicyRule[] | undefined) ?? []));
  }
  return rules;
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

for (const overlay of installOverlays) {
  describe(`RBAC: ${overlay}`, () => {
    const objects = renderOverlay(overlay);
    const rules = rulesBoundToServiceAccount(objects);

    test('grants exactly requiredPermissions', () => {
      assert.deepEqual(
        sorted(grantsOfRules(rules)),
        sorted(grantsOfPermissions(requiredPermissions)),
      );
    });

    test('no wildcards, no non-resource URLs, no write verbs', () => {
      for (const rule of rules) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames]) {
          assert.ok(!(field ?? []).includes('*'));
        }
        assert.equal(rule.nonResourceURLs, undefined);
        for (const verb of rule.verbs) assert.ok(['get', 'list', 'watch'].includes(verb), verb);
      }
    });

    test('Secrets and ConfigMaps are readable one by one, never listed or watched', () => {
      const grants = grantsOfRules(rules);
      for (const resource of ['secrets', 'configmaps']) {
        assert.deepEqual(
          grants.filter((g) => g.startsWith(`|${resource}|`)),
          [`|${resource}|get|*`],
        );
      }
    });
  });
}

describe('RBAC: with the delete-protection component', () => {
  test('adds exactly deleteProtectionPermissions', () => {
    const rules = rulesBoundToServiceAccount(
      renderComposition(['overlays/cert-manager'], ['components/delete-protection']),
    );
    assert.deepEqual(
      sorted(grantsOfRules(rules)),
      sorted(grantsOfPermissions([...requiredPermissions, ...deleteProtectionPermissions])),
    );
  });
});

describe('requiredPermissions', () => {
  test('lists each resource once, with no duplicate verbs', () => {
    const keys = requiredPermissions.map((p) => `${p.apiGroup}|${p.resource}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const p of requiredPermissions) assert.equal(new Set(p.verbs).size, p.verbs.length);
  });
});
