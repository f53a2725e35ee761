// The webhook configurations' matchConditions on a real kube-apiserver (issue #17): an UPDATE
// that leaves spec unchanged (a server-side re-apply as GitOps does, a PUT of the object as it
// is, as a storage-version migration does, a label or finalizer change) and any write to an
// object being deleted never reach our server, while a real change to spec still does. The
// server's own review log is the witness: it writes one line per review it receives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { entry } from '../support/reviews.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { registerDevUrlWebhooks, waitForWebhookActive } from './support/activation.ts';

// The first run on a machine builds kube-apiserver, kubectl and etcd (minutes, once).
const startTimeout = { timeout: 30 * 60_000 };

let cp: ControlPlane;
let server: TestServer;

before(async () => {
  cp = await startControlPlane();
  server = await startTestServer();
  await registerDevUrlWebhooks(cp.kubectl, { port: server.server.port, caPem: server.ca });
  await waitForWebhookActive(cp.kubectl, 'default');
}, startTimeout);

after(async () => {
  await cp?.stop();
  await server?.stop();
});

const name = 'match-conditions';

/** The reviews our server received for the entry, as `path operation` (e.g. `validate UPDATE`). */
const reviews = (): string[] =>
  server.logs
    .filter((l) => l['name'] === name && typeof l['operation'] === 'string')
    .map((l) => `${String(l['path'])} ${String(l['operation'])}`);

/** Runs a kubectl step and returns the reviews it caused. */
async function reviewsOf(args: string[], input?: string): Promise<string[]> {
  const before = reviews().length;
  const result = await cp.kubectl(['-n', 'default', ...args], input === undefined ? {} : { input });
  assert.equal(result.code, 0, result.stderr);
  // The answer to kubectl comes after every admission call, so the lines are already written.
  return reviews().slice(before);
}

const manifest = (remoteUrl: string): string =>
  JSON.stringify(entry({ remoteUrl }, { name, namespace: 'default' }));

test('no-op UPDATEs and writes to an object being deleted skip the webhook; changes do not', async () => {
  const ssa = ['apply', '--server-side', '--field-manager=gitops', '-f', '-'];

  // CREATE is always sent (mutating first, then validating).
  assert.deepEqual(await reviewsOf(ssa, manifest('https://mcp.example.com/a')), [
    'mutate CREATE',
    'validate CREATE',
  ]);

  // A GitOps re-apply of the same manifest: an UPDATE that changes nothing.
  assert.deepEqual(await reviewsOf(ssa, manifest('https://mcp.example.com/a')), []);

  // A storage-version migration: the object PUT back as it was read.
  const stored = await cp.kubectl(['-n', 'default', 'get', 'mcpserverentry', name, '-o', 'json']);
  assert.deepEqual(await reviewsOf(['replace', '-f', '-'], stored.stdout), []);

  // Metadata only: a label and a finalizer.
  assert.deepEqual(await reviewsOf(['label', 'mcpserverentry', name, 'team=a']), []);
  const finalizer = ['patch', 'mcpserverentry', name, '--type=merge', '-p'];
  assert.deepEqual(
    await reviewsOf([...finalizer, '{"metadata":{"finalizers":["example.com/hold"]}}']),
    [],
  );

  // A real change to spec is sent, so the witness above can see calls.
  assert.deepEqual(await reviewsOf(ssa, manifest('https://mcp.example.com/b')), [
    'mutate UPDATE',
    'validate UPDATE',
  ]);

  // Deleting: the finalizer keeps the object, now with deletionTimestamp set. Neither a change
  // to its spec nor the finalizer's removal reaches the webhook (the server would allow both
  // at once: an object on its way out is not judged).
  assert.deepEqual(await reviewsOf(['delete', 'mcpserverentry', name, '--wait=false']), []);
  assert.deepEqual(
    await reviewsOf([
      'patch',
      'mcpserverentry',
      name,
      '--type=merge',
      '-p',
      '{"spec":{"remoteUrl":"https://mcp.example.com/c"}}',
    ]),
    [],
  );
  assert.deepEqual(await reviewsOf([...finalizer, '{"metadata":{"finalizers":null}}']), []);
  const gone = await cp.kubectl(['-n', 'default', 'get', 'mcpserverentry', name], {
    allowFailure: true,
  });
  assert.match(gone.stderr, /NotFound/);
});
