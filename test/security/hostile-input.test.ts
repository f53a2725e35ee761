// Hostile bodies over real HTTPS: bytes that are not UTF-8, duplicate keys, prototype keys,
// huge arrays, deep nesting, oversized and out-of-range input, and envelopes that lie. Each
// gets a clear 4xx or the verdict the API server's own decoding implies; none crashes the
// server, and the server answers normally afterwards.
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { maxObjectDepth } from '../../src/admission/decode.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { post, postH2, startTestServer, type TestServer } from '../support/test-server.ts';
import { assertWellFormedAnswer, denialCauses } from './answer-shape.ts';

let s: TestServer;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

before(async () => {
  s = await startTestServer();
});
after(async () => {
  // Nothing any test sent reached Object.prototype, in this process, which hosts the server.
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
  assert.equal(({} as Json)['polluted'], undefined);
  assert.equal(({} as Json)['allowed'], undefined);
  // No request above ended in the 500 path.
  assert.deepEqual(
    s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
    [],
  );
  await s.stop();
});

interface Sent {
  readonly status: number;
  readonly json: unknown;
  readonly body: string;
}

async function send(body: string | Buffer, path = '/validate'): Promise<Sent> {
  return post(`${s.url}${path}?timeout=10s`, s.ca, body);
}

/** A review whose spec is `{<members>}` written as raw text, for bodies JSON.stringify cannot write. */
function withRawSpec(members: string): string {
  const r = review('CREATE', { ...entry(), spec: '__spec_marker__' });
  return JSON.stringify(r).replace('"__spec_marker__"', `{${members}}`);
}

const goodSpec = '"groupRef":{"name":"engineering"},"remoteUrl":"https://mcp.example.com/mcp"';

async function assertStillServing(): Promise<void> {
  const a = await send(JSON.stringify(review('CREATE', entry())));
  assert.equal(a.status, 200);
  assert.equal((a.json as { response: { allowed: boolean } }).response.allowed, true);
}

const allowedOf = (a: Sent): boolean | undefined =>
  (a.json as { response?: { allowed?: boolean } }).response?.allowed;

describe('bytes that are not UTF-8', () => {
  // Go's decoder (encoding/json, sigs.k8s.io/json) turns each invalid byte into U+FFFD, as the
  // WHATWG decoder Fastify uses does, so we judge the same string the API server would hold.
  // (The API server itself only ever sends valid UTF-8: it re-encodes with json.Marshal.)
  test('an invalid byte inside a value becomes U+FFFD and is judged as such', async () => {
    const text = withRawSpec(`${goodSpec},"transport":"sse__BAD__"`);
    const [head, tail] = text.split('__BAD__') as [string, string];
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe]), Buffer.from(tail)]);
    const a = await send(body);
    assert.equal(a.status, 200);
    assert.equal(allowedOf(a), false);
    assert.match(a.body, /\\ufffd|\uFFFD/i);
    assert.deepEqual(denialCauses(a.json), ['spec.transport FieldValueNotSupported']);
  });

  test('an invalid byte in the remoteUrl host cannot hide a blocked address', async () => {
    const text = withRawSpec(
      '"groupRef":{"name":"engineering"},"transport":"sse","remoteUrl":"http://169.254.169.254__BAD__/"',
    );
    const [head, tail] = text.split('__BAD__') as [string, string];
    const a = await send(
      Buffer.concat([Buffer.from(head), Buffer.from([0xc0, 0xaf]), Buffer.from(tail)]),
    );
    assert.equal(a.status, 200);
    assert.equal(allowedOf(a), false);
    assert.ok(denialCauses(a.json).some((c) => c.startsWith('spec.remoteUrl ')));
  });

  test('invalid bytes in the JSON structure itself are a 400', async () => {
    const a = await send(Buffer.from([0x7b, 0xff, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d]));
    assert.equal(a.status, 400);
    await assertStillServing();
  });
});

describe('duplicate keys: the last one wins, as in the API server', () => {
  // JSON.parse keeps the last of duplicate keys. Go's encoding/json and sigs.k8s.io/json, which
  // the API server uses to decode a custom resource into a map, also keep the last (and report
  // "duplicate field" under fieldValidation=Warn/Strict). Both sides therefore see the same
  // value; and since the API server sends us its own re-encoding of the object it decoded, a
  // review from it never carries duplicates at all.
  const cases: [string, string, boolean][] = [
    [`${goodSpec},"transport":"sse","transport":"grpc"`, 'grpc last: denied', false],
    [`${goodSpec},"transport":"grpc","transport":"sse"`, 'sse last: allowed', true],
    [
      '"groupRef":{"name":"engineering"},"transport":"sse","remoteUrl":"https://mcp.example.com/","remoteUrl":"http://169.254.169.254/"',
      'metadata address last: denied',
      false,
    ],
  ];
  for (const [spec, name, allowed] of cases) {
    test(name, async () => {
      const a = await send(withRawSpec(spec));
      assert.equal(a.status, 200);
      assert.equal(allowedOf(a), allowed);
    });
  }

  test('a second spec object replaces the first wholesale (no merge), as a Go map does', async () => {
    const bad =
      '{"groupRef":{"name":"engineering"},"transport":"grpc","remoteUrl":"https://mcp.example.com/"}';
    const good = `{${goodSpec},"transport":"sse"}`;
    const text = JSON.stringify(review('CREATE', entry())).replace(
      /"spec":\{[^}]*\}[^}]*\}/,
      `"spec":${bad},"spec":${good}`,
    );
    const a = await send(text);
    assert.equal(allowedOf(a), true);
    const reversed = JSON.stringify(review('CREATE', entry())).replace(
      /"spec":\{[^}]*\}[^}]*\}/,
      `"spec":${good},"spec":${bad}`,
    );
    assert.equal(allowedOf(await send(reversed)), false);
  });

  test('keys are case-sensitive: "Transport" does not stand in for "transport"', async () => {
    // The API server prunes an unknown "Transport"; it never decides the transport.
    const a = await send(withRawSpec(`${goodSpec},"Transport":"sse","transport":"grpc"`));
    assert.equal(allowedOf(a), false);
    assert.ok(denialCauses(a.json).includes('spec.transport FieldValueNotSupported'));
  });

  test('a duplicated uid: the answer echoes the last, the one a Go decoder keeps', async () => {
    const r = review('CREATE', entry());
    const text = JSON.stringify(r).replace('"uid":', '"uid":"first-uid","uid":');
    const a = await send(text);
    assert.equal(
      (a.json as { response: { uid: string } }).response.uid,
      (r['request'] as Json)['uid'],
    );
  });
});

describe('prototype keys anywhere', () => {
  const places: [string, (payload: string) => string][] = [
    ['the envelope', (p) => `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",${p}}`],
    [
      'request',
      (p) => JSON.stringify(review('CREATE', entry())).replace('"request":{', `"request":{${p},`),
    ],
    [
      'the object',
      (p) => JSON.stringify(review('CREATE', entry())).replace('"object":{', `"object":{${p},`),
    ],
    ['spec', (p) => withRawSpec(`${goodSpec},"transport":"sse",${p}`)],
    [
      'the header map',
      (p) =>
        withRawSpec(`${goodSpec},"transport":"sse","headerForward":{"addPlaintextHeaders":{${p}}}`),
    ],
    ['an array element', (p) => withRawSpec(`${goodSpec},"transport":"sse","x":[{${p}}]`)],
  ];
  const payloads: [string, string][] = [
    ['__proto__ object', '"__proto__":{"polluted":true,"allowed":true}'],
    ['__proto__ string', '"__proto__":"x"'],
    ['constructor.prototype', '"constructor":{"prototype":{"polluted":true}}'],
  ];
  for (const [where, wrap] of places) {
    for (const [what, payload] of payloads) {
      test(`${what} in ${where}: judged as data, nothing polluted`, async () => {
        // Valid JSON and, as a header name, a valid RFC 9110 token: the body is read as the
        // API server's Go decoder reads it (an ordinary key), never refused as "not JSON".
        const text = wrap(payload);
        const a = await send(text);
        assertWellFormedAnswer(a.status, a.json, JSON.parse(text));
        if (where === 'the envelope') {
          // That body has no request at all: a 400 saying so, not about the key.
          assert.equal(a.status, 400, a.body);
          assert.match((a.json as { message: string }).message, /^request is missing/);
        } else {
          assert.equal(a.status, 200, a.body);
        }
        assert.equal(({} as Json)['polluted'], undefined);
      });
    }
  }

  test('a header named __proto__ is judged like any other name (value and all)', async () => {
    const header = (value: string): string =>
      withRawSpec(
        `${goodSpec},"transport":"sse","headerForward":{"addPlaintextHeaders":{"__proto__":${JSON.stringify(value)}}}`,
      );
    const clean = await send(header('x'));
    assert.equal(allowedOf(clean), true, clean.body);
    const injected = await send(header('a\r\nHost: 169.254.169.254'));
    assert.equal(allowedOf(injected), false, injected.body);
    assert.deepEqual(denialCauses(injected.json), [
      'spec.headerForward.addPlaintextHeaders[__proto__] FieldValueInvalid',
    ]);
    // Not a string: the schema's type finding, at the map key (not a declared `.__proto__`).
    const typed = await send(
      withRawSpec(
        `${goodSpec},"transport":"sse","headerForward":{"addPlaintextHeaders":{"__proto__":{"polluted":true}}}`,
      ),
    );
    assert.deepEqual(denialCauses(typed.json), [
      'spec.headerForward.addPlaintextHeaders[__proto__] FieldValueInvalid',
    ]);
    assert.equal(({} as Json)['polluted'], undefined);
  });

  test('the same over HTTP/2', async () => {
    const a = await postH2(
      `${s.url}/validate?timeout=10s`,
      s.ca,
      withRawSpec(`${goodSpec},"__proto__":{"polluted":true}`),
    );
    assert.equal(a.status, 200, a.body);
    assert.equal(({} as Json)['polluted'], undefined);
  });

  test('header names that are Object.prototype members are judged as ordinary names', async () => {
    // Valid RFC 9110 tokens: a lookup table built on a plain object would mistake them for
    // existing entries (a false "duplicate header") or call them.
    for (const name of [
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
    ]) {
      const a = await send(
        JSON.stringify(
          review('CREATE', entry({ headerForward: { addPlaintextHeaders: { [name]: 'v' } } })),
        ),
      );
      assert.equal(a.status, 200, `${name}: ${a.body}`);
      assert.equal(allowedOf(a), true, `${name}: ${a.body}`);
    }
  });
});

describe('size and shape', () => {
  test('20,000 header entries: refused by the review limits, before any rule runs', async () => {
    const headers = Array.from({ length: 20_000 }, (_, i) => ({
      headerName: `X-H${i}`,
      valueSecretRef: { name: 'search-api', key: 'api-key' },
    }));
    const sent = review('CREATE', entry({ headerForward: { addHeadersFromSecret: headers } }));
    const a = await send(JSON.stringify(sent));
    assertWellFormedAnswer(a.status, a.json, sent);
    assert.equal(allowedOf(a), false);
    assert.deepEqual(denialCauses(a.json), ['request.object FieldValueTooMany']);
    assert.ok(a.body.length < 4096, `answer of ${a.body.length} bytes`);
    await assertStillServing();
  });

  test('100,000-element arrays elsewhere (a body that is an array, finalizers): refused unread', async () => {
    // No uid to answer to: a 413.
    const arr = await send(JSON.stringify(Array.from({ length: 100_000 }, () => 0)));
    assert.equal(arr.status, 413);
    assert.match((arr.json as { message: string }).message, /at most 10000 values/);
    const sent = review(
      'CREATE',
      entry({}, { metadata: { finalizers: Array.from({ length: 100_000 }, (_, i) => `f/${i}`) } }),
    );
    const finalizers = await send(JSON.stringify(sent));
    assertWellFormedAnswer(finalizers.status, finalizers.json, sent);
    assert.deepEqual(denialCauses(finalizers.json), ['request.object FieldValueTooMany']);
    await assertStillServing();
  });

  for (const shape of ['object', 'array'] as const) {
    for (const path of ['/validate', '/mutate'] as const) {
      test(`nesting 10,000 deep (${shape}) on ${path}: denied unread, no stack overflow`, async () => {
        const deep =
          shape === 'object'
            ? `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`
            : `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
        const text = withRawSpec(`${goodSpec},"transport":"sse","extra":${deep}`);
        const a = await send(text, path);
        assertWellFormedAnswer(a.status, a.json, JSON.parse(text));
        assert.equal(allowedOf(a), false, a.body);
        assert.deepEqual(denialCauses(a.json), ['request.object FieldValueForbidden']);
        assert.match(a.body, /nests deeper than 100 levels/);
        await assertStillServing();
      });
    }
  }

  test(`nesting exactly at the bound (${maxObjectDepth}) is still judged`, async () => {
    // The object is level 1, spec level 2, and `extra` adds `levels` more objects.
    const levels = maxObjectDepth - 2;
    const deep = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const a = await send(withRawSpec(`${goodSpec},"transport":"sse","extra":${deep}`));
    assert.equal(a.status, 200, a.body);
    const over = `${'{"a":'.repeat(levels + 1)}1${'}'.repeat(levels + 1)}`;
    const refused = await send(withRawSpec(`${goodSpec},"transport":"sse","extra":${over}`));
    assert.equal(allowedOf(refused), false, refused.body);
    assert.match(refused.body, /nests deeper than 100 levels/);
  });

  test('a 10 MB body is refused with 413 before it is read, let alone parsed', async () => {
    // Declare 10 MB and send only the first bytes: the 413 must come back anyway, which shows the
    // limit is checked on Content-Length before the body is buffered or parsed.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        {
          host: '127.0.0.1',
          port: s.server.port,
          ca: s.ca,
          servername: 'localhost',
          ALPNProtocols: ['http/1.1'],
        },
        () => {
          socket.write(
            `POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n{"apiVersion":`,
          );
        },
      );
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      setTimeout(() => reject(new Error('no answer to a declared 10 MB body')), 5_000).unref();
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
  });

  test('a 10 MB chunked body (no length declared) is cut at the limit with 413', async () => {
    const big = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","pad":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const a = await post(`${s.url}/validate`, s.ca, big, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    assert.equal(a.status, 413);
    await assertStillServing();
  });

  test('numbers out of range (1e400, 2^64, -0) are judged, never a 500', async () => {
    for (const n of ['1e400', '-1e400', '18446744073709551616', '-0', '1e-400']) {
      for (const field of ['transport', 'remoteUrl', 'allowPrivateEndpoint']) {
        const a = await send(withRawSpec(`${goodSpec},"transport":"sse","${field}":${n}`));
        assert.equal(a.status, 200, `${field}=${n}: ${a.body}`);
        assert.equal(allowedOf(a), false, `${field}=${n}`);
      }
      const meta = await send(
        JSON.stringify(review('CREATE', entry())).replace(
          '"metadata":{',
          `"metadata":{"generation":${n},`,
        ),
      );
      assert.equal(meta.status, 200, meta.body);
    }
  });
});

describe('envelopes that lie', () => {
  test('object: null on CREATE is denied: there is nothing to admit', async () => {
    const r = review('CREATE', null);
    const a = await send(JSON.stringify(r));
    assert.equal(a.status, 200);
    assert.equal(allowedOf(a), false);
  });

  const wrongKinds: [string, (r: Json) => void][] = [
    [
      'object kind MCPGroup',
      (r) => (((r['request'] as Json)['object'] as Json)['kind'] = 'MCPGroup'),
    ],
    [
      'object apiVersion v1',
      (r) => (((r['request'] as Json)['object'] as Json)['apiVersion'] = 'v1'),
    ],
    [
      'request.kind says another version',
      (r) =>
        ((r['request'] as Json)['kind'] = {
          group: 'toolhive.stacklok.dev',
          version: 'v1alpha1',
          kind: 'MCPServerEntry',
        }),
    ],
    [
      'oldObject of another kind on UPDATE',
      (r) => {
        const req = r['request'] as Json;
        req['operation'] = 'UPDATE';
        req['oldObject'] = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } };
      },
    ],
  ];
  for (const [name, lie] of wrongKinds) {
    test(`${name}: 400, not a verdict against the wrong schema`, async () => {
      const r = review('CREATE', entry({ transport: 'grpc' }));
      lie(r);
      const a = await send(JSON.stringify(r));
      assert.equal(a.status, 400, a.body);
      assert.match((a.json as { message: string }).message, /request\.kind says/);
    });
  }

  test('a request.kind naming another kind lets that kind through untouched (not ours)', async () => {
    // The webhook configuration routes only MCPServerEntry here; the object must then also claim
    // the other kind, or the decoder refuses the mismatch above.
    const r = review('CREATE', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    (r['request'] as Json)['kind'] = { group: '', version: 'v1', kind: 'ConfigMap' };
    assert.equal(allowedOf(await send(JSON.stringify(r))), true);
  });

  const badUids: [string, unknown][] = [
    ['a number', 42],
    ['an object', { toString: 'x' }],
    ['an array', ['a']],
    ['null', null],
    ['empty', ''],
    ['129 characters', 'u'.repeat(129)],
  ];
  for (const [name, uid] of badUids) {
    test(`uid that is ${name}: 400`, async () => {
      const r = review('CREATE', entry());
      (r['request'] as Json)['uid'] = uid;
      const a = await send(JSON.stringify(r));
      assert.equal(a.status, 400, a.body);
      assert.match((a.json as { message: string }).message, /uid/);
    });
  }

  test('apiVersion and kind that are objects with their own toString: 400 with a message', async () => {
    const a = await send('{"apiVersion":{"toString":1,"valueOf":1},"kind":["AdmissionReview"]}');
    assert.equal(a.status, 400);
    assert.match((a.json as { message: string }).message, /an object and an array/);
  });
});
