// The server over real HTTPS with real clients: answers, malformed input, size limits,
// HTTP/2, TLS policy, certificate rotation and graceful shutdown.
import assert from 'node:assert/strict';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { applyPatch } from '../../src/policy/json-patch.ts';
import { issueCertificate } from '../../src/tls/certificates.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { get, post, postH2, startTestServer, type TestServer } from '../support/test-server.ts';

interface ReviewResponse {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: {
      code: number;
      reason: string;
      message: string;
      details: { causes: { field: string; reason: string; message: string }[] };
    };
    warnings?: string[];
    patch?: string;
    patchType?: string;
    auditAnnotations?: Record<string, string>;
  };
}

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.stop();
});

async function send(path: string, body: Json): Promise<{ status: number; review: ReviewResponse }> {
  const answer = await post(`${s.url}${path}?timeout=10s`, s.ca, JSON.stringify(body));
  return { status: answer.status, review: answer.json as ReviewResponse };
}

describe('validating webhook', () => {
  test('allowed: envelope echoes apiVersion, kind and uid; no patch on the validating path', async () => {
    const req = review('CREATE', entry());
    const { status, review: r } = await send('/validate', req);
    assert.equal(status, 200);
    assert.equal(r.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.kind, 'AdmissionReview');
    assert.equal(r.response.uid, (req['request'] as Json)['uid']);
    assert.equal(r.response.allowed, true);
    assert.equal(r.response.patch, undefined);
    assert.equal(r.response.patchType, undefined);
    assert.equal(r.response.auditAnnotations?.['decision'], 'allowed');
  });

  test('denied: 403 Forbidden, every finding in the message and in causes', async () => {
    const { review: r } = await send(
      '/validate',
      review(
        'CREATE',
        entry({
          transport: 'grpc',
          remoteUrl: 'https://metadata.google.internal/computeMetadata/v1/',
          groupRef: { name: 'nope' },
          headerForward: { addPlaintextHeaders: { 'Transfer-Encoding': 'chunked' } },
        }),
      ),
    );
    assert.equal(r.response.allowed, false);
    assert.equal(r.response.status?.code, 403);
    assert.equal(r.response.status?.reason, 'Forbidden');
    const causes = r.response.status.details.causes;
    assert.deepEqual(causes.map((c) => c.field).sort(), [
      'spec.groupRef.name',
      'spec.headerForward.addPlaintextHeaders[Transfer-Encoding]',
      'spec.remoteUrl',
      'spec.transport',
    ]);
    for (const c of causes)
      assert.ok(r.response.status.message.includes(`${c.field}: ${c.message}`));
    assert.ok(causes.some((c) => c.reason === 'FieldValueNotSupported'));
    assert.equal(r.response.auditAnnotations?.['decision'], 'denied');
    assert.match(r.response.auditAnnotations?.['rules'] ?? '', /remote-url/);
  });

  test('warnings are returned on an allowed review, one line each, short', async () => {
    const { review: r } = await send(
      '/validate',
      review('CREATE', entry({ remoteUrl: 'http://mcp.example.com/' })),
    );
    assert.equal(r.response.allowed, true);
    assert.equal(r.response.warnings?.length, 1);
    for (const w of r.response.warnings ?? []) {
      assert.doesNotMatch(w, /[\u0000-\u001f\u007f]/);
      assert.ok([...w].length <= 256);
    }
  });

  test('other kinds, subresources, DELETE and CONNECT are allowed without work', async () => {
    const other = review('CREATE', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    (other['request'] as Json)['kind'] = { group: '', version: 'v1', kind: 'ConfigMap' };
    assert.equal((await send('/validate', other)).review.response.allowed, true);
    const status = review('UPDATE', entry({ transport: 'grpc' }), entry(), {
      subResource: 'status',
    });
    assert.equal((await send('/validate', status)).review.response.allowed, true);
    const del = review('DELETE', null, entry({ transport: 'grpc' }));
    assert.equal((await send('/validate', del)).review.response.allowed, true);
  });

  test('one log line per review with uid, decision and latency, and no header values', async () => {
    const req = review(
      'CREATE',
      entry({ headerForward: { addPlaintextHeaders: { 'X-Api-Key': 'planted-canary-123' } } }),
    );
    await send('/validate', req);
    const uid = (req['request'] as Json)['uid'];
    const lines = s.logs.filter((l) => l['uid'] === uid);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['decision'], 'warned');
    assert.equal(typeof lines[0]!['latencyMs'], 'number');
    assert.ok(!s.rawLogs.join('\n').includes('planted-canary-123'));
  });
});

describe('mutating webhook', () => {
  test('patch is padded base64 of a JSON Patch array, applies, and a second pass is empty', async () => {
    const object = entry({ caBundleRef: { configMapRef: { name: 'internal-ca' } } });
    const { review: r } = await send('/mutate', review('CREATE', object));
    assert.equal(r.response.patchType, 'JSONPatch');
    assert.match(r.response.patch ?? '', /^[A-Za-z0-9+/]+={0,2}$/);
    const patch = JSON.parse(Buffer.from(r.response.patch!, 'base64').toString('utf8')) as {
      op: 'add';
      path: string;
    }[];
    assert.ok(Array.isArray(patch));
    const patched = applyPatch(object, patch) as Json;
    assert.equal(
      ((patched['spec'] as Json)['caBundleRef'] as { configMapRef: Json }).configMapRef['key'],
      'ca.crt',
    );
    const again = await send('/mutate', review('CREATE', patched));
    assert.equal(again.review.response.patch, undefined);
    assert.equal(again.review.response.patchType, undefined);
  });
});

describe('bad requests get a 4xx and a clear message, never a crash', () => {
  const cases: [string, string | Buffer, Record<string, string>, number, RegExp][] = [
    ['not JSON', '{"apiVersion":', { 'content-type': 'application/json' }, 400, /JSON/i],
    ['wrong content type', 'hello', { 'content-type': 'text/plain' }, 415, /content-type/i],
    [
      'wrong apiVersion',
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1beta1',
        kind: 'AdmissionReview',
        request: {},
      }),
      { 'content-type': 'application/json' },
      400,
      /admission\.k8s\.io\/v1/,
    ],
    [
      'missing request',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
      { 'content-type': 'application/json' },
      400,
      /request is missing/,
    ],
    [
      'uid not a string',
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 7 },
      }),
      { 'content-type': 'application/json' },
      400,
      /uid/,
    ],
    [
      'prototype pollution key',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","__proto__":{"polluted":true}}',
      { 'content-type': 'application/json' },
      400,
      /./,
    ],
  ];
  for (const [name, body, headers, status, message] of cases) {
    test(name, async () => {
      const answer = await post(`${s.url}/validate`, s.ca, body, headers);
      assert.equal(answer.status, status, answer.body);
      assert.match((answer.json as { message: string }).message, message);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  }

  test('request.kind that disagrees with the object is refused', async () => {
    const req = review('CREATE', { ...entry(), kind: 'MCPGroup' });
    const answer = await post(`${s.url}/validate`, s.ca, JSON.stringify(req));
    assert.equal(answer.status, 400);
    assert.match((answer.json as { message: string }).message, /request.kind says/);
  });

  test('an oversized body is refused with 413 before parsing; 6 MiB (an UPDATE of two large objects) is accepted', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const refused = await post(
      `${s.url}/validate`,
      s.ca,
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', pad: big }),
    );
    assert.equal(refused.status, 413);
    const large = entry({}, { metadata: { annotations: { pad: 'y'.repeat(3 * 1024 * 1024) } } });
    const accepted = await post(
      `${s.url}/validate`,
      s.ca,
      JSON.stringify(review('UPDATE', large, large)),
    );
    assert.equal(accepted.status, 200);
  });

  test('unknown route is a 404 with a message', async () => {
    const answer = await post(`${s.url}/nope`, s.ca, '{}');
    assert.equal(answer.status, 404);
  });
});

describe('transport', () => {
  test('HTTP/2 by ALPN and HTTP/1.1 fallback both answer', async () => {
    const body = JSON.stringify(review('CREATE', entry()));
    const h2 = await postH2(`${s.url}/validate?timeout=10s`, s.ca, body);
    assert.equal(h2.alpn, 'h2');
    assert.equal((h2.json as ReviewResponse).response.allowed, true);
    const h1 = await post(`${s.url}/validate`, s.ca, body);
    assert.equal(h1.alpn, 'http/1.1');
    assert.equal(h1.status, 200);
  });

  test('TLS 1.1 and a weak cipher are refused; TLS 1.2 and 1.3 are accepted', async () => {
    const handshake = (opts: Record<string, unknown>): Promise<string> =>
      new Promise((resolve) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: s.server.port, ca: s.ca, servername: 'localhost', ...opts },
          () => {
            const v = socket.getProtocol() ?? 'unknown';
            socket.end();
            resolve(v);
          },
        );
        socket.on('error', (e: Error) => resolve(`error: ${e.message}`));
      });
    assert.match(
      await handshake({
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      }),
      /^error/,
    );
    assert.match(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' }), /^error/);
    assert.equal(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.equal(await handshake({ minVersion: 'TLSv1.3' }), 'TLSv1.3');
  });

  test('health and readiness', async () => {
    assert.equal((await get(`${s.url}/healthz`, s.ca)).status, 200);
    const ready = await get(`${s.url}/readyz`, s.ca);
    assert.equal(ready.status, 200, ready.body);
  });
});

describe('certificate rotation', () => {
  test('new handshakes use a replaced pair; a broken replacement keeps the last good pair and turns not ready', async () => {
    const before = (await get(`${s.url}/healthz`, s.ca)).peerFingerprint;
    const next = await issueCertificate(s.caPair, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    writeFileSync(s.keyFile, next.keyPem);
    writeFileSync(s.certFile, next.certPem);
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await get(`${s.url}/healthz`, s.ca)).peerFingerprint;
    }
    assert.notEqual(after, before, 'the new certificate is served without a restart');
    assert.equal(
      (await send('/validate', review('CREATE', entry()))).review.response.allowed,
      true,
    );

    writeFileSync(s.certFile, 'garbage');
    let ready = 200;
    for (let i = 0; i < 100 && ready === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = (await get(`${s.url}/readyz`, s.ca)).status;
    }
    assert.equal(ready, 503);
    assert.equal(
      (await get(`${s.url}/healthz`, s.ca)).peerFingerprint,
      after,
      'last good pair still served',
    );
    writeFileSync(s.certFile, next.certPem);
    for (let i = 0; i < 100 && ready !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = (await get(`${s.url}/readyz`, s.ca)).status;
    }
    assert.equal(ready, 200);
  });
});

describe('graceful shutdown', () => {
  test('an in-flight review finishes after shutdown began; readiness turns off first', async () => {
    const own = await startTestServer(['--shutdown-delay', '1']);
    const body = Buffer.from(JSON.stringify(review('CREATE', entry())));
    // Shutdown must begin while the review is in flight: once the server has its headers.
    const received = new Promise((r) => own.server.app.server.once('request', r));
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(
        `${own.url}/validate`,
        {
          method: 'POST',
          ca: own.ca,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 100));
      setTimeout(() => req.end(body.subarray(100)), 1500);
    });
    await received;
    const stopping = own.server.shutdown();
    assert.deepEqual(own.server.problems(), ['shutting down']);
    const result = await answer;
    assert.equal(result.status, 200);
    assert.equal((JSON.parse(result.text) as ReviewResponse).response.allowed, true);
    await stopping;
    await own.stop();
  });
});

describe('graceful shutdown: connections', () => {
  test('after SIGTERM every HTTP/1.1 answer closes its connection; before, keep-alive stays', async () => {
    const own = await startTestServer(['--shutdown-delay', '2']);
    const agent = new HttpsAgent({ keepAlive: true, ca: own.ca });
    const ask = (): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(`${own.url}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      assert.equal(await ask(), 'keep-alive');
      const stopping = own.server.shutdown();
      assert.equal(await ask(), 'close');
      await stopping;
    } finally {
      agent.destroy();
      await own.stop();
    }
  });

  test('a connection accepted before the server closed, whose TLS handshake ends after, gets a verdict, not a bare 503', async () => {
    // Node's close() ends only the connections it already serves HTTP on; one still in its
    // handshake lives on. Fastify's default answers a request on it with a 503 without
    // Retry-After, which the API server does not retry: a failed write under failurePolicy
    // Fail. The review must be judged instead, on a connection that then closes.
    const own = await startTestServer(['--shutdown-delay', '0']);
    const port = Number(new URL(own.url).port);
    const raw = netConnect(port, '127.0.0.1');
    try {
      await new Promise((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('error', reject);
      });
      const stopping = own.server.shutdown(0);
      // The listener is closed: a new connection is refused, ours is already accepted.
      await until(async () => (await connectOutcome(port)) === 'ECONNREFUSED');
      const body = JSON.stringify(review('CREATE', entry()));
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({
          socket: raw,
          ca: own.ca,
          servername: 'localhost',
          ALPNProtocols: ['http/1.1'],
        });
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.once('secureConnect', () =>
          socket.write(
            `POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          ),
        );
      });
      const [head = '', payload = ''] = answer.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 200 /);
      assert.match(head, /\r\nconnection: close/i);
      assert.equal((JSON.parse(payload) as ReviewResponse).response.allowed, true);
      await stopping;
    } finally {
      raw.destroy();
      await own.stop();
    }
  });
});

/** Whether a new TCP connection to the port is taken ('connected') or refused (its code). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

// The API server offers HTTP/2 by ALPN to URL webhooks on localhost (a Service webhook's
// client is pinned to http/1.1: k8s.io/apiserver pkg/util/webhook/client.go), multiplexing
// reviews on one connection; so do other HTTP/2 clients. There, shutting down means a
// GOAWAY: streams the server already has are answered, new ones go to another connection.
// Node's own HTTP/2 client on loopback is the real counterpart here: an API server cannot be
// made to hold one stream open mid-body, and it sends no review to a Service over HTTP/2.
describe('graceful shutdown: HTTP/2', () => {
  test('a stream in flight at SIGTERM is answered after the GOAWAY; no new stream or connection is taken', async () => {
    const own = await startTestServer(['--shutdown-delay', '1']);
    let session: ClientHttp2Session | undefined;
    try {
      session = http2Connect(own.url, { ca: own.ca });
      const h2 = session;
      // Errors after the GOAWAY (refused streams) are asserted below, not thrown here.
      h2.on('error', () => undefined);
      const goaway = new Promise<{ code: number; lastStreamId: number; at: number }>((resolve) =>
        h2.once('goaway', (code: number, lastStreamId: number) =>
          resolve({ code, lastStreamId, at: Date.now() }),
        ),
      );
      await new Promise<void>((resolve, reject) => {
        h2.once('connect', () => resolve());
        h2.once('error', reject);
      });
      assert.equal(h2.alpnProtocol, 'h2');
      const body = Buffer.from(JSON.stringify(review('CREATE', entry())));
      const received = new Promise((r) => own.server.app.server.once('request', r));
      const inFlight = h2.request({
        ':method': 'POST',
        ':path': '/validate?timeout=10s',
        'content-type': 'application/json',
        'content-length': String(body.length),
      });
      const answer = new Promise<{ status: number; text: string; endedAt: number }>(
        (resolve, reject) => {
          let status = 0;
          let text = '';
          inFlight.on('response', (headers) => (status = Number(headers[':status'])));
          inFlight.setEncoding('utf8');
          inFlight.on('data', (chunk: string) => (text += chunk));
          inFlight.on('end', () => resolve({ status, text, endedAt: Date.now() }));
          inFlight.on('error', reject);
        },
      );
      inFlight.write(body.subarray(0, 100));
      await received;

      const stopping = own.server.shutdown();
      // The GOAWAY comes when the delay is over and the server closes; it names the stream in
      // flight as the last one the server will process, with no error.
      const away = await goaway;
      assert.equal(away.code, 0);
      assert.ok(away.lastStreamId >= (inFlight.id ?? 1), JSON.stringify(away));
      // Only now the rest of the body: the request is still in flight after the GOAWAY.
      inFlight.end(body.subarray(100));
      const result = await answer;
      assert.equal(result.status, 200);
      assert.equal((JSON.parse(result.text) as ReviewResponse).response.allowed, true);
      assert.ok(result.endedAt >= away.at);

      // A new stream on the same session is refused after the GOAWAY (the client knows the
      // server will not process it), and the listener takes no new connection.
      const late = await new Promise<string>((resolve) => {
        try {
          const stream = h2.request({ ':method': 'POST', ':path': '/validate' });
          stream.on('response', (headers) => resolve(`answered ${String(headers[':status'])}`));
          stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          stream.end('{}');
        } catch (error) {
          resolve((error as NodeJS.ErrnoException).code ?? 'error');
        }
      });
      assert.match(late, /^ERR_HTTP2_(GOAWAY_SESSION|INVALID_SESSION)$/);
      await stopping;
      const port = Number(new URL(own.url).port);
      const refused = await new Promise<string>((resolve) => {
        const socket = netConnect(port, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED');
    } finally {
      session?.destroy();
      await own.stop();
    }
  });
});

describe('metrics listener', () => {
  test('serves /metrics, and /healthz and /readyz for probes that cannot present a client certificate', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() =>
          resolve(typeof address === 'object' && address !== null ? address.port : 0),
        );
      });
    });
    const own = await startTestServer(['--metrics-port', String(port)]);
    try {
      const fetchText = async (path: string): Promise<{ status: number; text: string }> => {
        const r = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: r.status, text: await r.text() };
      };
      const metrics = await fetchText('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /mcpentry_webhook_reviews_total/);
      assert.equal((await fetchText('/healthz')).status, 200);
      assert.deepEqual(JSON.parse((await fetchText('/readyz')).text), { status: 'ready' });
      const stopping = own.server.shutdown(1);
      const notReady = await fetchText('/readyz');
      assert.equal(notReady.status, 503);
      assert.match(notReady.text, /shutting down/);
      await stopping;
    } finally {
      await own.stop();
    }
  });
});
