// The cert-manager overlay: a private CA chain that ends in the Secret the pods mount, with
// the CA injected into both webhook configurations from the serving certificate.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import { deploymentOf, findObject, renderOverlay, webhookConfiguration } from './rendered.ts';

interface CertificateSpec {
  isCA?: boolean;
  secretName: string;
  dnsNames?: string[];
  usages?: string[];
  issuerRef: { kind: string; name: string; group?: string };
}

describe('cert-manager overlay', () => {
  const objects = renderOverlay('overlays/cert-manager');
  const certificates = objects.filter((o) => o.kind === 'Certificate');
  const specOf = (o: KubeObject): CertificateSpec => o['spec'] as CertificateSpec;
  const issuerOf = (cert: KubeObject): KubeObject =>
    findObject(objects, specOf(cert).issuerRef.kind, specOf(cert).issuerRef.name);

  const mountedSecret = deploymentOf(objects).spec.template.spec.volumes?.find(
    (v) => v.name === 'tls',
  )?.secret?.secretName;
  const serving = certificates.find((c) => specOf(c).secretName === mountedSecret);

  test('a Certificate writes the Secret the Deployment mounts', () => {
    assert.ok(serving, `a Certificate with secretName ${mountedSecret}`);
  });

  test('both webhook configurations take their CA from that Certificate', () => {
    assert.ok(serving);
    const expected = `${serving.metadata.namespace}/${serving.metadata.name}`;
    for (const kind of [
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
    ] as const) {
      const annotations = webhookConfiguration(objects, kind).metadata['annotations'] as
        Record<string, string> | undefined;
      assert.equal(annotations?.['cert-manager.io/inject-ca-from'], expected, kind);
    }
  });

  test('the serving certificate names the Service the API server calls', () => {
    assert.ok(serving);
    const service = findObject(objects, 'Service', 'mcpentry-webhook');
    const host = `${service.metadata.name}.${service.metadata.namespace}.svc`;
    assert.deepEqual(specOf(serving).dnsNames, [host, `${host}.cluster.local`]);
    assert.ok(specOf(serving).usages?.includes('server auth'));
    assert.ok(specOf(serving).isCA !== true);
  });

  test('the chain is selfSigned Issuer -> CA Certificate -> CA Issuer -> serving Certificate', () => {
    assert.ok(serving);
    const caIssuer = issuerOf(serving);
    const caSecret = (caIssuer['spec'] as { ca?: { secretName: string } }).ca?.secretName;
    const caCertificate = certificates.find((c) => specOf(c).secretName === caSecret);
    assert.ok(caCertificate, 'the CA Issuer reads a Secret a Certificate writes');
    assert.equal(specOf(caCertificate).isCA, true);
    const root = issuerOf(caCertificate);
    assert.deepEqual((root['spec'] as { selfSigned?: object }).selfSigned, {});
  });

  test('issuers are namespaced Issuers in the webhook namespace, not ClusterIssuers', () => {
    for (const cert of certificates) {
      assert.equal(specOf(cert).issuerRef.kind, 'Issuer');
      assert.equal(issuerOf(cert).metadata.namespace, cert.metadata.namespace);
    }
  });
});
