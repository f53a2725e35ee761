// ToolHive's example MCPServerEntry manifests are valid: our bundled schemas must agree, and so
// must the schema converted from ToolHive's own CRD.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { entrySchemasFromCrd, loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';

const examplesDir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
const toolhiveEntryCrd = parseAllDocuments(
  readFileSync(
    new URL(
      '../../../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml',
      import.meta.url,
    ),
    'utf8',
  ),
)[0]?.toJS() as unknown;

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
}

const entries = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, examplesDir), 'utf8'))
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m?.kind === 'MCPServerEntry')
      .map((manifest) => ({ file, manifest, version: manifest.apiVersion.split('/')[1] ?? '' })),
  );

describe('ToolHive examples', () => {
  test('there are MCPServerEntry examples to check', () => assert.ok(entries.length >= 5));

  const bundled = loadBundledEntrySchemas();
  const toolhive = entrySchemasFromCrd(toolhiveEntryCrd);
  for (const { file, manifest, version } of entries) {
    test(`${file} ${manifest.metadata.name} (${version}) has no findings against the bundled schema`, () => {
      assert.ok(bundled.versions.includes(version), `${version} is served`);
      assert.deepEqual(bundled.validate(version, manifest), []);
    });
    test(`${file} ${manifest.metadata.name}: our schema and ToolHive's CRD agree`, () => {
      assert.deepEqual(bundled.validate(version, manifest), toolhive.validate(version, manifest));
      // and on a broken copy, finding for finding
      const broken = structuredClone(manifest) as Manifest & { spec: Record<string, unknown> };
      broken.spec.transport = 'grpc';
      broken.spec.remoteUrl = 'ftp://x';
      broken.spec.unknown = true;
      delete broken.spec.groupRef;
      assert.deepEqual(bundled.validate(version, broken), toolhive.validate(version, broken));
      assert.equal(bundled.validate(version, broken).length, 4);
    });
  }
});
