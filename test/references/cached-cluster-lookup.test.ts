// The cached lookup's promises, each counted in API requests on the fake API server: a hit
// makes none, a miss is confirmed by one GET (read-through), negative key answers are never
// served from memory, concurrent lookups share a GET, the namespace scope decides the watches.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedClusterLookup } from '../../src/references/cached-cluster-lookup.ts';
import { ClusterCaches } from '../../src/references/cluster-caches.ts';
import { DirectLookup } from '../../src/references/direct-lookup.ts';
import { KubeApi } from '../../src/references/kube-api.ts';
import type { LookupEvent } from '../../src/references/lookup-events.ts';
import { ServedVersion } from '../../src/references/served-version.ts';
import { WebhookMetrics } from '../../src/server/metrics.ts';
import { authConfig, FakeApiServer, group, secret } from './fake-api-server.ts';

const deadline = (ms = 2000): AbortSignal => AbortSignal.timeout(ms);

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Rig {
  readonly fake: FakeApiServer;
  readonly lookup: CachedClusterLookup;
  readonly events: LookupEvent[];
  close(): Promise<void>;
}

async function rig(
  opts: { namespaces?: string[]; ttlMs?: number; sync?: boolean } = {},
): Promise<Rig> {
  const fake = await FakeApiServer.start();
  fake.put('mcpgroups', group('team-a', 'ready', 'Ready'));
  fake.put('mcpexternalauthconfigs', authConfig('team-a', 'exchange', 'tokenExchange'));
  fake.put('secrets', secret('team-a', 'token', { value: 'do-not-leak' }));
  const api = new KubeApi(fake.kubeConfig());
  const version = new ServedVersion(api);
  const events: LookupEvent[] = [];
  const observe = (e: LookupEvent): void => {
    events.push(e);
  };
  const caches = new ClusterCaches({
    api,
    version,
    namespaces: opts.namespaces ?? [],
    entries: false,
    observe,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  const lookup = new CachedClusterLookup({
    direct: new DirectLookup(api, version, observe),
    caches,
    keyCacheTtlMs: opts.ttlMs ?? 60_000,
    observe,
  });
  if (opts.sync !== false) {
    caches.start();
    await until(() => lookup.ready() && fake.openWatches >= 2, 'caches synced');
  }
  return {
    fake,
    lookup,
    events,
    close: async () => {
      await lookup.close();
      await fake.close();
    },
  };
}

describe('cached cluster lookup', () => {
  test('a cache hit makes no API request', async () => {
    const r = await rig();
    try {
      const before = r.fake.requests.length;
      for (let i = 0; i < 100; i++) {
        assert.deepEqual(
          await r.lookup.lookup(
            { kind: 'MCPGroup', namespace: 'team-a', name: 'ready' },
            deadline(),
          ),
          { status: 'found', phase: 'Ready' },
        );
        assert.deepEqual(
          await r.lookup.lookup(
            { kind: 'MCPExternalAuthConfig', namespace: 'team-a', name: 'exchange' },
            deadline(),
          ),
          { status: 'found', authType: 'tokenExchange' },
        );
      }
      assert.equal(r.fake.requests.length, before);
      assert.equal(r.events.filter((e) => e.type === 'lookup' && e.source === 'cache').length, 200);
    } finally {
      await r.close();
    }
  });

  test('read-through: an object the watch has not delivered yet is found by a direct GET', async () => {
    const r = await rig();
    try {
      r.fake.putQuietly('mcpgroups', group('team-a', 'just-applied'));
      const before = r.fake.requests.length;
      assert.deepEqual(
        await r.lookup.lookup(
          { kind: 'MCPGroup', namespace: 'team-a', name: 'just-applied' },
          deadline(),
        ),
        { status: 'found' },
      );
      assert.deepEqual(r.fake.requests.slice(before), [
        '/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-a/mcpgroups/just-applied',
      ]);
      assert.ok(r.events.some((e) => e.type === 'cache-miss' && e.kind === 'MCPGroup'));
    } finally {
      await r.close();
    }
  });

  test('a miss is "missing" only after the API server confirms it', async () => {
    const r = await rig();
    try {
      const before = r.fake.requests.length;
      assert.deepEqual(
        await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'nope' }, deadline()),
        { status: 'missing' },
      );
      assert.equal(r.fake.requests.length, before + 1);
    } finally {
      await r.close();
    }
  });

  test('a deleted group stops being a hit once the watch says so', async () => {
    const r = await rig();
    try {
      r.fake.remove('mcpgroups', 'team-a', 'ready');
      await until(
        () =>
          r.lookup.caches.referenceInformer('MCPGroup', 'team-a')?.get('team-a', 'ready') ===
          undefined,
        'delete event',
      );
      assert.deepEqual(
        await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready' }, deadline()),
        { status: 'missing' },
      );
    } finally {
      await r.close();
    }
  });

  test('before the first sync: not ready, and lookups still answer through the API server', async () => {
    const r = await rig({ sync: false });
    try {
      assert.equal(r.lookup.ready(), false);
      assert.deepEqual(
        await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready' }, deadline()),
        { status: 'found', phase: 'Ready' },
      );
    } finally {
      await r.close();
    }
  });

  test('API server gone: hits still answer from the cache, misses answer unknown within the deadline', async () => {
    const r = await rig();
    try {
      r.fake.hang = /./;
      r.fake.dropWatches();
      assert.deepEqual(
        await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready' }, deadline()),
        { status: 'found', phase: 'Ready' },
      );
      // The API server never answers: only the deadline can settle this lookup.
      const answer = await r.lookup.lookup(
        { kind: 'MCPGroup', namespace: 'team-a', name: 'other' },
        deadline(200),
      );
      assert.equal(answer.status, 'unknown');
      assert.equal(r.lookup.ready(), true, 'a synced cache stays ready through a disconnect');
    } finally {
      await r.close();
    }
  });

  test('Secret keys: a present key is remembered (names only), an absent one is always asked again', async () => {
    const r = await rig();
    try {
      const q = { kind: 'Secret', namespace: 'team-a', name: 'token', key: 'value' } as const;
      const count = (): number => r.fake.count('/api/v1/namespaces/team-a/secrets/token');
      assert.deepEqual(await r.lookup.lookup(q, deadline()), { status: 'found', hasKey: true });
      assert.deepEqual(await r.lookup.lookup(q, deadline()), { status: 'found', hasKey: true });
      assert.equal(count(), 1, 'second answer from memory');
      assert.deepEqual(await r.lookup.lookup({ ...q, key: 'other' }, deadline()), {
        status: 'found',
        hasKey: false,
      });
      r.fake.put('secrets', secret('team-a', 'token', { value: 'x', other: 'y' }));
      assert.deepEqual(await r.lookup.lookup({ ...q, key: 'other' }, deadline()), {
        status: 'found',
        hasKey: true,
      });
      assert.equal(count(), 3, 'absent key asked again both times');
      const missingQ = { ...q, name: 'later' };
      assert.deepEqual(await r.lookup.lookup(missingQ, deadline()), { status: 'missing' });
      r.fake.put('secrets', secret('team-a', 'later', { value: 'z' }));
      assert.deepEqual(await r.lookup.lookup(missingQ, deadline()), {
        status: 'found',
        hasKey: true,
      });
      assert.ok(!JSON.stringify(r.events).includes('do-not-leak'));
    } finally {
      await r.close();
    }
  });

  test('the key-name memory expires after its TTL, and 0 disables it', async (t) => {
    const r = await rig({ ttlMs: 50 });
    const r0 = await rig({ ttlMs: 0 });
    // The clock the memory reads stands still until the test moves it: however slow the
    // machine, the second lookup is within the TTL and the third after it.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const q = { kind: 'Secret', namespace: 'team-a', name: 'token', key: 'value' } as const;
      await r.lookup.lookup(q, deadline());
      await r.lookup.lookup(q, deadline());
      assert.equal(r.fake.count('/api/v1/namespaces/team-a/secrets/token'), 1);
      t.mock.timers.tick(80);
      await r.lookup.lookup(q, deadline());
      assert.equal(r.fake.count('/api/v1/namespaces/team-a/secrets/token'), 2);
      await r0.lookup.lookup(q, deadline());
      await r0.lookup.lookup(q, deadline());
      assert.equal(r0.fake.count('/api/v1/namespaces/team-a/secrets/token'), 2);
    } finally {
      await r.close();
      await r0.close();
    }
  });

  test('concurrent lookups of one Secret share one GET', async () => {
    const r = await rig({ ttlMs: 0 });
    try {
      const q = { kind: 'Secret', namespace: 'team-a', name: 'token', key: 'value' } as const;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => r.lookup.lookup(q, deadline())),
      );
      assert.ok(answers.every((a) => a.status === 'found' && a.hasKey === true));
      assert.equal(r.fake.count('/api/v1/namespaces/team-a/secrets/token'), 1);
    } finally {
      await r.close();
    }
  });

  test('a namespace list: one watch per kind and namespace; other namespaces go to the API server', async () => {
    const r = await rig({ namespaces: ['team-a', 'team-b'] });
    try {
      await until(() => r.fake.openWatches === 4, 'four watches');
      const watched = r.fake.requests
        .filter((p) => p.includes('watch=true'))
        .map((p) => p.split('?')[0])
        .sort();
      assert.deepEqual(watched, [
        '/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-a/mcpexternalauthconfigs',
        '/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-a/mcpgroups',
        '/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-b/mcpexternalauthconfigs',
        '/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-b/mcpgroups',
      ]);
      r.fake.put('mcpgroups', group('team-c', 'elsewhere', 'Ready'));
      const before = r.fake.requests.length;
      assert.deepEqual(
        await r.lookup.lookup(
          { kind: 'MCPGroup', namespace: 'team-c', name: 'elsewhere' },
          deadline(),
        ),
        { status: 'found', phase: 'Ready' },
      );
      assert.equal(r.fake.requests.length, before + 1);
      const hitsBefore = r.fake.requests.length;
      await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready' }, deadline());
      assert.equal(r.fake.requests.length, hitsBefore);
    } finally {
      await r.close();
    }
  });

  test('lookup events become Prometheus metrics with bounded labels', async () => {
    const r = await rig();
    try {
      const metrics = new WebhookMetrics();
      await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready' }, deadline());
      await r.lookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'nope' }, deadline());
      r.fake.forbidden.add('secrets');
      await r.lookup.lookup(
        { kind: 'Secret', namespace: 'team-a', name: 'token', key: 'value' },
        deadline(),
      );
      for (const e of r.events) metrics.observeLookup(e);
      const text = await metrics.registry.metrics();
      assert.match(text, /mcpentry_webhook_lookup_cache_hits_total\{kind="MCPGroup"\} 1/);
      assert.match(text, /mcpentry_webhook_lookup_cache_misses_total\{kind="MCPGroup"\} 1/);
      assert.match(
        text,
        /mcpentry_webhook_lookup_read_through_total\{kind="MCPGroup",status="missing"\} 1/,
      );
      assert.match(
        text,
        /mcpentry_webhook_lookup_errors_total\{kind="Secret",failure="forbidden"\} 1/,
      );
      assert.match(text, /mcpentry_webhook_lookup_cache_synced\{resource="mcpgroups"\} 1/);
      assert.match(
        text,
        // The count, not a bucket: which bucket a cache hit lands in depends on the machine.
        /mcpentry_webhook_lookup_duration_seconds_count\{kind="MCPGroup",source="cache"\} 1/,
      );
      assert.doesNotMatch(text, /"team-a"|"ready"|"token"|"nope"/);
    } finally {
      await r.close();
    }
  });
});
