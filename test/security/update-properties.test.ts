// Property: an UPDATE from an empty spec is judged like a CREATE of the same spec. Nothing of
// the new spec was stored before, so ratcheting has nothing to relax: the verdict, the denied
// rules and the number of denials must be the same. Header names and keys come from the
// whole token alphabet and the spellings that fooled path-based comparisons.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { defaultEngineOptions, type EntryInput } from '../../src/model/review.ts';
import type { Verdict } from '../../src/model/verdict.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import type { Json } from '../support/reviews.ts';
import { entryWithSpec, spec } from './entry-arbitraries.ts';

let engine: AdmissionEngine;
before(async () => {
  const lookup = await ManifestLookup.fromPaths([
    new URL('../fixtures/objects/', import.meta.url).pathname,
  ]);
  engine = new AdmissionEngine(loadBundledEntrySchemas(), lookup, defaultEngineOptions);
});

const input = (operation: 'CREATE' | 'UPDATE', object: Json, oldObject: Json | null) =>
  ({ operation, version: 'v1beta1', object, oldObject, namespace: 'default' }) as EntryInput;

const summary = (v: Verdict): { allowed: boolean; denied: string[] } => ({
  allowed: v.allowed,
  denied: v.denials.map((f) => f.rule).sort(),
});

test('CREATE and an UPDATE from an empty spec reach the same verdict', async () => {
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      const object = entryWithSpec(s);
      const created = await engine.validate(input('CREATE', object, null));
      const updated = await engine.validate(input('UPDATE', object, entryWithSpec({})));
      assert.deepEqual(summary(updated), summary(created));
    }),
    { seed: 0x5eed_0014, numRuns: 400 },
  );
});
