// Edits the rendered webhook configurations where kustomize cannot: a caBundle is base64 of
// PEM (kustomize has no base64 function) and the dev port is only known at run time.
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from './kustomize-render.ts';

export interface WebhookClientConfig {
  url?: string;
  service?: { name: string; namespace: string; port?: number; path?: string };
  caBundle?: string;
}

export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  namespaceSelector?: {
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  [field: string]: unknown;
}

export interface WebhookConfiguration extends KubeObject {
  webhooks: Webhook[];
}

export function isWebhookConfiguration(o: KubeObject): o is WebhookConfiguration {
  return (
    o.apiVersion === 'admissionregistration.k8s.io/v1' &&
    (o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration') &&
    Array.isArray(o['webhooks'])
  );
}

/**
 * The caBundle field for a CA certificate in PEM. Parses the certificate first, so a wrong
 * file (a key, a truncated copy) fails here and not as an opaque x509 error in the API server.
 */
export function caBundleFromPem(caPem: string): string {
  const ca = new X509Certificate(caPem);
  if (!ca.ca) throw new TypeError(`not a CA certificate: ${ca.subject}`);
  return Buffer.from(caPem, 'utf8').toString('base64');
}

/** Adds namespace names to the `kubernetes.io/metadata.name NotIn` exclusion of every webhook. */
export function excludeNamespaces(webhook: Webhook, namespaces: readonly string[]): void {
  const expression = webhook.namespaceSelector?.matchExpressions?.find(
    (e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn',
  );
  if (expression === undefined) {
    throw new TypeError(`webhook ${webhook.name} has no namespace exclusion to extend`);
  }
  const values = expression.values ?? [];
  expression.values = [...values, ...namespaces.filter((n) => !values.includes(n))];
}
