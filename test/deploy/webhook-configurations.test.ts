// The rendered webhook configurations, in every shape we ship, against the admission
// contract (docs C29/C30) and against the routes the server actually serves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, parseObjects, type KubeObject } from '../../deploy/kustomize-render.ts';
import { renderDevUrlWebhooks } from '../../deploy/render-dev-url.ts';
import type { Webhook } from '../../deploy/webhook-client-config.ts';
import { admissionPaths } from '../../src/server/routes-paths.ts';
import { createCertificateAuthority } from '../../src/tls/certificates.ts';
import { findObject, renderComposition, renderOverlay, webhookConfiguration } from './rendered.ts';

const ca = await createCertificateAuthority({ commonName: 'deploy test CA' });

const variants: { name: string; objects: KubeObject[]; deleteProtection: boolean }[] = [
  { name: 'base', objects: renderOverlay('base'), deleteProtection: false },
  {
    name: 'cert-manager',
    objects: renderOverlay('overlays/cert-manager'),
    deleteProtection: false,
  },
  { name: 'self-signed', objects: renderOverlay('overlays/self-signed'), deleteProtection: false },
  {
    name: 'cert-manager + delete-protection',
    objects: renderComposition(['overlays/cert-manager'], ['components/delete-protection']),
    deleteProtection: true,
  },
  {
    name: 'dev-url (rendered)',
    objects: parseObjects(renderDevUrlWebhooks({ port: 18443, caBundlePem: ca.certPem })),
    deleteProtection: false,
  },
  {
    name: 'dev-url + delete-protection (rendered)',
    objects: parseObjects(
      renderDevUrlWebhooks({ port: 18443, caBundlePem: ca.certPem, deleteProtection: true }),
    ),
    deleteProtection: true,
  },
];

const webhookNames = {
  validate: 'validate.mcpserverentries.mcpentry-webhook.dev',
  mutate: 'default.mcpserverentries.mcpentry-webhook.dev',
  protect: 'protect.references.mcpentry-webhook.dev',
} as const;

/** The versions a MCPServerEntry CRD file serves. */
function servedVersionsOf(crdPath: string): string[] {
  const crd = parse(readFileSync(crdPath, 'utf8')) as {
    spec: { versions: { name: string; served: boolean }[] };
  };
  return crd.spec.versions.filter((v) => v.served).map((v) => v.name);
}

/** What ToolHive's CRD serves (reference data); our deploy/crds copy must serve the same. */
function servedVersions(): string[] {
  const toolhive = servedVersionsOf(
    join(repoRoot, '../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml'),
  );
  assert.deepEqual(servedVersionsOf(join(repoRoot, 'deploy/crds/mcpserverentries.yaml')), toolhive);
  return toolhive;
}

function pathOf(webhook: Webhook): string | undefined {
  const { url, service } = webhook.clientConfig;
  return url === undefined ? service?.path : new URL(url).pathname;
}

function webhookNamed(webhooks: readonly Webhook[], name: string): Webhook {
  const found = webhooks.find((w) => w.name === name);
  assert.ok(found, `webhook ${name} present`);
  return found;
}

type Rule = {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope?: string;
};

for (const variant of variants) {
  describe(`webhook configurations: ${variant.name}`, () => {
    const validating = webhookConfiguration(variant.objects, 'ValidatingWebhookConfiguration');
    const mutating = webhookConfiguration(variant.objects, 'MutatingWebhookConfiguration');
    const all = [...validating.webhooks, ...mutating.webhooks];

    test('both configurations are named mcpentry-webhook', () => {
      assert.equal(validating.metadata.name, 'mcpentry-webhook');
      assert.equal(mutating.metadata.name, 'mcpentry-webhook');
    });

    test('C30: review version v1, no side effects, explicit timeout, Equivalent, Namespaced', () => {
      for (const webhook of all) {
        assert.deepEqual(webhook['admissionReviewVersions'], ['v1'], webhook.name);
        assert.equal(webhook['sideEffects'], 'None', webhook.name);
        const timeout = webhook['timeoutSeconds'];
        assert.ok(typeof timeout === 'number' && timeout >= 1 && timeout <= 30, webhook.name);
        assert.equal(webhook['matchPolicy'], 'Equivalent', webhook.name);
        for (const rule of webhook['rules'] as Rule[]) assert.equal(rule.scope, 'Namespaced');
      }
    });

    test('C29: names are DNS subdomains of at least three segments, unique per configuration', () => {
      for (const config of [validating, mutating]) {
        const names = config.webhooks.map((w) => w.name);
        assert.equal(new Set(names).size, names.length);
        for (const name of names) {
          assert.ok(name.split('.').length >= 3, name);
          assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
        }
      }
    });

    test('the expected webhooks and nothing else are registered', () => {
      const expectedValidating: string[] = [webhookNames.validate];
      if (variant.deleteProtection) expectedValidating.push(webhookNames.protect);
      assert.deepEqual(
        validating.webhooks.map((w) => w.name),
        expectedValidating,
      );
      assert.deepEqual(
        mutating.webhooks.map((w) => w.name),
        [webhookNames.mutate],
      );
    });

    test('validation fails closed; defaulting fails open and is reinvoked', () => {
      const validate = webhookNamed(validating.webhooks, webhookNames.validate);
      const mutate = webhookNamed(mutating.webhooks, webhookNames.mutate);
      assert.equal(validate['failurePolicy'], 'Fail');
      assert.equal(mutate['failurePolicy'], 'Ignore');
      assert.equal(mutate['reinvocationPolicy'], 'IfNeeded');
    });

    test('entry rules cover CREATE and UPDATE of mcpserverentries in every served CRD version', () => {
      const versions = servedVersions();
      assert.ok(versions.length >= 1);
      for (const name of [webhookNames.validate, webhookNames.mutate]) {
        const webhook = webhookNamed(all, name);
        const rules = webhook['rules'] as Rule[];
        assert.equal(rules.length, 1, name);
        const rule = rules[0] as Rule;
        assert.deepEqual(rule.operations, ['CREATE', 'UPDATE']);
        assert.deepEqual(rule.apiGroups, ['toolhive.stacklok.dev']);
        assert.deepEqual([...rule.apiVersions].sort(), [...versions].sort());
        // The main resource only: a status write is the controller's, not the user's.
        assert.deepEqual(rule.resources, ['mcpserverentries']);
      }
    });

    test('clientConfig paths are the routes the server serves', () => {
      assert.equal(pathOf(webhookNamed(all, webhookNames.validate)), admissionPaths.validate);
      assert.equal(pathOf(webhookNamed(all, webhookNames.mutate)), admissionPaths.mutate);
      if (variant.deleteProtection) {
        assert.equal(
          pathOf(webhookNamed(all, webhookNames.protect)),
          admissionPaths.validateDelete,
        );
      }
    });

    test('clientConfig is exactly one of url or service, and a url is plain https', () => {
      for (const webhook of all) {
        const { url, service } = webhook.clientConfig;
        assert.ok((url === undefined) !== (service === undefined), webhook.name);
        if (url !== undefined) {
          const parsed = new URL(url);
          assert.equal(parsed.protocol, 'https:');
          assert.equal(parsed.username + parsed.password + parsed.search + parsed.hash, '');
        }
      }
    });

    test('kube-system and the webhook namespace are never matched', () => {
      for (const webhook of all) {
        const exclusion = webhook.namespaceSelector?.matchExpressions?.find(
          (e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn',
        );
        assert.ok(exclusion, webhook.name);
        assert.ok(exclusion.values?.includes('kube-system'));
        assert.ok(exclusion.values?.includes('mcpentry-webhook'));
      }
    });

    if (!variant.name.startsWith('dev-url')) {
      test('service clientConfig points at the rendered Service and its port', () => {
        const service = findObject(variant.objects, 'Service', 'mcpentry-webhook');
        const ports = (service['spec'] as { ports: { port: number }[] }).ports.map((p) => p.port);
        for (const webhook of all) {
          const ref = webhook.clientConfig.service;
          assert.ok(ref, webhook.name);
          assert.equal(ref.name, service.metadata.name);
          assert.equal(ref.namespace, service.metadata.namespace);
          assert.ok(ports.includes(ref.port ?? 443));
        }
      });
    }
  });
}

describe('delete-protection webhook', () => {
  const objects = renderComposition(['overlays/cert-manager'], ['components/delete-protection']);
  const protect = webhookNamed(
    webhookConfiguration(objects, 'ValidatingWebhookConfiguration').webhooks,
    webhookNames.protect,
  );

  test('matches only DELETE of groups and auth configs', () => {
    const rules = protect['rules'] as Rule[];
    assert.deepEqual(
      rules.map((r) => r.operations),
      [['DELETE']],
    );
    assert.deepEqual(rules[0]?.resources, ['mcpgroups', 'mcpexternalauthconfigs']);
  });

  test('fails open and never holds up namespace teardown or garbage collection', () => {
    assert.equal(protect['failurePolicy'], 'Ignore');
    const conditions = protect['matchConditions'] as { expression: string }[];
    const expressions = conditions.map((c) => c.expression).join(' ');
    assert.match(expressions, /system:serviceaccount:kube-system:namespace-controller/);
    assert.match(expressions, /system:serviceaccount:kube-system:generic-garbage-collector/);
  });
});
