// The TLS policy over real handshakes: protocol versions and a cipher-suite matrix (only
// forward-secret AEAD suites), no renegotiation, and client-certificate authentication of the
// API server with --client-ca (no certificate, or one from another CA, is refused during the
// handshake, before any HTTP is spoken).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tlsHardening } from '../../src/server/tls-files.ts';
import {
  createCertificateAuthority,
  issueCertificate,
  type PemPair,
} from '../../src/tls/certificates.ts';
import { entry, review } from '../support/reviews.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let plain: TestServer;
before(async () => {
  plain = await startTestServer();
});
after(async () => {
  await plain.stop();
});

/** Resolves the negotiated protocol and cipher, or `refused: <reason>`. */
function handshake(s: TestServer, opts: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port: s.server.port, ca: s.ca, servername: 'localhost', ...opts },
      () => {
        const answer = `${socket.getProtocol() ?? '?'} ${socket.getCipher().standardName}`;
        socket.end();
        resolve(answer);
      },
    );
    socket.on('error', (e: Error) => resolve(`refused: ${e.message}`));
  });
}

describe('protocol versions', () => {
  const refused: [string, ConnectionOptions][] = [
    ['TLS 1.0', { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }],
    ['TLS 1.1', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }],
  ];
  for (const [name, opts] of refused) {
    test(`${name} is refused`, async () => {
      assert.match(await handshake(plain, opts), /^refused/);
    });
  }
  test('TLS 1.2 and 1.3 are accepted; an unpinned client gets 1.3', async () => {
    assert.match(await handshake(plain, { maxVersion: 'TLSv1.2' }), /^TLSv1\.2 /);
    assert.match(await handshake(plain, { minVersion: 'TLSv1.3' }), /^TLSv1\.3 /);
    assert.match(await handshake(plain, {}), /^TLSv1\.3 /);
  });
});

describe('cipher suites (the serving key is ECDSA P-256)', () => {
  // TLS 1.2 suites a client might offer alone: only ECDHE with an AEAD is acceptable.
  const tls12: [string, 'accept' | 'refuse', string][] = [
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 'accept', 'forward secret, AEAD'],
    ['ECDHE-ECDSA-AES256-GCM-SHA384', 'accept', 'forward secret, AEAD'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', 'accept', 'forward secret, AEAD'],
    ['ECDHE-ECDSA-AES128-SHA', 'refuse', 'CBC with SHA-1 MAC (Lucky13 family)'],
    ['ECDHE-ECDSA-AES256-SHA384', 'refuse', 'CBC mode'],
    ['ECDHE-ECDSA-AES128-CCM', 'refuse', 'not in the list'],
    ['AES128-GCM-SHA256', 'refuse', 'static RSA key exchange: no forward secrecy'],
    ['AES128-SHA', 'refuse', 'static RSA, CBC, SHA-1'],
    ['DHE-RSA-AES128-GCM-SHA256', 'refuse', 'finite-field DHE'],
    ['ECDHE-ECDSA-NULL-SHA', 'refuse', 'no encryption'],
    ['ADH-AES128-GCM-SHA256', 'refuse', 'anonymous: no authentication'],
  ];
  for (const [cipher, expected, why] of tls12) {
    test(`TLS 1.2 ${cipher}: ${expected} (${why})`, async () => {
      const got = await handshake(plain, {
        maxVersion: 'TLSv1.2',
        ciphers: `${cipher}:@SECLEVEL=0`,
      });
      if (expected === 'accept') assert.match(got, /^TLSv1\.2 TLS_ECDHE_ECDSA_/, got);
      else assert.match(got, /^refused/, got);
    });
  }

  const tls13: [string, 'accept' | 'refuse'][] = [
    ['TLS_AES_128_GCM_SHA256', 'accept'],
    ['TLS_AES_256_GCM_SHA384', 'accept'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'accept'],
    ['TLS_AES_128_CCM_SHA256', 'refuse'],
    ['TLS_AES_128_CCM_8_SHA256', 'refuse'],
  ];
  for (const [suite, expected] of tls13) {
    test(`TLS 1.3 ${suite}: ${expected}`, async () => {
      const got = await handshake(plain, { minVersion: 'TLSv1.3', ciphers: suite });
      if (expected === 'accept') assert.equal(got, `TLSv1.3 ${suite}`);
      else assert.match(got, /^refused/, got);
    });
  }

  test('the configured list holds only forward-secret AEAD suites', () => {
    for (const c of tlsHardening.ciphers.split(':')) {
      assert.match(
        c,
        /^(TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)|ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305))$/,
        c,
      );
    }
  });
});

describe('renegotiation', () => {
  for (const http2 of [true, false]) {
    test(`a TLS 1.2 client asking to renegotiate is cut off (${http2 ? 'HTTP/2 server' : 'HTTP/1.1-only server'})`, async () => {
      const s = http2 ? plain : await startTestServer(['--no-http2']);
      try {
        const outcome = await new Promise<string>((resolve) => {
          const socket = tlsConnect(
            {
              host: '127.0.0.1',
              port: s.server.port,
              ca: s.ca,
              servername: 'localhost',
              maxVersion: 'TLSv1.2',
              ALPNProtocols: ['http/1.1'],
            },
            () => {
              socket.renegotiate({}, (err) =>
                resolve(err === null ? 'renegotiated' : `refused: ${err.message}`),
              );
              socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
            },
          );
          socket.on('data', (d: Buffer) =>
            resolve(`answered: ${d.toString().split('\r\n')[0] ?? ''}`),
          );
          socket.on('error', (e: Error) => resolve(`refused: ${e.message}`));
          socket.on('close', () => resolve('refused: closed'));
        });
        assert.match(outcome, /^refused/);
      } finally {
        if (s !== plain) await s.stop();
      }
    });
  }
});

interface Identity {
  readonly cert?: string;
  readonly key?: string;
}

/** POST a review with an optional client certificate; `refused: ...` when TLS says no. */
function postAs(
  s: TestServer,
  who: Identity,
  alpn: 'http/1.1' | 'h2' = 'http/1.1',
): Promise<string> {
  const body = JSON.stringify(review('CREATE', entry()));
  if (alpn === 'h2') {
    return new Promise((resolve) => {
      const session = http2Connect(s.url, { ca: s.ca, ...who });
      session.on('error', (e: Error) => resolve(`refused: ${e.message}`));
      session.on('close', () => resolve('refused: session closed'));
      const stream = session.request({
        ':method': 'POST',
        ':path': '/validate',
        'content-type': 'application/json',
      });
      stream.on('response', (h) => {
        resolve(`status ${String(h[':status'])}`);
        stream.resume();
        stream.on('end', () => session.close());
      });
      stream.on('error', (e: Error) => resolve(`refused: ${e.message}`));
      stream.on('close', () => resolve(`refused: stream closed (${stream.rstCode})`));
      stream.end(body);
    });
  }
  return new Promise((resolve) => {
    const req = httpsRequest(
      `${s.url}/validate`,
      {
        method: 'POST',
        ca: s.ca,
        agent: false,
        headers: { 'content-type': 'application/json' },
        ...who,
      },
      (res) => {
        res.resume();
        resolve(`status ${res.statusCode ?? 0}`);
      },
    );
    req.on('error', (e: Error) => resolve(`refused: ${e.message}`));
    req.on('close', () => resolve('refused: closed'));
    req.end(body);
  });
}

describe('client-certificate authentication (--client-ca)', () => {
  let mtls: TestServer;
  let apiServerCa: PemPair;
  let apiServer: PemPair;
  let stranger: PemPair;
  let expired: PemPair;
  before(async () => {
    apiServerCa = await createCertificateAuthority({ commonName: 'api server client CA' });
    const otherCa = await createCertificateAuthority({ commonName: 'some other CA' });
    apiServer = await issueCertificate(apiServerCa, {
      commonName: 'kube-apiserver',
      usage: 'client',
    });
    stranger = await issueCertificate(otherCa, { commonName: 'kube-apiserver', usage: 'client' });
    expired = await issueCertificate(apiServerCa, {
      commonName: 'kube-apiserver',
      usage: 'client',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      validityDays: 1,
    });
    const caFile = join(plain.dir, 'client-ca.crt');
    writeFileSync(caFile, apiServerCa.certPem);
    mtls = await startTestServer(['--client-ca', caFile]);
  });
  after(async () => {
    await mtls.stop();
  });

  test('a certificate from the client CA is admitted, over HTTP/1.1 and HTTP/2', async () => {
    const who = { cert: apiServer.certPem, key: apiServer.keyPem };
    assert.equal(await postAs(mtls, who), 'status 200');
    assert.equal(await postAs(mtls, who, 'h2'), 'status 200');
  });

  const refusedCases: [string, () => Identity][] = [
    ['no certificate', () => ({})],
    ['a certificate from another CA', () => ({ cert: stranger.certPem, key: stranger.keyPem })],
    [
      'an expired certificate from the client CA',
      () => ({ cert: expired.certPem, key: expired.keyPem }),
    ],
  ];
  for (const [name, who] of refusedCases) {
    test(`${name}: refused during the handshake, never an HTTP answer`, async () => {
      for (const alpn of ['http/1.1', 'h2'] as const) {
        const outcome = await postAs(mtls, who(), alpn);
        assert.match(outcome, /^refused: /, `${alpn}: ${outcome}`);
      }
    });
  }

  test('TLS 1.2 clients without a certificate are refused too', async () => {
    assert.match(await handshake(mtls, { maxVersion: 'TLSv1.2' }), /^refused/);
  });

  test('refused handshakes leave no review and no request log line', () => {
    // Only the two admitted requests above reached the handler.
    assert.equal(mtls.logs.filter((l) => l['msg'] === 'review').length, 2);
  });

  test('refused handshakes are counted by reason and logged once, with what to fix', async () => {
    const failures = async (s: TestServer): Promise<Record<string, number>> => {
      const metric = await s.server.metrics.registry
        .getSingleMetric('mcpentry_webhook_tls_handshake_failures_total')
        ?.get();
      return Object.fromEntries(
        (metric?.values ?? []).map((v) => [String(v.labels['reason']), v.value]),
      );
    };
    // Six client-certificate refusals above (three identities, two protocols each) plus the
    // TLS 1.2 one; the client may see the refusal as a reset, the server knows why.
    const counted = await failures(mtls);
    assert.ok((counted['client-certificate'] ?? 0) >= 7, JSON.stringify(counted));
    assert.equal(counted['protocol'], 0);
    const lines = mtls.logs.filter((l) => l['msg'] === 'tls handshake failed');
    assert.equal(lines.length, 1, 'one line per reason per minute, not one per handshake');
    assert.equal(lines[0]?.['reason'], 'client-certificate');
    assert.match(String(lines[0]?.['hint']), /--client-ca/);

    // The plain server refused TLS 1.0/1.1 and weak ciphers above: a protocol problem.
    const plainCounted = await failures(plain);
    assert.ok((plainCounted['protocol'] ?? 0) >= 2, JSON.stringify(plainCounted));
    assert.equal(plainCounted['client-certificate'], 0);
  });
});
