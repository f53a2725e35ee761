// The review-handler properties again, fewer cases, through the real server over HTTPS/1.1 and
// HTTP/2: what Fastify's parser, the error handler and the wire add must keep the guarantee
// (a well-formed AdmissionReview or a 4xx, never a 5xx) and leave the server healthy.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { post, postH2, startTestServer, type TestServer } from '../support/test-server.ts';
import { assertWellFormedAnswer } from './answer-shape.ts';
import { arbitraryReview, mutatedReview, propertySeeds } from './review-arbitraries.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.stop();
});

test('random and mutated reviews over HTTPS/1.1 and HTTP/2: a usable answer or a 4xx', async () => {
  const transport = fc.constantFrom('h1', 'h2');
  const path = fc.constantFrom('/validate', '/mutate');
  await fc.assert(
    fc.asyncProperty(
      transport,
      path,
      fc.oneof(arbitraryReview, mutatedReview),
      async (via, route, body) => {
        const text = JSON.stringify(body);
        const url = `${s.url}${route}?timeout=10s`;
        const a = via === 'h1' ? await post(url, s.ca, text) : await postH2(url, s.ca, text);
        // Judge what was sent as the server read it: JSON text, so own `__proto__` keys and
        // the like are whatever JSON.parse makes of them.
        assertWellFormedAnswer(a.status, a.json, JSON.parse(text) as unknown);
      },
    ),
    { seed: propertySeeds.https, numRuns: 200 },
  );
  assert.deepEqual(s.server.problems(), []);
  assert.deepEqual(
    s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
    [],
  );
});
