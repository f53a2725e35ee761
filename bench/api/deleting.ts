// Objects being deleted: an entry held by a finalizer gets a deletionTimestamp on DELETE and
// stays until its controller removes the finalizer, with an UPDATE. Those UPDATEs (the label a
// controller sets while cleaning up, the finalizer's removal) must never wait for our webhook,
// so that a webhook outage cannot keep an entry from going away. Counted, not timed.
import type { World } from './configurations.ts';
import { observe, snapshot } from './observe.ts';
import { collectionPath, newEntry } from './writes.ts';

export interface DeletingProof {
  readonly objects: number;
  /** UPDATEs sent to objects that carried a deletionTimestamp. */
  readonly updates: number;
  /** Webhook calls the API server made for them (mutating + validating). */
  readonly webhookCalls: number;
  /** Reviews our server answered meanwhile. */
  readonly ourReviews: number;
  readonly matchConditionExclusions: number;
}

const finalizer = 'bench.mcpentry-webhook.dev/hold';

async function expectStatus(
  w: World,
  method: string,
  path: string,
  body: unknown,
  expected: number,
  contentType?: string,
): Promise<void> {
  const answer = await w.client.send(
    method,
    path,
    body === undefined ? undefined : JSON.stringify(body),
    contentType,
  );
  if (answer.status !== expected)
    throw new Error(
      `${method} ${path}: HTTP ${answer.status} (expected ${expected}): ${answer.body.slice(0, 300)}`,
    );
}

export async function deletingObjectsProof(w: World, objects: number): Promise<DeletingProof> {
  const collection = collectionPath(w.namespace);
  const names = Array.from({ length: objects }, (_, i) => `deleting-${i}`);
  for (const [i, name] of names.entries()) {
    const entry = newEntry(w.namespace, name, i) as { metadata: Record<string, unknown> };
    entry.metadata['finalizers'] = [finalizer];
    await expectStatus(w, 'POST', collection, entry, 201);
  }
  for (const name of names)
    await expectStatus(w, 'DELETE', `${collection}/${name}`, undefined, 200);
  const merge = 'application/merge-patch+json';
  const before = await snapshot(w);
  for (const name of names) {
    await expectStatus(
      w,
      'PATCH',
      `${collection}/${name}`,
      { metadata: { labels: { cleanup: 'started' } } },
      200,
      merge,
    );
    await expectStatus(
      w,
      'PATCH',
      `${collection}/${name}`,
      { metadata: { finalizers: null } },
      200,
      merge,
    );
  }
  const after = await snapshot(w);
  const seen = observe(before, after, objects * 2);
  return {
    objects,
    updates: objects * 2,
    webhookCalls: (seen.webhookCalls['admit'] ?? 0) + (seen.webhookCalls['validating'] ?? 0),
    ourReviews: Object.values(seen.ourReviews).reduce((a, b) => a + b, 0),
    matchConditionExclusions: seen.matchConditionExclusions,
  };
}
