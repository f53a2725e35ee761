// UPDATE ratcheting must compare fields by what they are (a map key is not a list index; a
// name is not its printed, escaped or shortened form), and relax only a problem the stored
// object already had. Each case below was an UPDATE the engine allowed ("unchanged on update,
// so not enforced") while the same spec on CREATE was denied. The assertions use verdicts and
// rule ids only, so they hold whatever shape findings take.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { defaultEngineOptions, type EntryInput } from '../../src/model/review.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import { entry, type Json } from '../support/reviews.ts';

let engine: AdmissionEngine;
before(async () => {
  const lookup = await ManifestLookup.fromPaths([
    new URL('../fixtures/objects/', import.meta.url).pathname,
  ]);
  engine = new AdmissionEngine(loadBundledEntrySchemas(), lookup, {
    ...defaultEngineOptions,
    unknownFields: 'ignore',
  });
});

const input = (operation: 'CREATE' | 'UPDATE', object: Json, oldObject: Json | null) =>
  ({ operation, version: 'v1beta1', object, oldObject, namespace: 'default' }) as EntryInput;

/** CREATE of `next`, and an UPDATE from `previous` to `next`: both must be denied. */
async function deniedBoth(next: Json, previous: Json): Promise<string[]> {
  const created = await engine.validate(input('CREATE', next, null));
  assert.equal(created.allowed, false, 'CREATE is denied');
  const updated = await engine.validate(input('UPDATE', next, previous));
  assert.equal(
    updated.allowed,
    false,
    `UPDATE is denied too; it allowed with warnings ${JSON.stringify(updated.warnings)}`,
  );
  return updated.denials.map((f) => f.rule).sort();
}

const injected = 'a\r\nHost: 169.254.169.254';
const plaintext = (headers: Record<string, string>): Json =>
  entry({ headerForward: { addPlaintextHeaders: headers } });

describe('a header added by an UPDATE is judged as on CREATE, whatever its name', () => {
  const names: [string, string][] = [
    ['a list index', '0'],
    ['another index', '1'],
    ['an index with leading zeros', '007'],
    ['a control character', 'X-\u0001A'],
    ['a line feed', 'X\nY'],
    ['a closing bracket', 'X]Y'],
    ['an opening bracket', 'X[0'],
    ['a dot', 'x.y'],
    ['more than 64 characters (printed shortened)', `X-${'a'.repeat(80)}`],
    ['__proto__', '__proto__'],
  ];
  for (const [what, name] of names) {
    test(`${what}: ${JSON.stringify(name)} with a CR/LF value, added to an entry with no headers`, async () => {
      const rules = await deniedBoth(plaintext({ [name]: injected }), entry());
      assert.ok(rules.includes('headers.value'), rules.join());
    });
  }

  test('a second long name that prints like the stored one is not the stored one', async () => {
    const prefix = `X-${'a'.repeat(70)}`;
    // The stored entry already had a bad value under one long name (ratcheted since); the
    // UPDATE adds another name that prints the same once shortened.
    const previous = plaintext({ [`${prefix}-one`]: injected });
    const next = plaintext({ [`${prefix}-one`]: injected, [`${prefix}-two`]: injected });
    await deniedBoth(next, previous);
  });

  test('a Secret header whose name is an index, added to an entry with no headers', async () => {
    const next = entry({
      headerForward: {
        addHeadersFromSecret: [
          { headerName: '0\r\n', valueSecretRef: { name: 'search-api', key: 'api-key' } },
        ],
      },
    });
    const rules = await deniedBoth(next, entry());
    assert.ok(rules.includes('headers.name'), rules.join());
  });
});

describe('a problem that involves a changed field is not ratcheted', () => {
  test('a plaintext header that duplicates a stored Secret header', async () => {
    const secret = { headerName: 'X-A', valueSecretRef: { name: 'search-api', key: 'api-key' } };
    const previous = entry({ headerForward: { addHeadersFromSecret: [secret] } });
    const next = entry({
      headerForward: { addPlaintextHeaders: { 'x-a': 'v' }, addHeadersFromSecret: [secret] },
    });
    const rules = await deniedBoth(next, previous);
    assert.ok(rules.includes('headers.duplicate'), rules.join());
  });

  test('a required field still missing when its parent changed (from an empty spec)', async () => {
    const previous = { ...entry(), spec: {} };
    const next = { ...entry(), spec: { transport: 'sse' } };
    const rules = await deniedBoth(next, previous);
    assert.ok(rules.includes('schema'), rules.join());
  });
});

describe('ratcheting still relaxes what the stored object already had', () => {
  test('a stored metadata address, with an UPDATE that changes another field', async () => {
    const previous = entry({ remoteUrl: 'http://169.254.169.254/latest/' });
    const next = entry({ remoteUrl: 'http://169.254.169.254/latest/', transport: 'sse' });
    const v = await engine.validate(input('UPDATE', next, previous));
    assert.equal(v.allowed, true, JSON.stringify(v.denials));
    assert.ok(v.warnings.some((f) => f.rule === 'remote-url.metadata'));
  });

  test('a stored bad header value, with a new, valid header beside it', async () => {
    const previous = plaintext({ 'X-Old': injected });
    const next = plaintext({ 'X-Old': injected, 'X-New': 'fine' });
    const v = await engine.validate(input('UPDATE', next, previous));
    assert.equal(v.allowed, true, JSON.stringify(v.denials));
    assert.ok(v.warnings.some((f) => f.rule === 'headers.value'));
  });

  test('a missing required field under a parent the UPDATE did not touch', async () => {
    const previous = {
      ...entry(),
      spec: { ...(entry()['spec'] as Json), externalAuthConfigRef: {} },
    };
    const next = {
      ...previous,
      spec: { ...(previous['spec'] as Json), transport: 'sse' },
    };
    const created = await engine.validate(input('CREATE', next, null));
    assert.equal(created.allowed, false, 'externalAuthConfigRef needs its name');
    const v = await engine.validate(input('UPDATE', next, previous));
    assert.equal(v.allowed, true, JSON.stringify(v.denials));
  });
});
