// Renders a kustomization with the installed kubectl (`kubectl kustomize`), the same tool
// users run, so what the tests check is byte for byte what `kubectl apply -k` would send.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A rendered Kubernetes object: only the fields every object has are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** Path of a directory under deploy/, e.g. `overlays/dev-url`. */
export function deployPath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

export function renderKustomizationText(dir: string): string {
  return execFileSync(process.env['KUBECTL'] ?? 'kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function renderKustomization(dir: string): KubeObject[] {
  return parseObjects(renderKustomizationText(dir));
}

export function parseObjects(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new SyntaxError(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) throw new TypeError('a document is not a Kubernetes object');
    objects.push(value);
  }
  return objects;
}

/**
 * YAML 1.1 output: kubectl reads manifests with a YAML 1.1 parser, so strings such as `on`
 * or `yes` must come out quoted or they would turn into booleans.
 */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const metadata = o['metadata'];
  return (
    typeof o['apiVersion'] === 'string' &&
    typeof o['kind'] === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof (metadata as Record<string, unknown>)['name'] === 'string'
  );
}
