// Which schema the engine enforces: the bundled one generated from our CRD, a CRD file the user
// names (their ToolHive version), or the CRD actually installed in the cluster.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  entrySchemasFromCrd,
  loadBundledEntrySchemas,
  type EntrySchemas,
} from './entry-schemas.ts';

export const entryCrdName = 'mcpserverentries.toolhive.stacklok.dev';

export async function loadEntrySchemas(
  crd: string | undefined,
  kubeconfig: string | undefined,
): Promise<EntrySchemas> {
  if (crd === undefined) return loadBundledEntrySchemas();
  if (crd === 'cluster') return entrySchemasFromCrd(await fetchInstalledCrd(kubeconfig));
  let text: string;
  try {
    text = await readFile(crd, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read CRD file ${crd}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  // A CRD file may hold several documents (ToolHive ships one per file, kustomize output many).
  const docs = text
    .split(/^---\s*$/m)
    .map((d) => parse(d, { version: '1.1' }) as unknown)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  const match = docs.find(
    (d) =>
      d['kind'] === 'CustomResourceDefinition' &&
      (d['metadata'] as Record<string, unknown> | undefined)?.['name'] === entryCrdName,
  );
  if (match === undefined)
    throw new Error(`${crd} holds no CustomResourceDefinition named ${entryCrdName}`);
  return entrySchemasFromCrd(match);
}

// The raw JSON, not client-node's typed model: the typed model renames `default` to
// `_default` and drops unknown x-kubernetes-* keys, which would change the schema we enforce.
async function fetchInstalledCrd(kubeconfig: string | undefined): Promise<unknown> {
  const [{ KubeApi }, { loadKubeConfig }] = await Promise.all([
    import('../references/kube-api.ts'),
    import('../references/cluster-lookup.ts'),
  ]);
  const api = new KubeApi(loadKubeConfig(kubeconfig));
  const answer = await api.getJson(
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${entryCrdName}`,
    AbortSignal.timeout(10_000),
  );
  if (!answer.ok)
    throw new Error(`cannot read the installed CRD ${entryCrdName}: ${answer.message}`);
  return answer.value;
}
