// ManifestLookup: the shared contract over documents and over files on disk, plus what only a
// manifest source has (default namespace, last-wins duplicates, no Secret values kept).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { ManifestLookup, ManifestLookupError } from '../../src/references/manifest-lookup.ts';
import { describeLookupContract, SECRET_CANARY } from './lookup-contract.ts';

describeLookupContract('ManifestLookup.fromDocuments', (objects) =>
  Promise.resolve({
    lookup: ManifestLookup.fromDocuments(objects.map((object) => ({ object }))),
    teardown: () => Promise.resolve(),
  }),
);

describeLookupContract('ManifestLookup.fromPaths (YAML on disk)', async (objects) => {
  const dir = await mkdtemp(join(tmpdir(), 'manifest-lookup-'));
  await writeFile(join(dir, 'objects.yaml'), objects.map((o) => stringify(o)).join('---\n'));
  return {
    lookup: await ManifestLookup.fromPaths([dir]),
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});

const never = new AbortController().signal;

describe('ManifestLookup specifics', () => {
  test('an object without a namespace lands in the default namespace', async () => {
    const group = {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPGroup',
      metadata: { name: 'g' },
    };
    const lookup = ManifestLookup.fromDocuments([{ object: group }]);
    assert.equal(
      (await lookup.lookup({ kind: 'MCPGroup', namespace: 'default', name: 'g' }, never)).status,
      'found',
    );
    const teamLookup = ManifestLookup.fromDocuments([{ object: group }], 'team-a');
    assert.equal(
      (await teamLookup.lookup({ kind: 'MCPGroup', namespace: 'team-a', name: 'g' }, never)).status,
      'found',
    );
    assert.equal(
      (await teamLookup.lookup({ kind: 'MCPGroup', namespace: 'default', name: 'g' }, never))
        .status,
      'missing',
    );
  });

  test('a group without status is found with no phase', async () => {
    const lookup = ManifestLookup.fromDocuments([
      {
        object: {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPGroup',
          metadata: { name: 'new' },
        },
      },
    ]);
    assert.deepEqual(
      await lookup.lookup({ kind: 'MCPGroup', namespace: 'default', name: 'new' }, never),
      {
        status: 'found',
      },
    );
  });

  test('the same object twice: the later one wins, as a second apply would', async () => {
    const version = (phase: string) => ({
      object: {
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPGroup',
        metadata: { name: 'g' },
        status: { phase },
      },
    });
    const lookup = ManifestLookup.fromDocuments([version('Pending'), version('Ready')]);
    assert.deepEqual(
      await lookup.lookup({ kind: 'MCPGroup', namespace: 'default', name: 'g' }, never),
      {
        status: 'found',
        phase: 'Ready',
      },
    );
  });

  test('objects of other groups or versions are not indexed', async () => {
    const lookup = ManifestLookup.fromDocuments([
      { object: { apiVersion: 'example.com/v1', kind: 'MCPGroup', metadata: { name: 'g' } } },
      { object: { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'c' } } },
      { object: { kind: 'Secret', metadata: { name: 's' } } },
      { object: { apiVersion: 'v1', kind: 'Secret' } },
    ]);
    for (const [kind, name] of [
      ['MCPGroup', 'g'],
      ['ConfigMap', 'c'],
      ['Secret', 's'],
    ] as const) {
      assert.equal(
        (await lookup.lookup({ kind, namespace: 'default', name }, never)).status,
        'missing',
      );
    }
  });

  test('malformed sections are tolerated: data that is not a map has no keys', async () => {
    const lookup = ManifestLookup.fromDocuments([
      {
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's' },
          data: ['a'],
          stringData: 'x',
        },
      },
      {
        object: {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPExternalAuthConfig',
          metadata: { name: 'a' },
          spec: { type: 7 },
        },
      },
    ]);
    assert.deepEqual(
      await lookup.lookup({ kind: 'Secret', namespace: 'default', name: 's', key: '0' }, never),
      {
        status: 'found',
        hasKey: false,
      },
    );
    assert.deepEqual(
      await lookup.lookup(
        { kind: 'MCPExternalAuthConfig', namespace: 'default', name: 'a' },
        never,
      ),
      {
        status: 'found',
      },
    );
  });

  test('the lookup holds no Secret value, only key names', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { k: Buffer.from(SECRET_CANARY).toString('base64') },
      stringData: { other: SECRET_CANARY },
    };
    const lookup = ManifestLookup.fromDocuments([{ object: secret }]);
    const dump = inspect(lookup, { depth: Infinity, showHidden: true });
    assert.ok(dump.includes('other'), 'key names are indexed');
    assert.ok(!dump.includes(SECRET_CANARY), 'a Secret value was kept');
    assert.ok(
      !dump.includes(Buffer.from(SECRET_CANARY).toString('base64')),
      'an encoded Secret value was kept',
    );
  });

  test('fromPaths throws ManifestLookupError listing every unreadable input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-lookup-bad-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'kind: [\n');
      await assert.rejects(
        ManifestLookup.fromPaths([join(dir, 'broken.yaml'), join(dir, 'missing.yaml')]),
        (error) => {
          assert.ok(error instanceof ManifestLookupError);
          assert.equal(error.errors.length, 2);
          assert.match(error.message, /broken\.yaml:\d+:\d+: YAML syntax error/);
          assert.match(error.message, /missing\.yaml: no such file or directory/);
          return true;
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the bundled examples resolve the references their entries make', async () => {
    const lookup = await ManifestLookup.fromPaths([
      new URL('../../examples/', import.meta.url).pathname,
    ]);
    const ask = (q: Parameters<ManifestLookup['lookup']>[0]) => lookup.lookup(q, never);
    const ns = 'default';
    assert.deepEqual(await ask({ kind: 'MCPGroup', namespace: ns, name: 'engineering' }), {
      status: 'found',
      phase: 'Ready',
    });
    assert.deepEqual(await ask({ kind: 'MCPGroup', namespace: ns, name: 'staging' }), {
      status: 'found',
      phase: 'Pending',
    });
    assert.deepEqual(
      await ask({ kind: 'MCPExternalAuthConfig', namespace: ns, name: 'github-token-exchange' }),
      {
        status: 'found',
        authType: 'tokenExchange',
      },
    );
    assert.deepEqual(
      await ask({ kind: 'MCPExternalAuthConfig', namespace: ns, name: 'legacy-bearer' }),
      {
        status: 'found',
        authType: 'bearerToken',
      },
    );
    assert.deepEqual(
      await ask({ kind: 'ConfigMap', namespace: ns, name: 'internal-ca', key: 'ca.crt' }),
      {
        status: 'found',
        hasKey: true,
      },
    );
    assert.deepEqual(
      await ask({ kind: 'Secret', namespace: ns, name: 'search-api', key: 'api-key' }),
      {
        status: 'found',
        hasKey: true,
      },
    );
  });
});
