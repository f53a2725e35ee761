// `--crd cluster`: the server (and `check --crd cluster`) validates against the MCPServerEntry
// CRD the API server really serves, read as raw JSON. With ToolHive's CRDs that includes
// v1alpha1's allowPrivateEndpoint, which the API reference (and so our bundled v1alpha1) lacks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadEntrySchemas } from '../../src/crd/select-schemas.ts';
import type { EntrySchemas } from '../../src/crd/entry-schemas.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { entry } from '../support/reviews.ts';
import { renderFieldPath } from '../../src/render/messages.ts';

describe('--crd cluster against kube-apiserver with ToolHive CRDs', () => {
  let cp: ControlPlane;
  let schemas: EntrySchemas;

  before(async () => {
    cp = await startControlPlane({ crds: 'toolhive' });
    schemas = await loadEntrySchemas('cluster', cp.kubeconfigPath);
  });
  after(async () => {
    await cp?.stop();
  });

  test('serves the versions the installed CRD serves', () => {
    assert.deepEqual([...schemas.versions].sort(), ['v1alpha1', 'v1beta1']);
  });

  test('a v1alpha1 entry carrying the installed default allowPrivateEndpoint has no findings', () => {
    const object = entry({ allowPrivateEndpoint: false }, { version: 'v1alpha1' });
    assert.deepEqual(schemas.validate('v1alpha1', object), []);
  });

  test('the installed schema still refuses what it refuses (enum, required)', () => {
    const object = entry({ transport: 'grpc' });
    delete (object['spec'] as Record<string, unknown>)['remoteUrl'];
    const fields = schemas
      .validate('v1beta1', object)
      .map((f) => renderFieldPath(f.path))
      .sort();
    assert.deepEqual(fields, ['spec.remoteUrl', 'spec.transport']);
  });

  test('a cluster without the CRD gives a clear start-up error, not a crash', async () => {
    const bare = await startControlPlane({ crds: 'none' });
    try {
      await assert.rejects(
        loadEntrySchemas('cluster', bare.kubeconfigPath),
        /cannot read the installed CRD mcpserverentries\.toolhive\.stacklok\.dev/,
      );
    } finally {
      await bare.stop();
    }
  });
});
