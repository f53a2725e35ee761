// The namespace knob (deploy/transformers/namespace-references): one `namespace:` setting
// carries into every reference that embeds the namespace in a string, which kustomize's own
// namespace transformer leaves behind (issue #13: dnsNames, inject-ca-from and the webhooks'
// namespace exclusion stayed on mcpentry-webhook, and failurePolicy Fail then refused every
// entry write).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import { renderComposed } from '../chart/kustomize.ts';
import { findObject, webhookConfiguration } from './rendered.ts';

const target = 'toolhive-system';
const everything = [
  'components/namespace',
  'components/cert-manager',
  'components/delete-protection',
  'components/client-ca',
  'components/servicemonitor',
  'components/prometheusrule',
  'components/grafana-dashboard',
];

const render = (withKnob: boolean): KubeObject[] =>
  renderComposed({
    namespace: target,
    resources: ['base'],
    components: everything,
    ...(withKnob ? { transformers: ['transformers/namespace-references'] } : {}),
  });

/** Every string in the objects with where it sits, e.g. `Certificate x: spec.dnsNames.0`. */
function strings(objects: readonly KubeObject[]): { where: string; key: string; value: string }[] {
  const found: { where: string; key: string; value: string }[] = [];
  const walk = (value: unknown, path: string[], where: string): void => {
    if (typeof value === 'string') {
      found.push({ where: `${where}: ${path.join('.')}`, key: path.at(-1) ?? '', value });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, String(i)], where));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k], where);
    }
  };
  for (const o of objects) walk(o, [], `${o.kind} ${o.metadata.name}`);
  return found;
}

/** Every place the old namespace survives as a namespace (not as the app's name). */
function staleReferences(objects: readonly KubeObject[]): string[] {
  return strings(objects)
    .filter(
      ({ key, value, where }) =>
        (key === 'namespace' && value === 'mcpentry-webhook') ||
        value.includes('.mcpentry-webhook.svc') ||
        value.startsWith('mcpentry-webhook/') ||
        (where.includes('namespaceSelector.matchExpressions') && value === 'mcpentry-webhook'),
    )
    .map(({ where, value }) => `${where} = ${value}`);
}

describe(`the namespace knob renders into ${target}`, () => {
  const objects = render(true);

  test('no reference to the default namespace survives anywhere', () => {
    assert.deepEqual(staleReferences(objects), []);
  });

  test('every namespaced object, and the Namespace itself, is the target', () => {
    assert.equal(findObject(objects, 'Namespace').metadata.name, target);
    for (const o of objects) {
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
      if (clusterScoped || o.kind.endsWith('WebhookConfiguration')) {
        assert.equal(o.metadata.namespace, undefined, o.kind);
      } else {
        assert.equal(o.metadata.namespace, target, `${o.kind} ${o.metadata.name}`);
      }
    }
  });

  test("the serving certificate names the Service's DNS names in the target", () => {
    const certificate = findObject(objects, 'Certificate', 'mcpentry-webhook-serving') as {
      spec?: { dnsNames?: string[] };
    } & KubeObject;
    assert.deepEqual(certificate.spec?.dnsNames, [
      `mcpentry-webhook.${target}.svc`,
      `mcpentry-webhook.${target}.svc.cluster.local`,
    ]);
  });

  test('both configurations inject the CA from the target, and every webhook calls it', () => {
    for (const kind of [
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
    ] as const) {
      const configuration = webhookConfiguration(objects, kind);
      const annotations = configuration.metadata['annotations'] as Record<string, string>;
      assert.equal(
        annotations['cert-manager.io/inject-ca-from'],
        `${target}/mcpentry-webhook-serving`,
      );
      for (const webhook of configuration.webhooks) {
        assert.equal(webhook.clientConfig.service?.namespace, target, webhook.name);
        assert.deepEqual(
          webhook.namespaceSelector?.matchExpressions?.find(
            (e) => e.key === 'kubernetes.io/metadata.name',
          )?.values,
          ['kube-system', target],
          webhook.name,
        );
      }
    }
    // The delete-protection webhook is the second one of the validating configuration.
    assert.equal(
      webhookConfiguration(objects, 'ValidatingWebhookConfiguration').webhooks.length,
      2,
    );
  });

  test('the role bindings name the ServiceAccount in the target', () => {
    for (const o of objects.filter((x) => x.kind === 'ClusterRoleBinding')) {
      const subjects = o['subjects'] as { namespace: string }[];
      assert.deepEqual(
        subjects.map((s) => s.namespace),
        [target],
        o.metadata.name,
      );
    }
  });

  test("without the transformer, kustomize's namespace field alone leaves the bug of #13", () => {
    const stale = staleReferences(render(false));
    assert.ok(
      stale.some((s) => s.includes('dnsNames')),
      stale.join('\n'),
    );
    assert.ok(
      stale.some((s) => s.includes('inject-ca-from')),
      stale.join('\n'),
    );
    assert.ok(
      stale.some((s) => s.includes('namespaceSelector')),
      stale.join('\n'),
    );
  });
});

test('the install overlays render with the knob and are unchanged in the default namespace', () => {
  for (const overlay of ['overlays/cert-manager', 'overlays/self-signed']) {
    const objects = renderComposed({ resources: [overlay] });
    assert.deepEqual(
      strings(objects).filter(
        ({ key, value }) => key === 'namespace' && value !== 'mcpentry-webhook',
      ),
      [],
      overlay,
    );
  }
});
