// renderDevUrlWebhooks: the configurations the e2e tests and local development register.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { parseObjects } from '../../deploy/kustomize-render.ts';
import { devUrlPlaceholders, renderDevUrlWebhooks } from '../../deploy/render-dev-url.ts';
import { isWebhookConfiguration, type Webhook } from '../../deploy/webhook-client-config.ts';
import { admissionPaths } from '../../src/server/routes-paths.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/tls/certificates.ts';
import { renderOverlay } from './rendered.ts';

const ca = await createCertificateAuthority({ commonName: 'dev-url test CA' });

function webhooksOf(yaml: string): Webhook[] {
  return parseObjects(yaml).flatMap((o) => {
    assert.ok(isWebhookConfiguration(o), o.kind);
    return o.webhooks;
  });
}

describe('renderDevUrlWebhooks', () => {
  test('points each webhook at https://127.0.0.1:PORT on its route', () => {
    const webhooks = webhooksOf(renderDevUrlWebhooks({ port: 24443, caBundlePem: ca.certPem }));
    const urls = webhooks.map((w) => w.clientConfig.url).sort();
    assert.deepEqual(urls, [
      `https://127.0.0.1:24443${admissionPaths.mutate}`,
      `https://127.0.0.1:24443${admissionPaths.validate}`,
    ]);
    for (const webhook of webhooks) assert.equal(webhook.clientConfig.service, undefined);
  });

  test('caBundle is base64 of the given CA and parses as that certificate', () => {
    const webhooks = webhooksOf(renderDevUrlWebhooks({ port: 24443, caBundlePem: ca.certPem }));
    const expected = new X509Certificate(ca.certPem).fingerprint256;
    for (const webhook of webhooks) {
      const bundle = webhook.clientConfig.caBundle;
      assert.ok(bundle);
      assert.match(bundle, /^[A-Za-z0-9+/]+={0,2}$/);
      const pem = Buffer.from(bundle, 'base64').toString('utf8');
      assert.equal(new X509Certificate(pem).fingerprint256, expected);
    }
  });

  test('no placeholder survives', () => {
    const yaml = renderDevUrlWebhooks({ port: 1, caBundlePem: ca.certPem, deleteProtection: true });
    assert.ok(!yaml.includes(devUrlPlaceholders.port));
    assert.ok(!yaml.includes(devUrlPlaceholders.caBundle));
  });

  test('the shipped overlay carries the placeholders the renderer fills', () => {
    const text = JSON.stringify(renderOverlay('overlays/dev-url'));
    assert.ok(text.includes(devUrlPlaceholders.port));
    assert.ok(text.includes(devUrlPlaceholders.caBundle));
  });

  test('namespaceExclusions are added to the default exclusions', () => {
    const webhooks = webhooksOf(
      renderDevUrlWebhooks({
        port: 24443,
        caBundlePem: ca.certPem,
        namespaceExclusions: ['e2e-unwatched', 'kube-system'],
      }),
    );
    for (const webhook of webhooks) {
      const values = webhook.namespaceSelector?.matchExpressions?.[0]?.values;
      assert.deepEqual(values, ['kube-system', 'mcpentry-webhook', 'e2e-unwatched']);
    }
  });

  test('deleteProtection adds the protect webhook on the validate-delete route', () => {
    const webhooks = webhooksOf(
      renderDevUrlWebhooks({ port: 24443, caBundlePem: ca.certPem, deleteProtection: true }),
    );
    const protect = webhooks.find((w) => w.name === 'protect.references.mcpentry-webhook.dev');
    assert.equal(
      protect?.clientConfig.url,
      `https://127.0.0.1:24443${admissionPaths.validateDelete}`,
    );
  });

  test('refuses a port outside 1..65535', () => {
    for (const port of [0, 65536, 1.5, Number.NaN]) {
      assert.throws(() => renderDevUrlWebhooks({ port, caBundlePem: ca.certPem }), RangeError);
    }
  });

  test('refuses a caBundle that is not a CA certificate', async () => {
    const leaf = await issueCertificate(ca, { commonName: 'leaf', usage: 'server' });
    assert.throws(() => renderDevUrlWebhooks({ port: 1, caBundlePem: leaf.certPem }), /not a CA/);
    assert.throws(() => renderDevUrlWebhooks({ port: 1, caBundlePem: leaf.keyPem }));
  });
});
