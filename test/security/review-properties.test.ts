// Properties of the review handler under random and broken input, run in-process through the
// real decoder, engine and response builders (the HTTPS twin of these runs fewer cases):
// it never throws, it always answers something the API server can use or a 4xx, nothing it is
// sent pollutes Object.prototype, and no change to fields no rule reads turns a denial into an
// admission.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { createLogger } from '../../src/log.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { defaultEngineOptions } from '../../src/model/review.ts';
import { ReviewHandler, type ReviewPath } from '../../src/server/review-handler.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { assertWellFormedAnswer, denialCauses } from './answer-shape.ts';
import { FixtureFactsLookup } from './fixture-facts.ts';
import {
  arbitraryReview,
  arbitrarySpec,
  hostileJson,
  mutatedReview,
  poisons,
  propertySeeds,
  unrelatedChanges,
  withUnrelatedChanges,
} from './review-arbitraries.ts';

const logLines: string[] = [];
const handler = new ReviewHandler(
  new AdmissionEngine(loadBundledEntrySchemas(), new FixtureFactsLookup(), defaultEngineOptions),
  createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString('utf8'));
        cb();
      },
    }),
  ),
);
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
const paths = fc.constantFrom<ReviewPath>('validate', 'mutate');

after(() => {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
});

async function answer(path: ReviewPath, body: unknown): Promise<{ status: number; body: unknown }> {
  const outcome = await handler.handle(path, body, 10_000);
  // What goes on the wire is JSON: judge the serialised answer, as the API server would.
  return { status: outcome.statusCode, body: JSON.parse(JSON.stringify(outcome.body)) };
}

describe('random and broken reviews never throw and always get a usable answer', () => {
  test('arbitrary JSON bodies (not reviews at all) are 4xx with a message', async () => {
    await fc.assert(
      fc.asyncProperty(paths, hostileJson, async (path, body) => {
        const a = await answer(path, body);
        assertWellFormedAnswer(a.status, a.body, body);
      }),
      { seed: propertySeeds.inProcess, numRuns: 300 },
    );
  });

  test('reviews around random entries: 200 with a well-formed review, or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(paths, arbitraryReview, async (path, body) => {
        const a = await answer(path, body);
        assertWellFormedAnswer(a.status, a.body, body);
      }),
      { seed: propertySeeds.inProcess, numRuns: 600 },
    );
  });

  test('well-formed reviews mutated at random paths: same guarantee', async () => {
    await fc.assert(
      fc.asyncProperty(paths, mutatedReview, async (path, body) => {
        const a = await answer(path, body);
        assertWellFormedAnswer(a.status, a.body, body);
      }),
      { seed: propertySeeds.inProcess, numRuns: 600 },
    );
  });

  test('no review reached the error path and the log never carried an object', () => {
    assert.ok(logLines.length > 1000, `${logLines.length} log lines`);
    for (const line of logLines) {
      const parsed = JSON.parse(line) as Json;
      assert.ok(!['error', 'fatal'].includes(String(parsed['level'])), line);
      assert.equal(parsed['object'], undefined);
    }
  });
});

describe('a denial survives changes to fields no rule reads', () => {
  const poison = fc.constantFrom(...poisons);

  test('labels, annotations, managedFields, userInfo, uid and dryRun never turn deny into allow', async () => {
    await fc.assert(
      fc.asyncProperty(
        poison,
        arbitrarySpec,
        unrelatedChanges,
        fc.boolean(),
        async ([, bad], extra, changes, asUpdate) => {
          // Random other fields, then the poison on top, so the entry is denied for that reason
          // whatever else it says.
          const spec = { ...extra, ...bad };
          const object = entry(spec);
          const base = asUpdate ? review('UPDATE', object, entry()) : review('CREATE', object);
          const before = await answer('validate', base);
          assert.equal(before.status, 200);
          const causes = denialCauses(before.body);
          assert.ok(causes.length > 0, 'the poisoned entry is denied');
          const changed = withUnrelatedChanges(base, changes);
          const afterChange = await answer('validate', changed);
          assertWellFormedAnswer(afterChange.status, afterChange.body, changed);
          assert.deepEqual(denialCauses(afterChange.body), causes);
        },
      ),
      { seed: propertySeeds.inProcess, numRuns: 400 },
    );
  });

  test('each poison alone is denied by the rule named for it, in both served versions', async () => {
    for (const [reason, bad] of poisons) {
      for (const version of ['v1alpha1', 'v1beta1']) {
        const a = await answer('validate', review('CREATE', entry(bad, { version })));
        assert.ok(denialCauses(a.body).length > 0, `${reason} in ${version}`);
      }
    }
  });
});
