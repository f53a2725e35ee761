// Delete protection as the API server meets it: AdmissionReviews for DELETE of groups and
// auth configs in, allowed or refused with the referencing entries named, out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ClusterCaches } from '../../src/references/cluster-caches.ts';
import { Writable } from 'node:stream';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { createLogger } from '../../src/log.ts';
import { defaultEngineOptions } from '../../src/model/review.ts';
import { maxNamedEntries, stillReferencedMessage } from '../../src/policy/delete-protection.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { DeleteProtection } from '../../src/references/delete-protection.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import { ReviewHandler } from '../../src/server/review-handler.ts';
import { KubeApi } from '../../src/references/kube-api.ts';
import { ServedVersion } from '../../src/references/served-version.ts';
import { FakeApiServer, group, serverEntry } from './fake-api-server.ts';

interface Answer {
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    warnings?: string[];
  };
}

function deleteReview(
  kind: string,
  namespace: string,
  name: string,
  overrides: Record<string, unknown> = {},
): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: 'toolhive.stacklok.dev', version: 'v1beta1', kind },
      resource: {
        group: 'toolhive.stacklok.dev',
        version: 'v1beta1',
        resource: `${kind.toLowerCase()}s`,
      },
      name,
      namespace,
      operation: 'DELETE',
      userInfo: { username: 'alice' },
      object: null,
      oldObject: {
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind,
        metadata: { name, namespace },
      },
      ...overrides,
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The server's one review path, with delete protection reading `protection`. */
function handlerFor(protection: DeleteProtection): ReviewHandler {
  const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
  const engine = new AdmissionEngine(
    loadBundledEntrySchemas(),
    ManifestLookup.fromDocuments([]),
    defaultEngineOptions,
  );
  return new ReviewHandler(engine, quiet, () => undefined, protection);
}

describe('delete protection', () => {
  let fake: FakeApiServer;
  let caches: ClusterCaches;
  let protection: DeleteProtection;
  const review = async (body: unknown): Promise<{ statusCode: number; answer: Answer }> => {
    const out = await handlerFor(protection).handle('validate-delete', body);
    return { statusCode: out.statusCode, answer: out.body as unknown as Answer };
  };

  before(async () => {
    fake = await FakeApiServer.start();
    fake.put('mcpgroups', group('team-a', 'busy', 'Ready'));
    fake.put('mcpgroups', group('team-a', 'idle', 'Ready'));
    for (let i = 0; i < 12; i++)
      fake.put(
        'mcpserverentries',
        serverEntry(
          'team-a',
          `entry-${String(i).padStart(2, '0')}`,
          'busy',
          i === 0 ? 'exchange' : undefined,
        ),
      );
    fake.put('mcpserverentries', serverEntry('team-b', 'other-ns', 'idle'));
    const api = new KubeApi(fake.kubeConfig());
    caches = new ClusterCaches({
      api,
      version: new ServedVersion(api),
      namespaces: [],
      entries: true,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    caches.start();
    protection = new DeleteProtection(caches, { onLookupFailure: 'deny' });
    await until(() => caches.ready(), 'sync');
  });
  after(async () => {
    await caches.close();
    await fake.close();
  });

  test('a group still referenced is refused, naming ten entries and counting the rest', async () => {
    const { statusCode, answer } = await review(deleteReview('MCPGroup', 'team-a', 'busy'));
    assert.equal(statusCode, 200);
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status?.code, 403);
    const message = answer.response.status?.message ?? '';
    assert.match(
      message,
      /MCPGroup "busy" is still referenced by 12 MCPServerEntries in namespace "team-a": "entry-00", .*"entry-09" and 2 more/,
    );
    assert.equal((message.match(/"entry-\d\d"/g) ?? []).length, maxNamedEntries);
  });

  test('a group referenced only from another namespace may go', async () => {
    const { answer } = await review(deleteReview('MCPGroup', 'team-a', 'idle'));
    assert.equal(answer.response.allowed, true);
  });

  test('an auth config still referenced is refused, naming its one entry', async () => {
    const { answer } = await review(deleteReview('MCPExternalAuthConfig', 'team-a', 'exchange'));
    assert.equal(answer.response.allowed, false);
    assert.match(
      answer.response.status?.message ?? '',
      /MCPExternalAuthConfig "exchange" is still referenced by 1 MCPServerEntry in namespace "team-a": "entry-00";/,
    );
  });

  test('the cache follows: once the entries are gone, the delete is allowed', async () => {
    fake.put('mcpserverentries', serverEntry('team-a', 'entry-00', 'busy'));
    await until(
      () => caches.entryInformer('team-a')?.get('team-a', 'entry-00')?.authConfig === undefined,
      'update',
    );
    const { answer } = await review(deleteReview('MCPExternalAuthConfig', 'team-a', 'exchange'));
    assert.equal(answer.response.allowed, true);
  });

  test('other operations, kinds and subresources are allowed untouched', async () => {
    for (const body of [
      deleteReview('MCPGroup', 'team-a', 'busy', {
        operation: 'UPDATE',
        object: {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPGroup',
          metadata: { name: 'busy' },
        },
      }),
      deleteReview('MCPServer', 'team-a', 'busy'),
      deleteReview('MCPGroup', 'team-a', 'busy', { subResource: 'status' }),
    ]) {
      const { answer } = await review(body);
      assert.equal(answer.response.allowed, true);
      assert.equal(answer.response.status, undefined);
    }
  });

  test('a malformed review is a 400, not a verdict', async () => {
    const { statusCode } = await review({ kind: 'nonsense' });
    assert.equal(statusCode, 400);
  });

  test('an unsynced entry cache: refused under deny, allowed with a warning under warn', async () => {
    const api = new KubeApi(fake.kubeConfig());
    const cold = new ClusterCaches({
      api,
      version: new ServedVersion(api, 'v1beta1'),
      namespaces: [],
      entries: true,
    });
    cold.prepare('v1beta1');
    const deny = (await handlerFor(new DeleteProtection(cold, { onLookupFailure: 'deny' })).handle(
      'validate-delete',
      deleteReview('MCPGroup', 'team-a', 'idle'),
    )) as unknown as { body: Answer };
    assert.equal(deny.body.response.allowed, false);
    assert.match(
      deny.body.response.status?.message ?? '',
      /could not verify that no MCPServerEntry references MCPGroup "idle": .*not synced/,
    );
    const warn = (await handlerFor(new DeleteProtection(cold, { onLookupFailure: 'warn' })).handle(
      'validate-delete',
      deleteReview('MCPGroup', 'team-a', 'idle'),
    )) as unknown as { body: Answer };
    assert.equal(warn.body.response.allowed, true);
    assert.match(warn.body.response.warnings?.[0] ?? '', /could not verify/);
  });

  test('the message for a single entry has no "more" tail', () => {
    assert.equal(
      stillReferencedMessage('MCPGroup', 'g', 'ns', ['a']),
      'MCPGroup "g" is still referenced by 1 MCPServerEntry in namespace "ns": "a"; delete them or point them elsewhere first',
    );
  });
});
