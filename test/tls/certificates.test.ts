import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  createCertificateAuthority,
  issueCertificate,
  type PemPair,
} from '../../src/tls/certificates.ts';

const run = promisify(execFile);

let ca: PemPair;
let otherCa: PemPair;
let serverCert: PemPair;
let clientCert: PemPair;
let workDir: string;

before(async () => {
  ca = await createCertificateAuthority({ commonName: 'mcpentry test CA' });
  otherCa = await createCertificateAuthority({ commonName: 'unrelated CA' });
  serverCert = await issueCertificate(ca, {
    commonName: 'webhook',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  clientCert = await issueCertificate(ca, {
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  workDir = await mkdtemp(join(tmpdir(), 'certificates-test-'));
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function writePem(name: string, pem: string): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, pem);
  return path;
}

// Go's crypto/x509 (the API server's verifier) is stricter than Node's, so the
// certificates are also checked by an independent implementation.
async function openssl(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('openssl is required by this test and was not found on PATH');
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      output: (e.stdout ?? '') + (e.stderr ?? ''),
    };
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function httpsGet(
  port: number,
  opts: { ca: string; servername?: string; host?: string; cert?: string; key?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        path: '/',
        ca: opts.ca,
        agent: false,
        ...(opts.servername === undefined ? {} : { servername: opts.servername }),
        ...(opts.cert === undefined ? {} : { cert: opts.cert }),
        ...(opts.key === undefined ? {} : { key: opts.key }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An HTTPS server that answers every request with the Common Name of the client certificate. */
function helloServer(pair: PemPair, clientAuth?: { ca: string }): Server {
  return createHttpsServer(
    {
      cert: pair.certPem,
      key: pair.keyPem,
      ...(clientAuth === undefined
        ? {}
        : { requestCert: true, rejectUnauthorized: true, ca: clientAuth.ca }),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(peer.subject?.CN ?? 'anonymous');
    },
  );
}

describe('certificate authority', () => {
  test('is a CA certificate with a PKCS#8 P-256 key', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.match(cert.subject, /CN=mcpentry test CA/);
    assert.ok(cert.verify(cert.publicKey), 'self-signed signature verifies');
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(ca.keyPem);
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  test('carries critical basicConstraints CA:TRUE and keyCertSign (openssl)', async () => {
    const { code, output } = await openssl([
      'x509',
      '-noout',
      '-text',
      '-in',
      await writePem('ca.pem', ca.certPem),
    ]);
    assert.equal(code, 0, output);
    assert.match(output, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
    assert.match(output, /X509v3 Key Usage: critical\s+[^\n]*Certificate Sign/);
    assert.match(output, /X509v3 Subject Key Identifier/);
    assert.match(output, /Signature Algorithm: ecdsa-with-SHA256/);
  });

  test('honours validityDays', async () => {
    const short = await createCertificateAuthority({ commonName: 'short', validityDays: 2 });
    const cert = new X509Certificate(short.certPem);
    const lifetimeDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(Math.abs(lifetimeDays - 2) < 0.01, `lifetime ${lifetimeDays} days`);
  });
});

describe('issued certificates', () => {
  test('server certificate has SANs, serverAuth, CA:FALSE and key identifiers (openssl)', async () => {
    const path = await writePem('server.pem', serverCert.certPem);
    const { code, output } = await openssl(['x509', '-noout', '-text', '-in', path]);
    assert.equal(code, 0, output);
    assert.match(output, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(output, /X509v3 Key Usage: critical\s+Digital Signature/);
    assert.match(output, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(output, /DNS:localhost/);
    assert.match(output, /IP Address:127\.0\.0\.1/);
    assert.match(output, /X509v3 Subject Key Identifier/);
    assert.match(output, /X509v3 Authority Key Identifier/);
    assert.match(output, /Issuer: CN\s*=\s*mcpentry test CA/);
  });

  test('openssl verifies the chain for the purpose each certificate was issued for', async () => {
    const caPath = await writePem('ca.pem', ca.certPem);
    const serverPath = await writePem('server.pem', serverCert.certPem);
    const clientPath = await writePem('client.pem', clientCert.certPem);
    const server = await openssl([
      'verify',
      '-CAfile',
      caPath,
      '-purpose',
      'sslserver',
      serverPath,
    ]);
    assert.equal(server.code, 0, server.output);
    assert.match(server.output, /OK/);
    const client = await openssl([
      'verify',
      '-CAfile',
      caPath,
      '-purpose',
      'sslclient',
      clientPath,
    ]);
    assert.equal(client.code, 0, client.output);
    // Extended key usage is enforced: a client certificate is no server certificate.
    const misuse = await openssl([
      'verify',
      '-CAfile',
      caPath,
      '-purpose',
      'sslserver',
      clientPath,
    ]);
    assert.notEqual(misuse.code, 0, misuse.output);
    const foreign = await openssl([
      'verify',
      '-CAfile',
      await writePem('other.pem', otherCa.certPem),
      serverPath,
    ]);
    assert.notEqual(foreign.code, 0, foreign.output);
  });

  test('client certificate carries organizations as O= (Kubernetes groups) and clientAuth', () => {
    const cert = new X509Certificate(clientCert.certPem);
    assert.match(cert.subject, /O=system:masters/);
    assert.match(cert.subject, /CN=admin/);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  });

  test('serial numbers are random and positive', async () => {
    const a = new X509Certificate(serverCert.certPem).serialNumber;
    const b = new X509Certificate(clientCert.certPem).serialNumber;
    const c = new X509Certificate(
      (
        await issueCertificate(ca, {
          commonName: 'webhook',
          usage: 'server',
          ipAddresses: ['127.0.0.1'],
        })
      ).certPem,
    ).serialNumber;
    assert.equal(new Set([a, b, c]).size, 3);
    for (const serial of [a, b, c])
      assert.ok(Number.parseInt(serial.slice(0, 2), 16) < 0x80, serial);
  });

  test('notBefore and validityDays set the validity window', async () => {
    const notBefore = new Date(Date.now() + 3_600_000);
    const pair = await issueCertificate(ca, {
      commonName: 'later',
      usage: 'server',
      dnsNames: ['later.test'],
      notBefore,
      validityDays: 1,
    });
    const cert = new X509Certificate(pair.certPem);
    assert.equal(
      Math.floor(Date.parse(cert.validFrom) / 1000),
      Math.floor(notBefore.getTime() / 1000),
    );
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 86_400_000);
  });

  test('IPv6 addresses are accepted as IP SANs and garbage is refused', async () => {
    const pair = await issueCertificate(ca, {
      commonName: 'v6',
      usage: 'server',
      ipAddresses: ['::1'],
    });
    assert.match(
      new X509Certificate(pair.certPem).subjectAltName ?? '',
      /IP Address:0:0:0:0:0:0:0:1/,
    );
    await assert.rejects(
      issueCertificate(ca, { commonName: 'bad', usage: 'server', ipAddresses: ['localhost'] }),
      /not an IP address/,
    );
  });
});

describe('TLS handshakes with issued certificates', () => {
  test('an https client trusting only the CA accepts the server at 127.0.0.1 and localhost', async () => {
    const server = helloServer(serverCert);
    const port = await listen(server);
    try {
      assert.equal(await httpsGet(port, { ca: ca.certPem }), 'anonymous');
      assert.equal(await httpsGet(port, { ca: ca.certPem, host: 'localhost' }), 'anonymous');
    } finally {
      await close(server);
    }
  });

  test('a server with requestCert verifies a client certificate from the same CA', async () => {
    const server = helloServer(serverCert, { ca: ca.certPem });
    const port = await listen(server);
    try {
      const who = await httpsGet(port, {
        ca: ca.certPem,
        cert: clientCert.certPem,
        key: clientCert.keyPem,
      });
      assert.equal(who, 'admin');
      const foreignClient = await issueCertificate(otherCa, {
        commonName: 'intruder',
        usage: 'client',
      });
      await assert.rejects(
        httpsGet(port, { ca: ca.certPem, cert: foreignClient.certPem, key: foreignClient.keyPem }),
      );
      await assert.rejects(httpsGet(port, { ca: ca.certPem }));
    } finally {
      await close(server);
    }
  });

  test('a name that is not in the SubjectAltName fails the handshake', async () => {
    const wrongName = await issueCertificate(ca, {
      commonName: '127.0.0.1', // Go and Node ignore the CN; only the SAN counts.
      dnsNames: ['webhook.example'],
      usage: 'server',
    });
    const server = helloServer(wrongName);
    const port = await listen(server);
    try {
      await assert.rejects(httpsGet(port, { ca: ca.certPem }), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      assert.equal(
        await httpsGet(port, { ca: ca.certPem, servername: 'webhook.example' }),
        'anonymous',
      );
    } finally {
      await close(server);
    }
  });

  test('a server certificate from another CA is refused', async () => {
    const foreign = await issueCertificate(otherCa, {
      commonName: 'x',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const server = helloServer(foreign);
    const port = await listen(server);
    try {
      await assert.rejects(httpsGet(port, { ca: ca.certPem }), {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      await close(server);
    }
  });

  test('a client certificate cannot serve TLS to a verifying client (extended key usage)', async () => {
    const asServer = await issueCertificate(ca, {
      commonName: 'c',
      ipAddresses: ['127.0.0.1'],
      usage: 'client',
    });
    const server = helloServer(asServer);
    const port = await listen(server);
    try {
      const error = await new Promise<Error>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem }, () => {
          socket.destroy();
          resolve(new Error('handshake unexpectedly succeeded'));
        });
        socket.on('error', resolve);
      });
      assert.equal((error as Error & { code?: string }).code, 'INVALID_PURPOSE', error.message);
    } finally {
      await close(server);
    }
  });
});
