// The values that have no kustomize counterpart in test/chart/cases.ts, each shown to reach the
// object it is meant for (and nothing else), plus the version that ties chart, image and npm
// package together.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import { deployPath, repoRoot } from '../../deploy/kustomize-render.ts';
import { deploymentOf, webhookConfiguration, webhookContainer } from '../deploy/rendered.ts';
import { chartDir, startHelm, type Helm } from './helm.ts';

let helm: Helm;
// The first run on a machine builds helm (minutes, once).
before(
  async () => {
    helm = await startHelm();
  },
  { timeout: 30 * 60_000 },
);
after(() => helm?.dispose());

const podSpec = (objects: KubeObject[]) => deploymentOf(objects).spec.template.spec;
const env = (objects: KubeObject[]): Record<string, string | undefined> =>
  Object.fromEntries(
    (webhookContainer(deploymentOf(objects)).env ?? []).map((e) => [e.name, e.value]),
  );

test("one version: Chart.yaml's appVersion, the package's version and the kustomize image tag", () => {
  const chart = parse(readFileSync(`${chartDir}/Chart.yaml`, 'utf8')) as {
    version: string;
    appVersion: string;
  };
  const pkg = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { version: string };
  const kustomization = parse(readFileSync(deployPath('base/kustomization.yaml'), 'utf8')) as {
    images: { newTag: string }[];
  };
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(chart.version, pkg.version);
  assert.equal(kustomization.images[0]?.newTag, pkg.version);
});

describe('image', () => {
  const image = async (values: object) =>
    webhookContainer(deploymentOf(await helm.template(values))).image;
  test('the default is the published repository at the appVersion', async () => {
    assert.match((await image({})) ?? '', /^ghcr\.io\/[^/]+\/mcpentry-webhook:\d+\.\d+\.\d+$/);
  });
  test('a tag and a repository', async () => {
    assert.equal(
      await image({ image: { repository: 'registry.example/mcp/webhook', tag: '1.2.3' } }),
      'registry.example/mcp/webhook:1.2.3',
    );
  });
  test('a digest pins the image and wins over the tag', async () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    assert.match(
      (await image({ image: { tag: '1.2.3', digest } })) ?? '',
      new RegExp(`/mcpentry-webhook@${digest}$`),
    );
  });
});

test('priorityClassName and imagePullSecrets reach the pod; absent by default', async () => {
  const defaults = podSpec(await helm.template({})) as unknown as Record<string, unknown>;
  assert.equal(defaults['priorityClassName'], undefined);
  assert.equal(defaults['imagePullSecrets'], undefined);
  const set = podSpec(
    await helm.template({
      priorityClassName: 'webhook-critical',
      imagePullSecrets: [{ name: 'registry-credentials' }],
    }),
  ) as unknown as Record<string, unknown>;
  assert.equal(set['priorityClassName'], 'webhook-critical');
  assert.deepEqual(set['imagePullSecrets'], [{ name: 'registry-credentials' }]);
});

test('resources are taken as given', async () => {
  const resources = { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } };
  const container = webhookContainer(deploymentOf(await helm.template({ resources })));
  assert.deepEqual(container.resources, resources);
});

test('reference policies and the log level reach the server as its environment', async () => {
  const set = env(
    await helm.template({
      logLevel: 'debug',
      referencePolicies: {
        group: 'warn',
        authConfig: 'ignore',
        configMap: 'warn',
        secret: 'warn',
        onLookupFailure: 'warn',
      },
    }),
  );
  assert.equal(set['MCPENTRY_LOG_LEVEL'], 'debug');
  assert.equal(set['MCPENTRY_GROUP_POLICY'], 'warn');
  assert.equal(set['MCPENTRY_AUTH_CONFIG_POLICY'], 'ignore');
  assert.equal(set['MCPENTRY_CONFIGMAP_POLICY'], 'warn');
  assert.equal(set['MCPENTRY_SECRET_POLICY'], 'warn');
  assert.equal(set['MCPENTRY_ON_LOOKUP_FAILURE'], 'warn');
  // secretAccess none overrides the Secret policy: the server cannot read Secrets then.
  const none = env(
    await helm.template({ secretAccess: { mode: 'none' }, referencePolicies: { secret: 'deny' } }),
  );
  assert.equal(none['MCPENTRY_SECRET_POLICY'], 'ignore');
});

describe('webhook', () => {
  test('failurePolicy and timeoutSeconds set the validating webhook; defaulting stays Ignore', async () => {
    const objects = await helm.template({
      webhook: { failurePolicy: 'Ignore', timeoutSeconds: 5 },
      deleteProtection: { enabled: true },
    });
    const [validate, protect] = webhookConfiguration(
      objects,
      'ValidatingWebhookConfiguration',
    ).webhooks;
    const [mutate] = webhookConfiguration(objects, 'MutatingWebhookConfiguration').webhooks;
    assert.equal(validate?.['failurePolicy'], 'Ignore');
    assert.equal(validate?.['timeoutSeconds'], 5);
    assert.equal(mutate?.['failurePolicy'], 'Ignore');
    assert.equal(mutate?.['timeoutSeconds'], 5);
    assert.equal(protect?.['failurePolicy'], 'Ignore');
    const strict = webhookConfiguration(await helm.template({}), 'ValidatingWebhookConfiguration');
    assert.equal(strict.webhooks[0]?.['failurePolicy'], 'Fail');
  });

  test('namespaceSelector narrows, ANDed with the exclusions, on every webhook', async () => {
    const objects = await helm.template(
      {
        webhook: {
          excludedNamespaces: ['kube-system', 'legacy'],
          namespaceSelector: {
            matchLabels: { 'toolhive.stacklok.dev/entries': 'checked' },
            matchExpressions: [{ key: 'environment', operator: 'In', values: ['prod'] }],
          },
        },
        deleteProtection: { enabled: true },
      },
      'toolhive-system',
    );
    const webhooks = [
      ...webhookConfiguration(objects, 'ValidatingWebhookConfiguration').webhooks,
      ...webhookConfiguration(objects, 'MutatingWebhookConfiguration').webhooks,
    ];
    assert.equal(webhooks.length, 3);
    for (const webhook of webhooks) {
      assert.deepEqual(webhook.namespaceSelector, {
        matchLabels: { 'toolhive.stacklok.dev/entries': 'checked' },
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'NotIn',
            values: ['kube-system', 'legacy', 'toolhive-system'],
          },
          { key: 'environment', operator: 'In', values: ['prod'] },
        ],
      });
    }
  });
});

test('networkPolicy: off renders none; metricsNamespace opens 9090 to that namespace', async () => {
  const off = await helm.template({ networkPolicy: { enabled: false } });
  assert.equal(off.filter((o) => o.kind === 'NetworkPolicy').length, 0);
  const on = await helm.template({ networkPolicy: { metricsNamespace: 'observability' } });
  const policy = on.find((o) => o.kind === 'NetworkPolicy');
  assert.ok(JSON.stringify(policy).includes('"kubernetes.io/metadata.name":"observability"'));
});

test('mtls.existingConfigMap mounts that ConfigMap and renders none of its own', async () => {
  const objects = await helm.template({
    mtls: { enabled: true, existingConfigMap: 'apiserver-client-ca' },
  });
  assert.equal(objects.filter((o) => o.kind === 'ConfigMap').length, 0);
  const volumes = podSpec(objects).volumes ?? [];
  const clientCa = volumes.find((v) => v.name === 'client-ca') as
    { configMap?: { name: string } } | undefined;
  assert.equal(clientCa?.configMap?.name, 'apiserver-client-ca');
});

test('admissionPolicy: the binding takes validationActions; the policy is the generated one', async () => {
  const objects = await helm.template({
    admissionPolicy: { enabled: true, validationActions: ['Warn', 'Audit'] },
  });
  const actions = (objects: readonly { kind: string; metadata: { name?: string } }[]) =>
    objects
      .filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')
      .map((o) => [
        o.metadata.name,
        ((o as { spec?: { validationActions?: string[] } }).spec?.validationActions ?? []).join(),
      ]);
  assert.deepEqual(actions(objects), [
    ['mcpserverentries.mcpentry-webhook.dev', 'Warn,Audit'],
    // The warnings policy warns whatever the main binding does, except when it only audits.
    ['warnings.mcpserverentries.mcpentry-webhook.dev', 'Warn'],
  ]);
  assert.equal(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').length, 2);
  const audit = await helm.template({
    admissionPolicy: { enabled: true, validationActions: ['Audit'] },
  });
  assert.deepEqual(actions(audit)[1], ['warnings.mcpserverentries.mcpentry-webhook.dev', 'Audit']);
  const off = await helm.template({});
  assert.equal(off.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')).length, 0);
});

test('hostLists: one ConfigMap, mounted into the webhook and the host-lists policy parameter', async () => {
  const objects = await helm.template({
    hostLists: { enabled: true, allowedHosts: ['*.corp.example.com'], deniedHosts: ['a.b'] },
    admissionPolicy: { enabled: true, validationActions: ['Warn'] },
  });
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'mcpentry-host-lists',
  ) as (KubeObject & { data: Record<string, string> }) | undefined;
  assert.deepEqual(configMap?.data, { allowedHosts: '*.corp.example.com', deniedHosts: 'a.b' });
  const container = webhookContainer(deploymentOf(objects));
  const args = container.args ?? [];
  const dir = args[args.indexOf('--host-lists') + 1];
  assert.equal(dir, '/etc/mcpentry-webhook/host-lists');
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dir);
  const volume = (podSpec(objects).volumes ?? []).find((v) => v.name === mount?.name) as
    { configMap?: { name: string } } | undefined;
  assert.equal(volume?.configMap?.name, 'mcpentry-host-lists');
  const binding = objects.find(
    (o) =>
      o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name?.startsWith('host-lists.'),
  ) as (KubeObject & { spec: { paramRef: unknown; validationActions: string[] } }) | undefined;
  assert.deepEqual(binding?.spec.paramRef, {
    namespace: configMap?.metadata.namespace,
    name: 'mcpentry-host-lists',
    parameterNotFoundAction: 'Allow',
  });
  assert.deepEqual(binding?.spec.validationActions, ['Warn']);
  // An edit of the lists rolls the pods (the webhook reads them at start).
  const edited = await helm.template({
    hostLists: { enabled: true, allowedHosts: ['*.other.example'], deniedHosts: [] },
  });
  const checksum = (o: KubeObject[]): unknown =>
    (deploymentOf(o).spec.template as { metadata?: { annotations?: Record<string, string> } })
      .metadata?.annotations?.['mcpentry-webhook.dev/host-lists-checksum'];
  assert.ok(typeof checksum(objects) === 'string');
  assert.notEqual(checksum(objects), checksum(edited));
  const off = await helm.template({});
  assert.ok(!off.some((o) => o.metadata.name === 'mcpentry-host-lists'));
  assert.ok(!(webhookContainer(deploymentOf(off)).args ?? []).includes('--host-lists'));
});
