// The audit's input: every MCPServerEntry the cluster stores, read with list calls only
// (read-only by construction), page by page so a large cluster is not one huge response.
import { entryGroup, entryKind, entryPlural } from '../model/entry.ts';
import { asRecord } from '../json-object.ts';
import type { KubeApi } from './kube-api.ts';

export interface StoredEntry {
  readonly object: Record<string, unknown>;
  readonly namespace: string;
  readonly name: string;
}

/** Deadline of one page: generous, a list of 500 entries is a few hundred kilobytes. */
const pageTimeoutMs = 30_000;

/**
 * The entries of `namespaces` (all namespaces when empty) in `version`, sorted by namespace
 * and name. Throws with the API server's one-line message when a page cannot be read.
 */
export async function listStoredEntries(
  api: KubeApi,
  version: string,
  namespaces: readonly string[],
  pageSize = 500,
): Promise<StoredEntry[]> {
  const scopes: (string | undefined)[] = namespaces.length === 0 ? [undefined] : [...namespaces];
  const out: StoredEntry[] = [];
  for (const namespace of scopes) {
    const base =
      namespace === undefined
        ? `/apis/${entryGroup}/${version}/${entryPlural}`
        : `/apis/${entryGroup}/${version}/namespaces/${encodeURIComponent(namespace)}/${entryPlural}`;
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(pageSize) });
      if (next !== undefined) query.set('continue', next);
      const answer = await api.getJson(
        `${base}?${query.toString()}`,
        AbortSignal.timeout(pageTimeoutMs),
      );
      if (!answer.ok) throw new Error(answer.message);
      const page = asRecord(answer.value);
      const items = page?.['items'];
      for (const item of Array.isArray(items) ? items : []) {
        const object = asRecord(item);
        const metadata = asRecord(object?.['metadata']);
        if (object === undefined) continue;
        // The list response's items may carry no apiVersion/kind; restore them for the engine.
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
