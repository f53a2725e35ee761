// Certificate faults over real HTTPS: the files removed, an expired pair written over them, and
// the served certificate expiring while nothing changes on disk. Each time the server keeps
// serving the last good pair, /readyz turns not ready with the reason, and the log says why.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { issueCertificate } from '../../src/tls/certificates.ts';
import { entry, review } from '../support/reviews.ts';
import { get, post, startTestServer, type TestServer } from '../support/test-server.ts';

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

async function readiness(s: TestServer): Promise<{ status: number; problems: string[] }> {
  const a = await get(`${s.url}/readyz`, s.ca);
  return { status: a.status, problems: (a.json as { problems?: string[] }).problems ?? [] };
}

async function stillReviews(s: TestServer): Promise<void> {
  const a = await post(
    `${s.url}/validate?timeout=10s`,
    s.ca,
    JSON.stringify(review('CREATE', entry())),
  );
  assert.equal(a.status, 200);
}

const unusableLog = 'certificate files unusable; keeping the last good pair';

test('files removed: last good pair served, not ready, logged; ready again when they return', async () => {
  const s = await startTestServer();
  try {
    const served = (await get(`${s.url}/healthz`, s.ca)).peerFingerprint;
    const pair = await issueCertificate(s.caPair, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    rmSync(s.certFile);
    rmSync(s.keyFile);
    const r = await until(
      () => readiness(s),
      (v) => v.status === 503,
    );
    assert.equal(r.status, 503);
    assert.match(r.problems.join('; '), /certificate: .*(ENOENT|no such file)/);
    assert.equal((await get(`${s.url}/healthz`, s.ca)).peerFingerprint, served, 'last good pair');
    await stillReviews(s);
    const line = s.logs.find((l) => l['msg'] === unusableLog);
    assert.ok(line !== undefined, 'the log says why');
    assert.match(String(line['problem']), /ENOENT|no such file/);
    assert.equal(typeof line['servingUntil'], 'string');

    writeFileSync(s.keyFile, pair.keyPem);
    writeFileSync(s.certFile, pair.certPem);
    assert.equal(
      (
        await until(
          () => readiness(s),
          (v) => v.status === 200,
        )
      ).status,
      200,
    );
    assert.notEqual((await get(`${s.url}/healthz`, s.ca)).peerFingerprint, served, 'the new pair');
  } finally {
    await s.stop();
  }
});

test('an expired pair written over the files is refused; the last good pair stays', async () => {
  const s = await startTestServer();
  try {
    const served = (await get(`${s.url}/healthz`, s.ca)).peerFingerprint;
    const expired = await issueCertificate(s.caPair, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      validityDays: 1,
    });
    writeFileSync(s.keyFile, expired.keyPem);
    writeFileSync(s.certFile, expired.certPem);
    const r = await until(
      () => readiness(s),
      (v) => v.status === 503,
    );
    assert.match(r.problems.join('; '), /expired at/);
    assert.equal((await get(`${s.url}/healthz`, s.ca)).peerFingerprint, served);
    await stillReviews(s);
    assert.ok(
      s.logs.some((l) => l['msg'] === unusableLog && /expired at/.test(String(l['problem']))),
    );
  } finally {
    await s.stop();
  }
});

test('the served certificate expiring with nothing changed on disk turns the server not ready', async () => {
  const s = await startTestServer();
  try {
    // Replace the pair with one valid for a few more seconds, wait until it is served...
    const shortLived = await issueCertificate(s.caPair, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      notBefore: new Date(Date.now() - 1_000),
      // 10 s: room for the reload to be noticed on a loaded machine before it runs out.
      validityDays: 10 / 86_400,
    });
    writeFileSync(s.keyFile, shortLived.keyPem);
    writeFileSync(s.certFile, shortLived.certPem);
    await until(
      () => get(`${s.url}/healthz`, s.ca).then((a) => a.peerFingerprint),
      (fp) => s.logs.some((l) => l['msg'] === 'serving certificate reloaded') && fp !== undefined,
    );
    assert.equal((await readiness(s)).status, 200);
    // ...then let it run out: readiness reports it without any file event. (Over HTTPS a
    // verifying client, like the API server, now refuses the handshake itself.)
    const problems = await until(
      () => Promise.resolve(s.server.problems()),
      (p) => p.length > 0,
      15_000,
    );
    assert.match(problems.join('; '), /serving certificate expired at/);
    // OpenSSL checks the expiry against time(), a coarse clock that can trail Date.now() by a
    // kernel tick: the server may call the pair expired a few milliseconds before a client's
    // check does. Poll (bounded) until the handshake fails, and then it must be for expiry.
    const handshake = () =>
      get(`${s.url}/readyz`, s.ca).then(
        (a) => `answered ${a.status}`,
        (err: Error) => err.message,
      );
    const refused = await until(handshake, (outcome) => !outcome.startsWith('answered'), 2_000);
    assert.match(refused, /certificate has expired/);
  } finally {
    await s.stop();
  }
});
