// renderSelfSigned (what deploy/overlays/self-signed/install.sh applies).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseObjects } from '../../deploy/kustomize-render.ts';
import {
  renderSelfSigned,
  selfSignedPlaceholder,
  tlsSecretName,
} from '../../deploy/render-self-signed.ts';
import { isWebhookConfiguration } from '../../deploy/webhook-client-config.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/tls/certificates.ts';
import { deploymentOf, renderOverlay, webhookContainer } from './rendered.ts';

const ca = await createCertificateAuthority({ commonName: 'self-signed test CA' });
const serving = await issueCertificate(ca, { commonName: 'serving', usage: 'server' });
const options = { caCertPem: ca.certPem, tlsCertPem: serving.certPem, tlsKeyPem: serving.keyPem };

describe('renderSelfSigned', () => {
  const objects = parseObjects(renderSelfSigned(options));

  test('fills every webhook caBundle with the CA', () => {
    const configs = objects.filter(isWebhookConfiguration);
    assert.equal(configs.length, 2);
    for (const webhook of configs.flatMap((c) => c.webhooks)) {
      const bundle = webhook.clientConfig.caBundle;
      assert.equal(Buffer.from(bundle ?? '', 'base64').toString('utf8'), ca.certPem);
    }
  });

  test('adds the TLS Secret the Deployment mounts, before the Deployment', () => {
    const secretIndex = objects.findIndex((o) => o.kind === 'Secret');
    const secret = objects[secretIndex];
    assert.ok(secret);
    assert.equal(secret.metadata.name, tlsSecretName);
    assert.equal(secret['type'], 'kubernetes.io/tls');
    assert.deepEqual(secret['stringData'], {
      'tls.crt': serving.certPem,
      'tls.key': serving.keyPem,
      'ca.crt': ca.certPem,
    });
    const deployment = deploymentOf(objects);
    const volume = deployment.spec.template.spec.volumes?.find((v) => v.name === 'tls');
    assert.equal(volume?.secret?.secretName, tlsSecretName);
    assert.equal(secret.metadata.namespace, deployment.metadata.namespace);
    assert.ok(secretIndex < objects.indexOf(deployment));
    assert.ok(secretIndex > objects.findIndex((o) => o.kind === 'Namespace'));
  });

  test('replaces the image when asked', () => {
    const withImage = parseObjects(
      renderSelfSigned({ ...options, image: 'mcpentry-webhook:kind' }),
    );
    assert.equal(webhookContainer(deploymentOf(withImage)).image, 'mcpentry-webhook:kind');
  });

  test('the unrendered overlay carries a placeholder the API server refuses', () => {
    const raw = renderOverlay('overlays/self-signed').filter(isWebhookConfiguration);
    for (const webhook of raw.flatMap((c) => c.webhooks)) {
      assert.equal(webhook.clientConfig.caBundle, selfSignedPlaceholder);
    }
    // The API server base64-decodes caBundle and then requires PEM.
    assert.ok(!Buffer.from(selfSignedPlaceholder, 'base64').toString('latin1').includes('BEGIN'));
  });
});
