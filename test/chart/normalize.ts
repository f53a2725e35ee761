// What the equivalence test compares: an object without the labels Helm adds to everything it
// renders (chart, release, version, manager), and, where the chart generates the certificate
// pair, without the certificate bytes.
import type { KubeObject } from '../../deploy/kustomize-render.ts';

export const helmOwnLabels = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
] as const;

export function objectKey(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
}

export function comparable(object: KubeObject, maskCertificates: boolean): unknown {
  const copy = structuredClone(object) as Record<string, unknown>;
  dropHelmLabels(copy);
  sortEnv(copy);
  if (maskCertificates) maskGenerated(copy);
  return copy;
}

/**
 * A container's env is a map keyed by name to the API server (server-side apply's listMapKeys),
 * and its order only matters for `$(VAR)` references, which none of ours use (checked here).
 * Kustomize's strategic-merge patches move the variables they set to the front, so the order is
 * not compared.
 */
function sortEnv(o: Record<string, unknown>): void {
  const spec = o['spec'] as
    | { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } }
    | undefined;
  for (const container of spec?.template?.spec?.containers ?? []) {
    if (container.env === undefined) continue;
    for (const variable of container.env) {
      if (variable.value?.includes('$(') === true) {
        throw new Error(`env ${variable.name} references another variable; its order matters`);
      }
    }
    container.env.sort((a, b) => a.name.localeCompare(b.name));
  }
}

function dropHelmLabels(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) dropHelmLabels(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  const metadata = record['metadata'];
  if (typeof metadata === 'object' && metadata !== null) {
    const labels = (metadata as Record<string, unknown>)['labels'];
    if (typeof labels === 'object' && labels !== null) {
      for (const key of helmOwnLabels) delete (labels as Record<string, unknown>)[key];
    }
  }
  for (const child of Object.values(record)) dropHelmLabels(child);
}

/** Secret data and caBundle: the keys present, not the bytes (stringData and data alike). */
function maskGenerated(o: Record<string, unknown>): void {
  if (o['kind'] === 'Secret') {
    const data = (o['data'] ?? o['stringData']) as Record<string, string> | undefined;
    delete o['stringData'];
    o['data'] = Object.keys(data ?? {}).sort();
  }
  const webhooks = o['webhooks'];
  if (Array.isArray(webhooks)) {
    for (const webhook of webhooks as { clientConfig?: { caBundle?: string } }[]) {
      if (webhook.clientConfig?.caBundle !== undefined) webhook.clientConfig.caBundle = 'generated';
    }
  }
}
