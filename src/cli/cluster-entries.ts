// Audit mode's input: every MCPServerEntry the cluster stores, read with list calls only
// (read-only by construction), page by page so a large cluster is not one huge response.
import { entryGroup, entryKind, entryPlural } from '../model/entry.ts';
import { asRecord } from '../json-object.ts';

export interface StoredEntry {
  readonly object: Record<string, unknown>;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Kubernetes' version priority (GA, then beta, then alpha; higher numbers first): the API
 * server converts stored objects to whichever served version we ask for, so we ask for the
 * one it would prefer.
 */
export function preferredVersion(versions: readonly string[]): string | undefined {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [0, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  })[0];
}

export async function listStoredEntries(
  kubeconfig: string,
  version: string,
  namespaces: readonly string[],
): Promise<StoredEntry[]> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const scopes: (string | undefined)[] = namespaces.length === 0 ? [undefined] : [...namespaces];
  const out: StoredEntry[] = [];
  for (const namespace of scopes) {
    let next: string | undefined;
    do {
      const base = { group: entryGroup, version, plural: entryPlural, limit: 500 };
      const paging = next === undefined ? {} : { _continue: next };
      const page = asRecord(
        namespace === undefined
          ? await api.listClusterCustomObject({ ...base, ...paging })
          : await api.listNamespacedCustomObject({ ...base, ...paging, namespace }),
      );
      const items = page?.['items'];
      for (const item of Array.isArray(items) ? items : []) {
        const object = asRecord(item);
        const metadata = asRecord(object?.['metadata']);
        if (object === undefined) continue;
        // The list response's items carry no apiVersion/kind; restore them for the engine.
        out.push({
          object: { ...object, apiVersion: `${entryGroup}/${version}`, kind: entryKind },
          namespace: typeof metadata?.['namespace'] === 'string' ? metadata['namespace'] : '',
          name: typeof metadata?.['name'] === 'string' ? metadata['name'] : '',
        });
      }
      const cont = asRecord(page?.['metadata'])?.['continue'];
      next = typeof cont === 'string' && cont !== '' ? cont : undefined;
    } while (next !== undefined);
  }
  return out.sort((a, b) =>
    a.namespace === b.namespace
      ? a.name.localeCompare(b.name)
      : a.namespace.localeCompare(b.namespace),
  );
}
