// The self-signed install: the overlay with caBundle filled in and the TLS Secret added,
// ready for `kubectl apply --server-side -f -`. deploy/overlays/self-signed/install.sh runs it.
//
//   node deploy/render-self-signed.ts --certs certs/generated [--image repo/name:tag] [--kustomization DIR]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  deployPath,
  renderKustomization,
  toYamlStream,
  type KubeObject,
} from './kustomize-render.ts';
import { caBundleFromPem, isWebhookConfiguration } from './webhook-client-config.ts';

export const selfSignedPlaceholder = 'SELF_SIGNED_CA_BUNDLE';
export const tlsSecretName = 'mcpentry-webhook-tls';

export interface SelfSignedOptions {
  readonly caCertPem: string;
  readonly tlsCertPem: string;
  readonly tlsKeyPem: string;
  /** Replaces the webhook container's image (the kind quickstart loads a locally built one). */
  readonly image?: string;
  /** A kustomization built on the self-signed overlay (e.g. with components); default the overlay. */
  readonly kustomizationDir?: string;
}

export function renderSelfSigned(options: SelfSignedOptions): string {
  const caBundle = caBundleFromPem(options.caCertPem);
  const objects = renderKustomization(
    options.kustomizationDir ?? deployPath('overlays/self-signed'),
  );
  // The Namespace is optional (components/namespace); the Service always says where we live.
  const namespace = objects.find((o) => o.kind === 'Service')?.metadata.namespace;
  if (namespace === undefined) throw new TypeError('the kustomization renders no Service');
  for (const object of objects) {
    if (isWebhookConfiguration(object)) {
      // Every webhook calling our Service, including ones a component added after the
      // overlay set its placeholder.
      for (const webhook of object.webhooks) {
        if (webhook.clientConfig.service !== undefined) webhook.clientConfig.caBundle = caBundle;
      }
    }
    if (options.image !== undefined && object.kind === 'Deployment')
      setImage(object, options.image);
  }
  // Right after the Namespace (or first), so the Secret exists before the pods mount it.
  const secret = tlsSecret(namespace, options);
  const namespaceIndex = objects.findIndex((o) => o.kind === 'Namespace');
  objects.splice(namespaceIndex + 1, 0, secret);
  return toYamlStream(objects);
}

function tlsSecret(namespace: string, options: SelfSignedOptions): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: tlsSecretName,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'mcpentry-webhook',
        'app.kubernetes.io/part-of': 'mcpentry-webhook',
      },
    },
    // The same keys cert-manager writes, so the Deployment is identical in both overlays.
    stringData: {
      'tls.crt': options.tlsCertPem,
      'tls.key': options.tlsKeyPem,
      'ca.crt': options.caCertPem,
    },
  };
}

function setImage(deployment: KubeObject, image: string): void {
  const spec = deployment['spec'] as
    { template?: { spec?: { containers?: { name: string; image?: string }[] } } } | undefined;
  const container = spec?.template?.spec?.containers?.find((c) => c.name === 'webhook');
  if (container === undefined) throw new TypeError('the Deployment has no `webhook` container');
  container.image = image;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      certs: { type: 'string', default: 'certs/generated' },
      image: { type: 'string' },
      kustomization: { type: 'string' },
    },
  });
  const read = (name: string): string => readFileSync(join(values.certs, name), 'utf8');
  process.stdout.write(
    renderSelfSigned({
      caCertPem: read('ca.crt'),
      tlsCertPem: read('tls.crt'),
      tlsKeyPem: read('tls.key'),
      ...(values.image === undefined ? {} : { image: values.image }),
      ...(values.kustomization === undefined ? {} : { kustomizationDir: values.kustomization }),
    }),
  );
}

if (import.meta.main) main();
