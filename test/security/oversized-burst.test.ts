// One request must not deny service to others beyond its own cost. A burst of 4.8 MiB reviews
// holding 400,000 unknown spec keys each (within the body limit, and otherwise valid) arrives
// while ordinary reviews keep coming: only the oversized ones are refused (denied by the review
// limits, or shed by the byte budget), every ordinary one is answered, and the first ordinary
// review after the burst is answered at once. Before the limits, each such review cost ~2.8 s
// of schema work and was admitted, and the heap signal then shed every review for ~105 s.
//
// Event-loop shedding is off here only because this process is also the client, and building
// and encrypting 40 MiB of bodies lags the loop the server measures; bench/README.md has the
// same burst against a server in its own process with every default on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entry, review, type Json } from '../support/reviews.ts';
import { post, startTestServer, type HttpAnswer } from '../support/test-server.ts';
import { denialCauses } from './answer-shape.ts';

function pathologicalReview(keys: number): string {
  const spec: Json = {};
  for (let i = 0; i < keys; i++) spec[`key${i}`] = 0;
  return JSON.stringify(review('CREATE', entry(spec)));
}

const allowedOf = (a: HttpAnswer): boolean | undefined =>
  (a.json as { response?: { allowed?: boolean } } | undefined)?.response?.allowed;

test('a burst of oversized reviews: only they are refused, and normal reviews are answered right after', async () => {
  const s = await startTestServer(['--shed-event-loop-delay', '0']);
  try {
    const oversized = pathologicalReview(400_000); // ~5 MiB
    assert.ok(oversized.length > 4.5 * 1024 * 1024 && oversized.length < 7 * 1024 * 1024);
    const normal = JSON.stringify(review('CREATE', entry()));
    const url = `${s.url}/validate?timeout=10s`;

    let burstOver = false;
    const burst = Promise.all(Array.from({ length: 8 }, () => post(url, s.ca, oversized)));
    void burst.then(() => (burstOver = true));
    const during: HttpAnswer[] = [];
    do during.push(await post(url, s.ca, normal));
    while (!burstOver);
    const refused = await burst;
    const afterwards = await post(url, s.ca, normal);

    for (const a of [...during, afterwards]) {
      assert.equal(a.status, 200, a.body);
      assert.equal(allowedOf(a), true, a.body);
    }
    for (const a of refused) {
      if (a.status === 503) continue; // shed by the byte budget: a call failure, failurePolicy Fail
      assert.equal(a.status, 200, a.body);
      assert.equal(allowedOf(a), false, a.body);
      assert.deepEqual(denialCauses(a.json), ['request.object FieldValueTooMany']);
    }
    assert.ok(
      refused.some((a) => a.status === 200),
      'the budget admitted some of the burst, and those were denied',
    );
    assert.deepEqual(
      s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
      [],
    );
  } finally {
    await s.stop();
  }
});
