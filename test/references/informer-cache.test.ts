// The list+watch loop against the fake API server: paging, events, the 410 relist, dropped
// watches, backoff bounds, and that stop() really stops.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../../src/references/kube-api.ts';
import { backoffDelay, Informer, type InformerEvent } from '../../src/references/informer-cache.ts';
import { groupAnswer } from '../../src/references/reference-resources.ts';
import { FakeApiServer, group } from './fake-api-server.ts';

const path = '/apis/toolhive.stacklok.dev/v1beta1/mcpgroups';

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function informerOn(
  fake: FakeApiServer,
  events: InformerEvent[] = [],
): Informer<ReturnType<typeof groupAnswer>> {
  return new Informer(new KubeApi(fake.kubeConfig()), {
    path,
    label: 'mcpgroups',
    project: groupAnswer,
    pageSize: 2,
    backoff: { initialMs: 10, maxMs: 50 },
    onEvent: (e) => events.push(e),
  });
}

describe('informer', () => {
  test('lists every page, then follows ADDED, MODIFIED and DELETED events', async () => {
    const fake = await FakeApiServer.start();
    for (let i = 0; i < 5; i++)
      fake.put('mcpgroups', group(i % 2 === 0 ? 'a' : 'b', `g${i}`, 'Ready'));
    const inf = informerOn(fake);
    try {
      assert.equal(inf.synced, false);
      inf.start();
      await until(() => inf.synced, 'sync');
      assert.equal(inf.size, 5);
      assert.equal(fake.count(`${path}?limit=2`), 3, 'three pages of two');
      await until(() => fake.openWatches === 1, 'watch');
      fake.put('mcpgroups', group('a', 'late', 'Pending'));
      await until(() => inf.get('a', 'late') !== undefined, 'ADDED');
      assert.deepEqual(inf.get('a', 'late'), { status: 'found', phase: 'Pending' });
      fake.put('mcpgroups', group('a', 'late', 'Ready'));
      await until(
        () =>
          inf.get('a', 'late')?.status === 'found' &&
          (inf.get('a', 'late') as { phase?: string }).phase === 'Ready',
        'MODIFIED',
      );
      fake.remove('mcpgroups', 'a', 'g0');
      await until(() => inf.get('a', 'g0') === undefined, 'DELETED');
      assert.equal(inf.size, 5);
    } finally {
      await inf.stop();
      await fake.close();
    }
  });

  test('410 Gone: lists again, and the store matches the server afterwards', async () => {
    const fake = await FakeApiServer.start();
    fake.put('mcpgroups', group('a', 'keep'));
    fake.put('mcpgroups', group('a', 'doomed'));
    const events: InformerEvent[] = [];
    const inf = informerOn(fake, events);
    try {
      inf.start();
      await until(() => inf.synced && fake.openWatches === 1, 'watch');
      // Changes the informer never hears about as events, then the watch expires.
      fake.remove('mcpgroups', 'a', 'doomed');
      fake.putQuietly('mcpgroups', group('a', 'quiet'));
      const lists = fake.count(`${path}?limit`);
      fake.expireWatches();
      await until(() => fake.count(`${path}?limit`) > lists && fake.openWatches === 1, 'relist');
      assert.ok(events.some((e) => e.type === 'relist' && e.cause === 'expired'));
      assert.equal(inf.get('a', 'doomed'), undefined);
      assert.notEqual(inf.get('a', 'quiet'), undefined);
      assert.notEqual(inf.get('a', 'keep'), undefined);
    } finally {
      await inf.stop();
      await fake.close();
    }
  });

  test('a 410 when opening the watch also relists', async () => {
    const fake = await FakeApiServer.start();
    fake.put('mcpgroups', group('a', 'one'));
    const events: InformerEvent[] = [];
    fake.expireNextWatches = 1;
    const inf = informerOn(fake, events);
    try {
      inf.start();
      await until(() => fake.openWatches === 1, 'second watch');
      assert.equal(fake.count(`${path}?limit`), 2);
      assert.ok(events.some((e) => e.type === 'relist'));
    } finally {
      await inf.stop();
      await fake.close();
    }
  });

  test('a dropped watch reconnects from the last resourceVersion, without a relist', async () => {
    const fake = await FakeApiServer.start();
    fake.put('mcpgroups', group('a', 'one'));
    const events: InformerEvent[] = [];
    const inf = informerOn(fake, events);
    try {
      inf.start();
      await until(() => fake.openWatches === 1, 'watch');
      fake.put('mcpgroups', group('a', 'two'));
      await until(() => inf.get('a', 'two') !== undefined, 'two');
      fake.dropWatches();
      await until(() => fake.openWatches === 1, 'rewatch');
      assert.equal(fake.count(`${path}?limit`), 1, 'no second list');
      const lastWatch = fake.requests.filter((r) => r.includes('watch=true')).at(-1) ?? '';
      assert.match(lastWatch, /resourceVersion=\d+/);
      assert.doesNotMatch(lastWatch, /resourceVersion=&/);
      fake.put('mcpgroups', group('a', 'three'));
      await until(() => inf.get('a', 'three') !== undefined, 'three');
      assert.equal(inf.synced, true, 'stays synced through a disconnect');
    } finally {
      await inf.stop();
      await fake.close();
    }
  });

  test('an unreachable API server is retried with backoff until it answers', async () => {
    const fake = await FakeApiServer.start();
    fake.forbidden.add('mcpgroups');
    fake.put('mcpgroups', group('a', 'one'));
    const events: InformerEvent[] = [];
    const inf = informerOn(fake, events);
    try {
      inf.start();
      await until(() => events.filter((e) => e.type === 'failure').length >= 3, 'failures');
      assert.equal(inf.synced, false);
      const failure = events.find((e) => e.type === 'failure');
      assert.equal(failure?.type === 'failure' ? failure.failure.failure : '', 'forbidden');
      fake.forbidden.delete('mcpgroups');
      await until(() => inf.synced, 'sync after recovery');
      assert.notEqual(inf.get('a', 'one'), undefined);
    } finally {
      await inf.stop();
      await fake.close();
    }
  });

  test('stop() ends the loop and closes its watch', async () => {
    const fake = await FakeApiServer.start();
    const inf = informerOn(fake);
    inf.start();
    await until(() => fake.openWatches === 1, 'watch');
    await inf.stop();
    await until(() => fake.openWatches === 0, 'watch closed');
    const requests = fake.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fake.requests.length, requests);
    await fake.close();
  });

  test('backoff grows exponentially, stays within [ceiling/2, ceiling], and is capped', () => {
    const b = { initialMs: 250, maxMs: 10_000 };
    assert.equal(
      backoffDelay(0, b, () => 0),
      125,
    );
    assert.equal(
      backoffDelay(0, b, () => 1),
      250,
    );
    assert.equal(
      backoffDelay(3, b, () => 1),
      2000,
    );
    assert.equal(
      backoffDelay(50, b, () => 1),
      10_000,
    );
    assert.equal(
      backoffDelay(50, b, () => 0),
      5000,
    );
    for (let attempt = 0; attempt < 40; attempt++) {
      const d = backoffDelay(attempt, b);
      assert.ok(d > 0 && d <= 10_000, `${attempt}: ${d}`);
    }
  });

  test('fill() loads a store without a server (benchmarks and readers of the store)', () => {
    // A kubeconfig pointing nowhere: fill() must not need a server.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'none', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'none', cluster: 'none', user: 'u' }],
      currentContext: 'none',
    });
    const inf = new Informer(new KubeApi(kc), { path, label: 'x', project: groupAnswer });
    inf.fill([group('a', 'x', 'Ready'), group('b', 'y'), { metadata: {} }]);
    assert.equal(inf.synced, true);
    assert.equal(inf.size, 2);
    assert.deepEqual(inf.get('a', 'x'), { status: 'found', phase: 'Ready' });
  });
});
