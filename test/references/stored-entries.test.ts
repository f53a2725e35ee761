// The audit's list of stored entries through the one cluster client (KubeApi), against the
// loopback stand-in for kube-apiserver (test/references/fake-api-server.ts), which pages lists
// with `limit` and `continue` as the API server does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeApi } from '../../src/references/kube-api.ts';
import { listStoredEntries } from '../../src/references/stored-entries.ts';
import { FakeApiServer } from './fake-api-server.ts';

const stored = (namespace: string, name: string) => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name, namespace },
  spec: { remoteUrl: 'https://mcp.example.com/mcp', transport: 'sse', groupRef: { name: 'g' } },
});

let fake: FakeApiServer;

before(async () => {
  fake = await FakeApiServer.start();
  for (const [ns, name] of [
    ['team-b', 'zeta'],
    ['team-a', 'beta'],
    ['team-a', 'alpha'],
    ['team-c', 'gamma'],
  ] as const)
    fake.put('mcpserverentries', stored(ns, name));
});

after(async () => {
  await fake.close();
});

void describe('listStoredEntries', () => {
  test('reads every page and sorts by namespace and name', async () => {
    const before = fake.requests.length;
    const entries = await listStoredEntries(new KubeApi(fake.kubeConfig()), 'v1beta1', [], 1);
    assert.deepEqual(
      entries.map((e) => `${e.namespace}/${e.name}`),
      ['team-a/alpha', 'team-a/beta', 'team-b/zeta', 'team-c/gamma'],
    );
    const lists = fake.requests
      .slice(before)
      .filter((p) => p.startsWith('/apis/toolhive.stacklok.dev/v1beta1/mcpserverentries?'));
    assert.equal(lists.length, 4, lists.join('\n'));
    assert.ok(entries.every((e) => e.object['kind'] === 'MCPServerEntry'));
    assert.ok(entries.every((e) => e.object['apiVersion'] === 'toolhive.stacklok.dev/v1beta1'));
  });

  test('lists only the namespaces asked for', async () => {
    const entries = await listStoredEntries(new KubeApi(fake.kubeConfig()), 'v1beta1', [
      'team-c',
      'team-a',
    ]);
    assert.deepEqual(
      entries.map((e) => `${e.namespace}/${e.name}`),
      ['team-a/alpha', 'team-a/beta', 'team-c/gamma'],
    );
  });

  test('a failed list throws with the API server message, never a partial list', async () => {
    await assert.rejects(
      listStoredEntries(new KubeApi(fake.kubeConfig()), 'v9', []),
      (err: Error) => err.message.length > 0,
    );
  });
});
