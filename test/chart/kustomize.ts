// A throwaway kustomization composed the way a user's own would be: deploy/ directories as
// resources, components and transformers, plus objects of the user's (RoleBindings, a
// ConfigMap) and patches, with an optional `namespace:`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import {
  deployPath,
  renderKustomization,
  toYamlStream,
  type KubeObject,
} from '../../deploy/kustomize-render.ts';

export interface Composition {
  readonly namespace?: string;
  /** Paths relative to deploy/. */
  readonly resources: readonly string[];
  readonly components?: readonly string[];
  readonly transformers?: readonly string[];
  /** Objects of the user's own, added as one more resource file. */
  readonly objects?: readonly KubeObject[];
  /** Strategic-merge or JSON patches, as kustomize's `patches` entries. */
  readonly patches?: readonly object[];
}

export function renderComposed(composition: Composition): KubeObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-kustomize-'));
  try {
    // kustomize refuses absolute paths, so point at deploy/ relatively from the temp dir.
    const rel = (p: string): string => relative(dir, deployPath(p));
    const resources = composition.resources.map(rel);
    if (composition.objects !== undefined && composition.objects.length > 0) {
      writeFileSync(join(dir, 'objects.yaml'), toYamlStream(composition.objects));
      resources.push('objects.yaml');
    }
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        ...(composition.namespace === undefined ? {} : { namespace: composition.namespace }),
        resources,
        components: (composition.components ?? []).map(rel),
        transformers: (composition.transformers ?? []).map(rel),
        patches: composition.patches ?? [],
      }),
    );
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
