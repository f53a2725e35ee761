// Installs CustomResourceDefinitions into a control plane and waits until they serve.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kubectl } from './kubectl.ts';

export type CrdSource = 'project' | 'toolhive' | 'none';

export const projectCrdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));
export const toolhiveCrdDir = fileURLToPath(
  new URL('../../../shared/reference/toolhive-crds/', import.meta.url),
);

/** The CRD manifests of a source, sorted; other YAML (a kustomization.yaml) is left out. */
export async function crdFiles(source: CrdSource): Promise<string[]> {
  if (source === 'none') return [];
  const dir = source === 'project' ? projectCrdDir : toolhiveCrdDir;
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const files: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (/^kind:\s*CustomResourceDefinition\s*$/m.test(await readFile(path, 'utf8')))
      files.push(path);
  }
  if (files.length === 0) throw new Error(`no CustomResourceDefinition manifests in ${dir}`);
  return files;
}

/**
 * Server-side apply: ToolHive's largest CRD (about 490 KB) is over the 256 KB limit of the
 * last-applied-configuration annotation that client-side apply writes.
 * Returns the CRD names (`mcpserverentries.toolhive.stacklok.dev`, ...).
 */
export async function installCrds(kubectl: Kubectl, files: readonly string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const fileArgs = files.flatMap((file) => ['-f', file]);
  const applied = await kubectl([
    'apply',
    '--server-side',
    '--field-manager=mcpentry-harness',
    '-o',
    'name',
    ...fileArgs,
  ]);
  const resources = applied.stdout
    .split('\n')
    .filter((line) => line.startsWith('customresourcedefinition'));
  // A CRD is usable only once Established; creating its objects before that fails with
  // "no matches for kind".
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...resources]);
  return resources.map((resource) => resource.slice(resource.indexOf('/') + 1));
}
