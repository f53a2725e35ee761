// The engine end to end on plain objects: schema + rules + references + ratcheting + defaults.
// References resolve from real manifests (ManifestLookup over test/fixtures/objects).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import {
  defaultEngineOptions,
  type EngineOptions,
  type EntryInput,
} from '../../src/model/review.ts';
import { applyPatch } from '../../src/policy/json-patch.ts';
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../../src/model/lookup.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import { entry, type Json } from '../support/reviews.ts';
import { shownResult } from '../support/shown-findings.ts';

const fixtures = new URL('../fixtures/objects/', import.meta.url).pathname;
let manifests: ManifestLookup;
const schemas = loadBundledEntrySchemas();

before(async () => {
  manifests = await ManifestLookup.fromPaths([fixtures]);
});

/** The real engine, its verdicts' findings rendered as users see them. */
class ShownEngine {
  readonly inner: AdmissionEngine;
  constructor(inner: AdmissionEngine) {
    this.inner = inner;
  }
  async validate(input: EntryInput, signal?: AbortSignal, budgetMs?: number) {
    return shownResult(await this.inner.validate(input, signal, budgetMs));
  }
  async check(input: EntryInput) {
    return shownResult(await this.inner.check(input));
  }
  mutate(input: EntryInput) {
    return this.inner.mutate(input);
  }
}

function engine(
  options: Partial<EngineOptions> = {},
  lookup: ReferenceLookup = manifests,
): ShownEngine {
  return new ShownEngine(
    new AdmissionEngine(schemas, lookup, { ...defaultEngineOptions, ...options }),
  );
}

const create = (object: Json, version = 'v1beta1'): EntryInput => ({
  operation: 'CREATE',
  version,
  object,
  oldObject: null,
  namespace: 'default',
});
const update = (object: Json, oldObject: Json): EntryInput => ({
  operation: 'UPDATE',
  version: 'v1beta1',
  object,
  oldObject,
  namespace: 'default',
});

/** Wraps the real lookup to count calls or inject the faults a cluster can produce. */
class FaultyLookup implements ReferenceLookup {
  calls = 0;
  readonly inner: ReferenceLookup;
  readonly fault: 'none' | 'throw' | 'hang';
  constructor(inner: ReferenceLookup, fault: 'none' | 'throw' | 'hang') {
    this.inner = inner;
    this.fault = fault;
  }
  async lookup(q: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    this.calls += 1;
    if (this.fault === 'throw') throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    if (this.fault === 'hang') return new Promise(() => undefined);
    return this.inner.lookup(q, signal);
  }
  ready(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

const fields = (list: readonly { field: string }[]): string[] => list.map((f) => f.field).sort();
const rules = (list: readonly { rule: string }[]): string[] => list.map((f) => f.rule).sort();

describe('engine: CREATE', () => {
  test('a valid entry with all its neighbours is allowed without findings', async () => {
    const v = await engine().validate(
      create(
        entry({
          externalAuthConfigRef: { name: 'exchange' },
          caBundleRef: { configMapRef: { name: 'internal-ca', key: 'ca.crt' } },
          headerForward: {
            addPlaintextHeaders: { 'X-Tenant': 'blue' },
            addHeadersFromSecret: [
              { headerName: 'X-API-Key', valueSecretRef: { name: 'search-api', key: 'api-key' } },
            ],
          },
        }),
      ),
    );
    assert.deepEqual(v.denials, []);
    assert.deepEqual(v.warnings, []);
    assert.equal(v.allowed, true);
  });

  test('every violation is reported together, not only the first', async () => {
    const v = await engine().validate(
      create(
        entry({
          transport: 'grpc',
          remoteUrl: 'http://169.254.169.254/latest/meta-data',
          groupRef: { name: 'missing-group' },
          headerForward: { addPlaintextHeaders: { Host: 'evil.example' } },
        }),
      ),
    );
    assert.equal(v.allowed, false);
    assert.deepEqual(fields(v.denials), [
      'spec.groupRef.name',
      'spec.headerForward.addPlaintextHeaders[Host]',
      'spec.remoteUrl',
      'spec.transport',
    ]);
    const transport = v.denials.find((f) => f.field === 'spec.transport');
    assert.equal(
      transport?.message,
      'Unsupported value: "grpc": supported values: "sse", "streamable-http"',
    );
    assert.match(
      v.denials.find((f) => f.field === 'spec.remoteUrl')!.message,
      /169\.254\.169\.254/,
    );
    assert.match(
      v.denials.find((f) => f.field === 'spec.groupRef.name')!.message,
      /MCPGroup does not exist in namespace "default"/,
    );
  });

  test('plain http and a credential in a plaintext header allow with warnings', async () => {
    const v = await engine().validate(
      create(
        entry({
          remoteUrl: 'http://mcp.example.com/mcp',
          headerForward: { addPlaintextHeaders: { Authorization: 'Bearer x' } },
        }),
      ),
    );
    assert.equal(v.allowed, true);
    assert.deepEqual(rules(v.warnings), [
      'headers.credential-in-plaintext',
      'remote-url.plain-http',
    ]);
    assert.ok(
      v.warnings.every((w) => !w.message.includes('Bearer x')),
      'a header value is never echoed',
    );
  });

  test('a group that exists but is not Ready allows with a warning', async () => {
    const v = await engine().validate(create(entry({ groupRef: { name: 'staging' } })));
    assert.equal(v.allowed, true);
    assert.deepEqual(rules(v.warnings), ['reference.group.not-ready']);
    assert.match(v.warnings[0]!.message, /"staging" is Pending, not Ready/);
  });

  test('an auth config of a type an entry cannot use is denied, naming the supported types', async () => {
    const v = await engine().validate(create(entry({ externalAuthConfigRef: { name: 'bearer' } })));
    assert.equal(v.allowed, false);
    assert.equal(v.denials[0]?.rule, 'reference.auth-config.type');
    assert.match(
      v.denials[0].message,
      /"bearerToken".*supported types: "tokenExchange", "headerInjection"/,
    );
  });

  test('a missing auth config is denied', async () => {
    const v = await engine().validate(create(entry({ externalAuthConfigRef: { name: 'nope' } })));
    assert.deepEqual(rules(v.denials), ['reference.auth-config']);
  });

  test('CA bundle: missing ConfigMap, missing key, optional reference, default key', async () => {
    const e = engine();
    const missingMap = await e.validate(
      create(entry({ caBundleRef: { configMapRef: { name: 'nope', key: 'ca.crt' } } })),
    );
    assert.deepEqual(rules(missingMap.denials), ['reference.configmap']);
    const missingKey = await e.validate(
      create(entry({ caBundleRef: { configMapRef: { name: 'internal-ca', key: 'other.pem' } } })),
    );
    assert.deepEqual(fields(missingKey.denials), ['spec.caBundleRef.configMapRef.key']);
    const optional = await e.validate(
      create(
        entry({ caBundleRef: { configMapRef: { name: 'nope', key: 'ca.crt', optional: true } } }),
      ),
    );
    assert.equal(optional.allowed, true);
    // `key` absent: defaulting adds ca.crt, which internal-ca has.
    const defaulted = await e.check(
      create(entry({ caBundleRef: { configMapRef: { name: 'internal-ca' } } })),
    );
    assert.equal(defaulted.allowed, true, JSON.stringify(defaulted.denials));
  });

  test('header Secrets: missing Secret and missing key are denied; the value never appears', async () => {
    const v = await engine().validate(
      create(
        entry({
          headerForward: {
            addHeadersFromSecret: [
              { headerName: 'X-One', valueSecretRef: { name: 'nope', key: 'api-key' } },
              { headerName: 'X-Two', valueSecretRef: { name: 'search-api', key: 'other' } },
              { headerName: 'X-Three', valueSecretRef: { name: 'search-api', key: 'api-key' } },
            ],
          },
        }),
      ),
    );
    assert.deepEqual(fields(v.denials), [
      'spec.headerForward.addHeadersFromSecret[0].valueSecretRef.name',
      'spec.headerForward.addHeadersFromSecret[1].valueSecretRef.key',
    ]);
    assert.ok(!JSON.stringify(v).includes('canary-secret-value'));
  });

  test('v1alpha1 entries validate against their own schema', async () => {
    const ok = await engine().validate(create(entry({}, { version: 'v1alpha1' }), 'v1alpha1'));
    assert.equal(ok.allowed, true, JSON.stringify(ok.denials));
  });

  test('a private address is denied unless allowPrivateEndpoint is true', async () => {
    const denied = await engine().validate(create(entry({ remoteUrl: 'https://10.1.2.3/mcp' })));
    assert.equal(denied.allowed, false);
    const allowed = await engine().validate(
      create(entry({ remoteUrl: 'https://10.1.2.3/mcp', allowPrivateEndpoint: true })),
    );
    assert.equal(allowed.allowed, true, JSON.stringify(allowed.denials));
  });
});

describe('engine: an entry with no spec (spec.required, our rule)', () => {
  const withoutSpec = (spec: 'absent' | null, version = 'v1beta1'): Json => {
    const e = entry({}, { version });
    if (spec === 'absent') delete e['spec'];
    else e['spec'] = null;
    return e;
  };
  for (const version of ['v1beta1', 'v1alpha1']) {
    for (const spec of ['absent', null] as const) {
      test(`${version}, spec ${String(spec)}: denied with "spec: Required value" by check and validate`, async () => {
        const object = withoutSpec(spec, version);
        for (const verdict of [
          await engine().validate(create(object, version)),
          await engine().check(create(object, version)),
        ]) {
          assert.equal(verdict.allowed, false);
          const required = verdict.denials.filter((f) => f.rule === 'spec.required');
          assert.deepEqual(
            required.map((f) => `${f.field}: ${f.message}`),
            ['spec: Required value'],
          );
        }
      });
    }
  }

  test('an UPDATE that removes spec is denied; one that keeps an absent spec is not re-judged', async () => {
    const removed = await engine().validate(update(withoutSpec('absent'), entry()));
    assert.equal(removed.allowed, false);
    assert.ok(removed.denials.some((f) => f.rule === 'spec.required'));
    const untouched = await engine().validate(
      update(
        { ...withoutSpec('absent'), metadata: { name: 'weather', labels: { a: 'b' } } },
        withoutSpec('absent'),
      ),
    );
    assert.equal(untouched.allowed, true);
    assert.equal(untouched.shortCircuit, 'spec-unchanged');
  });
});

describe('engine: reference policies and lookup failures', () => {
  test('missing group: warn and ignore policies', async () => {
    const spec = entry({ groupRef: { name: 'later' } });
    const warn = await engine({
      referencePolicy: { ...defaultEngineOptions.referencePolicy, MCPGroup: 'warn' },
    }).validate(create(spec));
    assert.equal(warn.allowed, true);
    assert.deepEqual(rules(warn.warnings), ['reference.mcpgroup']);
    const ignore = await engine({
      referencePolicy: { ...defaultEngineOptions.referencePolicy, MCPGroup: 'ignore' },
    }).validate(create(spec));
    assert.equal(ignore.allowed, true);
    assert.deepEqual(ignore.warnings, []);
  });

  test('a lookup that fails denies with "could not verify" by default, warns when configured', async () => {
    const failing = new FaultyLookup(manifests, 'throw');
    const deny = await engine({}, failing).validate(create(entry()));
    assert.equal(deny.allowed, false);
    assert.match(
      deny.denials[0]!.message,
      /could not verify MCPGroup "engineering": connect ECONNREFUSED/,
    );
    const warn = await engine({ onLookupFailure: 'warn' }, failing).validate(create(entry()));
    assert.equal(warn.allowed, true);
    assert.match(warn.warnings[0]!.message, /could not verify MCPGroup/);
  });

  test('a lookup that never answers is cut off by the deadline', async () => {
    // The lookup never answers: only the deadline can settle this review.
    const v = await engine({ lookupTimeoutMs: 50 }, new FaultyLookup(manifests, 'hang')).validate(
      create(entry()),
    );
    assert.equal(v.allowed, false);
    assert.match(v.denials[0]!.message, /no answer within 50 ms/);
  });

  test('the same Secret named twice is looked up once', async () => {
    const counting = new FaultyLookup(manifests, 'none');
    await engine({}, counting).validate(
      create(
        entry({
          headerForward: {
            addHeadersFromSecret: [
              { headerName: 'X-A', valueSecretRef: { name: 'search-api', key: 'api-key' } },
              { headerName: 'X-B', valueSecretRef: { name: 'search-api', key: 'api-key' } },
            ],
          },
        }),
      ),
    );
    assert.equal(counting.calls, 2, 'group + one Secret lookup');
  });

  test('answers at hand (peek) are used as they are; only the rest are looked up, each once', async () => {
    // A cache that holds the group and the auth config but not the Secrets.
    const asked: string[] = [];
    const peeked: string[] = [];
    const partial: ReferenceLookup = {
      peek: (q) => {
        peeked.push(`${q.kind}/${q.name}`);
        return q.kind === 'Secret' ? undefined : manifests.peek(q);
      },
      lookup: (q, signal) => {
        asked.push(`${q.kind}/${q.name}#${q.key ?? ''}`);
        return manifests.lookup(q, signal);
      },
      ready: () => true,
      close: () => Promise.resolve(),
    };
    const spec = entry({
      externalAuthConfigRef: { name: 'exchange' },
      headerForward: {
        addHeadersFromSecret: [
          { headerName: 'X-A', valueSecretRef: { name: 'search-api', key: 'api-key' } },
          { headerName: 'X-B', valueSecretRef: { name: 'search-api', key: 'api-key' } },
          { headerName: 'X-C', valueSecretRef: { name: 'search-api', key: 'no-such-key' } },
        ],
      },
    });
    const v = await engine({}, partial).validate(create(spec));
    assert.deepEqual(peeked, [
      'MCPGroup/engineering',
      'MCPExternalAuthConfig/exchange',
      'Secret/search-api',
      'Secret/search-api',
    ]);
    assert.deepEqual(asked, ['Secret/search-api#api-key', 'Secret/search-api#no-such-key']);
    // The same verdict as with the lookup alone: the missing key is denied, nothing else.
    const plain = await engine().validate(create(spec));
    assert.deepEqual(v, plain);
    assert.deepEqual(fields(v.denials), [
      'spec.headerForward.addHeadersFromSecret[2].valueSecretRef.key',
    ]);
  });

  test('when every answer is at hand, lookup is never called', async () => {
    const counting = new FaultyLookup(manifests, 'throw');
    const atHand: ReferenceLookup = {
      peek: (q) => manifests.peek(q),
      lookup: (q, signal) => counting.lookup(q, signal),
      ready: () => true,
      close: () => Promise.resolve(),
    };
    const v = await engine({}, atHand).validate(
      create(entry({ externalAuthConfigRef: { name: 'exchange' } })),
    );
    assert.equal(v.allowed, true, JSON.stringify(v.denials));
    assert.equal(counting.calls, 0);
  });
});

describe('engine: UPDATE, DELETE and deletion', () => {
  test('an UPDATE that leaves spec unchanged is allowed without lookups', async () => {
    const counting = new FaultyLookup(manifests, 'throw');
    const old = entry({ groupRef: { name: 'gone' } });
    const next = { ...old, metadata: { ...(old['metadata'] as Json), labels: { team: 'a' } } };
    const v = await engine({}, counting).validate(update(next, old));
    assert.equal(v.allowed, true);
    assert.equal(v.shortCircuit, 'spec-unchanged');
    assert.equal(counting.calls, 0);
  });

  test('an object being deleted is allowed whatever its spec', async () => {
    const broken = entry(
      { transport: 'grpc' },
      { metadata: { deletionTimestamp: '2026-11-24T00:00:00Z', finalizers: [] } },
    );
    const v = await engine().validate(update(broken, entry({ transport: 'grpc' })));
    assert.equal(v.allowed, true);
    assert.equal(v.shortCircuit, 'being-deleted');
  });

  test('DELETE and CONNECT are allowed without work', async () => {
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      const v = await engine().validate({
        operation,
        version: 'v1beta1',
        object: null,
        oldObject: entry(),
        namespace: 'default',
      });
      assert.equal(v.allowed, true);
    }
  });

  test('ratcheting: a finding on an unchanged field becomes a warning', async () => {
    const old = entry({ groupRef: { name: 'deleted-since' } });
    const v = await engine().validate(
      update(entry({ groupRef: { name: 'deleted-since' }, transport: 'sse' }), old),
    );
    assert.equal(v.allowed, true);
    assert.deepEqual(rules(v.warnings), ['reference.mcpgroup']);
    assert.match(v.warnings[0]!.message, /unchanged on update/);
  });

  test('ratcheting does not cover a field the UPDATE changed', async () => {
    const old = entry({ groupRef: { name: 'deleted-since' } });
    const v = await engine().validate(
      update(entry({ groupRef: { name: 'another-missing' } }), old),
    );
    assert.equal(v.allowed, false);
    assert.deepEqual(fields(v.denials), ['spec.groupRef.name']);
  });
});

describe('engine: defaulting', () => {
  test('mutate defaults the CA key and allowPrivateEndpoint, never transport, and is idempotent', () => {
    const object = entry({ caBundleRef: { configMapRef: { name: 'internal-ca' } } });
    delete (object['spec'] as Json)['transport'];
    const first = engine().mutate(create(object));
    assert.deepEqual(first.patch.map((p) => p.path).sort(), [
      '/spec/allowPrivateEndpoint',
      '/spec/caBundleRef/configMapRef/key',
    ]);
    const patched = applyPatch(object, first.patch) as Json;
    assert.equal((patched['spec'] as Json)['transport'], undefined);
    assert.deepEqual(engine().mutate(create(patched)).patch, []);
  });

  test('v1alpha1 has no allowPrivateEndpoint to default', () => {
    const v = engine().mutate(create(entry({}, { version: 'v1alpha1' }), 'v1alpha1'));
    assert.deepEqual(v.patch, []);
  });
});
