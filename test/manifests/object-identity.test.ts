import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiGroupOf,
  groupVersionOf,
  isMcpServerEntry,
  kindOf,
  nameOf,
  namespaceOf,
} from '../../src/manifests/object-identity.ts';

describe('object identity', () => {
  test('API group and version: core group is empty, malformed apiVersion is undefined', () => {
    assert.equal(apiGroupOf({ apiVersion: 'v1' }), '');
    assert.equal(
      apiGroupOf({ apiVersion: 'toolhive.stacklok.dev/v1beta1' }),
      'toolhive.stacklok.dev',
    );
    assert.deepEqual(groupVersionOf({ apiVersion: 'apps/v1' }), { group: 'apps', version: 'v1' });
    for (const apiVersion of [undefined, '', 7, '/v1', 'apps/', 'a/b/c']) {
      assert.equal(groupVersionOf({ apiVersion }), undefined, String(apiVersion));
    }
  });

  test('kind and name are non-empty strings or undefined', () => {
    assert.equal(kindOf({ kind: 'MCPGroup' }), 'MCPGroup');
    assert.equal(kindOf({ kind: '' }), undefined);
    assert.equal(kindOf({ kind: true }), undefined);
    assert.equal(nameOf({ metadata: { name: 'x' } }), 'x');
    assert.equal(nameOf({ metadata: ['x'] }), undefined);
  });

  test('namespace falls back to the default when absent, empty or not a string', () => {
    assert.equal(namespaceOf({ metadata: { namespace: 'team-a' } }, 'default'), 'team-a');
    assert.equal(namespaceOf({ metadata: { namespace: '' } }, 'default'), 'default');
    assert.equal(namespaceOf({ metadata: { namespace: 3 } }, 'ci'), 'ci');
    assert.equal(namespaceOf({}, 'ci'), 'ci');
  });

  test('isMcpServerEntry returns the served version, only for ToolHive MCPServerEntry', () => {
    assert.equal(
      isMcpServerEntry({ apiVersion: 'toolhive.stacklok.dev/v1beta1', kind: 'MCPServerEntry' }),
      'v1beta1',
    );
    assert.equal(
      isMcpServerEntry({ apiVersion: 'toolhive.stacklok.dev/v1alpha1', kind: 'MCPServerEntry' }),
      'v1alpha1',
    );
    assert.equal(
      isMcpServerEntry({ apiVersion: 'toolhive.stacklok.dev/v1beta1', kind: 'MCPGroup' }),
      undefined,
    );
    assert.equal(
      isMcpServerEntry({ apiVersion: 'example.com/v1', kind: 'MCPServerEntry' }),
      undefined,
    );
    assert.equal(isMcpServerEntry({ kind: 'MCPServerEntry' }), undefined);
  });
});
