// The behaviour every ReferenceLookup promises, written once and run against each
// implementation (manifests on disk here; the live-cluster lookups run the same suite).
//
// `setup` receives the fixture objects and must make them visible to the lookup exactly as
// given, status included (a cluster implementation writes `status` through the status
// subresource and creates the two namespaces). The objects are valid against ToolHive's CRDs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../../src/model/lookup.ts';

export const CONTRACT_NAMESPACE = 'lookup-contract-a';
export const OTHER_NAMESPACE = 'lookup-contract-b';
/** A Secret value that must never appear in any answer. */
export const SECRET_CANARY = 'canary-7d1f3e9a-never-leak-this';
const SECRET_CANARY_TOO = 'canary-string-data-2b8c-never-leak';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

export function contractObjects(): Record<string, unknown>[] {
  const meta = (name: string, namespace = CONTRACT_NAMESPACE) => ({ name, namespace });
  return [
    {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPGroup',
      metadata: meta('ready-group'),
      spec: { description: 'contract: ready' },
      status: { phase: 'Ready' },
    },
    {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPGroup',
      metadata: meta('pending-group'),
      spec: {},
      status: { phase: 'Pending' },
    },
    {
      apiVersion: 'toolhive.stacklok.dev/v1alpha1',
      kind: 'MCPGroup',
      metadata: meta('elsewhere-group', OTHER_NAMESPACE),
      spec: {},
      status: { phase: 'Ready' },
    },
    {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPExternalAuthConfig',
      metadata: meta('exchange'),
      spec: {
        type: 'tokenExchange',
        tokenExchange: { tokenUrl: 'https://sso.example.com/token', audience: 'mcp' },
      },
    },
    {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPExternalAuthConfig',
      metadata: meta('bearer'),
      spec: {
        type: 'bearerToken',
        bearerToken: { tokenSecretRef: { name: 'creds', key: 'token' } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('ca-bundle'),
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nY29udHJhY3Q=\n-----END CERTIFICATE-----\n' },
      binaryData: { 'ca.der': base64('contract der bytes') },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('creds'),
      type: 'Opaque',
      data: { 'api-key': base64(SECRET_CANARY) },
      stringData: { token: SECRET_CANARY_TOO },
    },
  ];
}

export interface LookupUnderTest {
  readonly lookup: ReferenceLookup;
  teardown(): Promise<void>;
}

export function describeLookupContract(
  name: string,
  setup: (objects: Record<string, unknown>[]) => Promise<LookupUnderTest>,
): void {
  describe(`ReferenceLookup contract: ${name}`, () => {
    let subject: LookupUnderTest | undefined;
    before(async () => {
      subject = await setup(contractObjects());
    });
    after(async () => {
      await subject?.teardown();
    });

    // Every question is also put to `peek` where the lookup has one: an answer at hand must
    // be the answer `lookup` gives (undefined means "not at hand", never a different fact).
    const ask = async (query: ReferenceQuery, signal = new AbortController().signal) => {
      assert.ok(subject, 'setup did not complete');
      const answer = await subject.lookup.lookup(query, signal);
      const peeked = signal.aborted ? undefined : subject.lookup.peek?.(query);
      if (peeked !== undefined && answer.status !== 'unknown')
        assert.deepEqual(peeked, answer, `peek disagrees with lookup for ${JSON.stringify(query)}`);
      return answer;
    };
    const inNamespace = (q: Omit<ReferenceQuery, 'namespace'>): ReferenceQuery => ({
      ...q,
      namespace: CONTRACT_NAMESPACE,
    });
    const assertNoSecretValue = (answer: ReferenceAnswer): void => {
      const text = JSON.stringify(answer);
      for (const canary of [SECRET_CANARY, SECRET_CANARY_TOO, base64(SECRET_CANARY)]) {
        assert.ok(!text.includes(canary), `answer carries a Secret value: ${text}`);
      }
    };

    test('is ready once set up', () => {
      assert.equal(subject?.lookup.ready(), true);
    });

    test('a Ready group is found with its phase', async () => {
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPGroup', name: 'ready-group' })), {
        status: 'found',
        phase: 'Ready',
      });
    });

    test('a Pending group is found with its phase', async () => {
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPGroup', name: 'pending-group' })), {
        status: 'found',
        phase: 'Pending',
      });
    });

    test('a group that does not exist is missing', async () => {
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPGroup', name: 'no-such-group' })), {
        status: 'missing',
      });
    });

    test('a group in another namespace is missing (references never cross namespaces)', async () => {
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPGroup', name: 'elsewhere-group' })), {
        status: 'missing',
      });
      assert.deepEqual(
        await ask({ kind: 'MCPGroup', namespace: OTHER_NAMESPACE, name: 'elsewhere-group' }),
        { status: 'found', phase: 'Ready' },
      );
    });

    test('an auth config is found with its type', async () => {
      assert.deepEqual(
        await ask(inNamespace({ kind: 'MCPExternalAuthConfig', name: 'exchange' })),
        {
          status: 'found',
          authType: 'tokenExchange',
        },
      );
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPExternalAuthConfig', name: 'bearer' })), {
        status: 'found',
        authType: 'bearerToken',
      });
      assert.deepEqual(await ask(inNamespace({ kind: 'MCPExternalAuthConfig', name: 'nope' })), {
        status: 'missing',
      });
    });

    test('a kind is not confused with another of the same name', async () => {
      assert.deepEqual(await ask(inNamespace({ kind: 'ConfigMap', name: 'creds' })), {
        status: 'missing',
      });
      assert.deepEqual(await ask(inNamespace({ kind: 'Secret', name: 'ca-bundle' })), {
        status: 'missing',
      });
    });

    test('ConfigMap keys: data and binaryData present, other keys absent', async () => {
      const key = (k: string) => ask(inNamespace({ kind: 'ConfigMap', name: 'ca-bundle', key: k }));
      assert.deepEqual(await key('ca.crt'), { status: 'found', hasKey: true });
      assert.deepEqual(await key('ca.der'), { status: 'found', hasKey: true });
      assert.deepEqual(await key('tls.crt'), { status: 'found', hasKey: false });
      assert.deepEqual(
        await ask(inNamespace({ kind: 'ConfigMap', name: 'missing-bundle', key: 'ca.crt' })),
        { status: 'missing' },
      );
    });

    test('Secret keys: data and stringData present, other keys absent, no value in any answer', async () => {
      const key = (k: string) => ask(inNamespace({ kind: 'Secret', name: 'creds', key: k }));
      const answers = [await key('api-key'), await key('token'), await key('password')];
      assert.deepEqual(answers, [
        { status: 'found', hasKey: true },
        { status: 'found', hasKey: true },
        { status: 'found', hasKey: false },
      ]);
      const whole = await ask(inNamespace({ kind: 'Secret', name: 'creds' }));
      assert.equal(whole.status, 'found');
      for (const answer of [...answers, whole]) assertNoSecretValue(answer);
    });

    test('an already-aborted signal still settles promptly', async () => {
      const controller = new AbortController();
      controller.abort(new Error('deadline'));
      const answer = await ask(
        inNamespace({ kind: 'MCPGroup', name: 'ready-group' }),
        controller.signal,
      );
      // A static source may still answer; a remote one says it could not.
      assert.ok(['found', 'missing', 'unknown'].includes(answer.status), answer.status);
    });
  });
}
