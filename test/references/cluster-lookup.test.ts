// The direct lookup over real HTTP against the fake API server: what each API answer becomes,
// that no Secret value survives the lookup, that crafted names never reach a URL, and that
// every failure answers `unknown` with a reason a user can act on, within the deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { DirectLookup } from '../../src/references/direct-lookup.ts';
import { KubeApi, raceAbort } from '../../src/references/kube-api.ts';
import type { LookupEvent } from '../../src/references/lookup-events.ts';
import type { ReferenceQuery } from '../../src/model/lookup.ts';
import { lookupVerb, referenceResources } from '../../src/references/reference-resources.ts';
import { requiredPermissions } from '../../src/references/required-permissions.ts';
import { pickServedVersion, ServedVersion } from '../../src/references/served-version.ts';
import { authConfig, configMap, FakeApiServer, group, secret } from './fake-api-server.ts';

const deadline = (ms = 2000): AbortSignal => AbortSignal.timeout(ms);

describe('direct cluster lookup', () => {
  let fake: FakeApiServer;
  let lookup: DirectLookup;
  const events: LookupEvent[] = [];

  before(async () => {
    fake = await FakeApiServer.start();
    fake.put('mcpgroups', group('team-a', 'ready-group', 'Ready'));
    fake.put('mcpgroups', group('team-a', 'new-group'));
    fake.put('mcpexternalauthconfigs', authConfig('team-a', 'exchange', 'tokenExchange'));
    fake.put('secrets', secret('team-a', 'api-token', { token: 'hunter2-secret-value' }));
    fake.put('configmaps', configMap('team-a', 'ca', { 'ca.crt': '-----BEGIN CERTIFICATE-----' }));
    const bin = configMap('team-a', 'binary-ca', {});
    bin['binaryData'] = { 'ca.der': 'AAEC' };
    fake.put('configmaps', bin);
    const api = new KubeApi(fake.kubeConfig());
    lookup = new DirectLookup(api, new ServedVersion(api), (e) => events.push(e));
  });
  after(() => fake.close());

  const cases: [string, ReferenceQuery, unknown][] = [
    [
      'a group reports its phase',
      { kind: 'MCPGroup', namespace: 'team-a', name: 'ready-group' },
      { status: 'found', phase: 'Ready' },
    ],
    [
      'a group without status has no phase',
      { kind: 'MCPGroup', namespace: 'team-a', name: 'new-group' },
      { status: 'found' },
    ],
    [
      'a group in another namespace is missing',
      { kind: 'MCPGroup', namespace: 'team-b', name: 'ready-group' },
      { status: 'missing' },
    ],
    [
      'an auth config reports its type',
      { kind: 'MCPExternalAuthConfig', namespace: 'team-a', name: 'exchange' },
      { status: 'found', authType: 'tokenExchange' },
    ],
    [
      'an absent auth config is missing',
      { kind: 'MCPExternalAuthConfig', namespace: 'team-a', name: 'nope' },
      { status: 'missing' },
    ],
    [
      'a Secret key that exists',
      { kind: 'Secret', namespace: 'team-a', name: 'api-token', key: 'token' },
      { status: 'found', hasKey: true },
    ],
    [
      'a Secret key that does not',
      { kind: 'Secret', namespace: 'team-a', name: 'api-token', key: 'other' },
      { status: 'found', hasKey: false },
    ],
    [
      'an absent Secret',
      { kind: 'Secret', namespace: 'team-a', name: 'gone', key: 'token' },
      { status: 'missing' },
    ],
    [
      'a ConfigMap key in data',
      { kind: 'ConfigMap', namespace: 'team-a', name: 'ca', key: 'ca.crt' },
      { status: 'found', hasKey: true },
    ],
    [
      'a ConfigMap key in binaryData',
      { kind: 'ConfigMap', namespace: 'team-a', name: 'binary-ca', key: 'ca.der' },
      { status: 'found', hasKey: true },
    ],
    [
      'a key named __proto__ is not found by accident',
      { kind: 'ConfigMap', namespace: 'team-a', name: 'ca', key: '__proto__' },
      { status: 'found', hasKey: false },
    ],
  ];
  for (const [name, query, expected] of cases) {
    test(name, async () => {
      assert.deepEqual(await lookup.lookup(query, deadline()), expected);
    });
  }

  test('a Secret answer carries no value, only whether the key exists', async () => {
    const answer = await lookup.lookup(
      { kind: 'Secret', namespace: 'team-a', name: 'api-token', key: 'token' },
      deadline(),
    );
    const text = JSON.stringify(answer);
    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes(Buffer.from('hunter2-secret-value').toString('base64')));
  });

  test('names the API server could never store are missing, without a request', async () => {
    const before = fake.requests.length;
    for (const name of ['..', '.', 'a/b', '%2e%2e', 'UPPER', 'x'.repeat(254), '']) {
      for (const kind of ['MCPGroup', 'MCPExternalAuthConfig', 'Secret', 'ConfigMap'] as const) {
        assert.deepEqual(
          await lookup.lookup({ kind, namespace: 'team-a', name, key: 'k' }, deadline()),
          { status: 'missing' },
          `${kind} ${name}`,
        );
      }
    }
    assert.deepEqual(
      await lookup.lookup({ kind: 'MCPGroup', namespace: '../kube-system', name: 'g' }, deadline()),
      { status: 'missing' },
    );
    assert.equal(fake.requests.length, before);
  });

  test('each lookup is reported to the observer with its source and outcome', () => {
    assert.ok(
      events.some(
        (e) =>
          e.type === 'lookup' && e.source === 'api' && e.kind === 'Secret' && e.status === 'found',
      ),
    );
    assert.ok(events.every((e) => e.type !== 'lookup' || e.seconds >= 0));
  });

  test('403: unknown, naming the missing RBAC permission', async () => {
    fake.forbidden.add('secrets');
    try {
      const answer = await lookup.lookup(
        { kind: 'Secret', namespace: 'team-a', name: 'api-token', key: 'token' },
        deadline(),
      );
      assert.equal(answer.status, 'unknown');
      assert.match(
        answer.status === 'unknown' ? answer.reason : '',
        /lacks RBAC permission "get" on "secrets" \(core API group ""\) in namespace "team-a"/,
      );
      assert.ok(events.some((e) => e.type === 'api-error' && e.failure === 'forbidden'));
    } finally {
      fake.forbidden.delete('secrets');
    }
  });

  test('a hanging API server: unknown by the deadline, not later', async () => {
    fake.hang = /\/mcpgroups\/slow$/;
    try {
      // The API server never answers: only the deadline can settle this lookup.
      const answer = await lookup.lookup(
        { kind: 'MCPGroup', namespace: 'team-a', name: 'slow' },
        deadline(150),
      );
      assert.equal(answer.status, 'unknown');
      assert.match(answer.status === 'unknown' ? answer.reason : '', /API server did not answer/);
    } finally {
      fake.hang = undefined;
    }
  });

  test('the served version: v1beta1 preferred, v1alpha1 when it is all there is', async () => {
    assert.equal(
      pickServedVersion({ versions: [{ version: 'v1alpha1' }, { version: 'v1beta1' }] }),
      'v1beta1',
    );
    assert.equal(pickServedVersion({ versions: [{ version: 'v1alpha1' }] }), 'v1alpha1');
    assert.equal(pickServedVersion({ versions: [{ version: 'v2' }] }), undefined);
    assert.equal(pickServedVersion('nonsense'), undefined);
    fake.versions = ['v1alpha1'];
    try {
      const api = new KubeApi(fake.kubeConfig());
      const old = new DirectLookup(api, new ServedVersion(api), () => undefined);
      assert.deepEqual(
        await old.lookup(
          { kind: 'MCPGroup', namespace: 'team-a', name: 'ready-group' },
          deadline(),
        ),
        { status: 'found', phase: 'Ready' },
      );
      assert.ok(fake.requests.at(-1)?.startsWith('/apis/toolhive.stacklok.dev/v1alpha1/'));
    } finally {
      fake.versions = ['v1alpha1', 'v1beta1'];
    }
  });

  test('CRDs not installed: unknown (never "missing"), saying so', async () => {
    fake.versions = [];
    try {
      const api = new KubeApi(fake.kubeConfig());
      const bare = new DirectLookup(api, new ServedVersion(api), () => undefined);
      const answer = await bare.lookup(
        { kind: 'MCPGroup', namespace: 'team-a', name: 'ready-group' },
        deadline(),
      );
      assert.equal(answer.status, 'unknown');
      assert.match(answer.status === 'unknown' ? answer.reason : '', /CRD installed/);
    } finally {
      fake.versions = ['v1alpha1', 'v1beta1'];
    }
  });

  test('a version that stops being served mid-flight is unknown, not missing', async () => {
    const api = new KubeApi(fake.kubeConfig());
    const pinned = new DirectLookup(api, new ServedVersion(api, 'v1beta1'), () => undefined);
    fake.versions = ['v1alpha1'];
    try {
      const answer = await pinned.lookup(
        { kind: 'MCPGroup', namespace: 'team-a', name: 'ready-group' },
        deadline(),
      );
      assert.equal(answer.status, 'unknown');
    } finally {
      fake.versions = ['v1alpha1', 'v1beta1'];
    }
  });

  test('refused credentials: unknown, saying 401', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: fake.url, skipTLSVerify: true }],
      users: [{ name: 'stranger', token: 'wrong' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'stranger' }],
      currentContext: 'fake',
    });
    const api = new KubeApi(kc);
    const answer = await new DirectLookup(
      api,
      new ServedVersion(api, 'v1beta1'),
      () => undefined,
    ).lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'ready-group' }, deadline());
    assert.equal(answer.status, 'unknown');
    assert.match(answer.status === 'unknown' ? answer.reason : '', /credentials \(401\)/);
  });
});

test('connection refused: unknown "API server did not answer", promptly', async () => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
    currentContext: 'gone',
  });
  const api = new KubeApi(kc);
  // The refusal itself is the answer (ECONNREFUSED), not the deadline running out.
  for (const query of [
    { kind: 'MCPGroup', namespace: 'a', name: 'g' },
    { kind: 'Secret', namespace: 'a', name: 's', key: 'k' },
  ] as const) {
    const answer = await new DirectLookup(api, new ServedVersion(api), () => undefined).lookup(
      query,
      deadline(),
    );
    assert.equal(answer.status, 'unknown');
    assert.match(
      answer.status === 'unknown' ? answer.reason : '',
      /^API server did not answer: .*ECONNREFUSED/,
    );
  }
});

test('raceAbort settles at the abort even if the work never does, and leaks no rejection', async () => {
  const never = new Promise<string>(() => undefined);
  const controller = new AbortController();
  const raced = raceAbort(never, controller.signal, () => 'aborted');
  controller.abort();
  assert.equal(await raced, 'aborted');
  const failing = Promise.reject(new Error('late'));
  assert.equal(await raceAbort(failing, AbortSignal.abort(), () => 'aborted'), 'aborted');
  await new Promise((r) => setImmediate(r)); // an unhandled rejection would fail the test run
});

test('every verb the lookups use on a referenced kind is declared in required-permissions.ts', () => {
  for (const resource of Object.values(referenceResources)) {
    const declared = requiredPermissions.find(
      (p) => p.apiGroup === resource.apiGroup && p.resource === resource.plural,
    );
    assert.ok(declared?.verbs.includes(lookupVerb), `${lookupVerb} ${resource.plural}`);
  }
  for (const plural of ['mcpgroups', 'mcpexternalauthconfigs']) {
    const declared = requiredPermissions.find((p) => p.resource === plural);
    assert.ok(
      declared?.verbs.includes('list') && declared.verbs.includes('watch'),
      `list/watch ${plural}`,
    );
  }
});
