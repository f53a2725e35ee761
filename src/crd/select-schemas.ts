// Which schema the engine enforces: the bundled one generated from our CRD, a CRD file the user
// names (their ToolHive version), or the CRD actually installed in the cluster.
import { readManifests } from '../manifests/index.ts';
import { entryCrdName } from './crd-versions.ts';
import {
  entrySchemasFromCrd,
  loadBundledEntrySchemas,
  type EntrySchemas,
} from './entry-schemas.ts';

export async function loadEntrySchemas(
  crd: string | undefined,
  kubeconfig: string | undefined,
): Promise<EntrySchemas> {
  if (crd === undefined) return loadBundledEntrySchemas();
  if (crd === 'cluster') return entrySchemasFromCrd(await fetchInstalledCrd(kubeconfig));
  // Read as kubectl would (multi-document, List kinds, YAML 1.1), with the same reader as
  // every other manifest: ToolHive ships one CRD per file, kustomize output holds many.
  const { documents, errors } = await readManifests([crd]);
  const problem = errors[0];
  if (problem !== undefined) {
    const at = problem.line === undefined ? '' : `:${problem.line}`;
    throw new Error(`cannot read CRD file ${problem.source}${at}: ${problem.message}`);
  }
  const match = documents
    .map((d) => d.object)
    .find(
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
  const { connectKubeApi } = await import('../references/kube-api.ts');
  const api = connectKubeApi(kubeconfig);
  const answer = await api.getJson(
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${entryCrdName}`,
    AbortSignal.timeout(10_000),
  );
  if (!answer.ok)
    throw new Error(`cannot read the installed CRD ${entryCrdName}: ${answer.message}`);
  return answer.value;
}
