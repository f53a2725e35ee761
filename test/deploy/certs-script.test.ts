// certs/generate.ts, run the way the docs and install.sh run it: as a process.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../deploy/kustomize-render.ts';

const outDir = join(mkdtempSync(join(tmpdir(), 'mcpentry-certs-')), 'generated');
after(() => rmSync(join(outDir, '..'), { recursive: true, force: true }));

function generate(...extra: string[]): string {
  return execFileSync(
    process.execPath,
    [
      join(repoRoot, 'certs/generate.ts'),
      ...['--service', 'hook', '--namespace', 'tools', '--out', outDir],
      ...extra,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

const read = (name: string): string => readFileSync(join(outDir, name), 'utf8');

describe('certs/generate.ts', () => {
  const stdout = generate();

  test('prints only the base64 caBundle of ca.crt', () => {
    assert.equal(stdout, `${Buffer.from(read('ca.crt')).toString('base64')}\n`);
  });

  test('the serving certificate carries every name the webhook is reached by', () => {
    const cert = new X509Certificate(read('tls.crt'));
    assert.equal(
      cert.subjectAltName,
      'DNS:hook.tools.svc, DNS:hook.tools.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1',
    );
    assert.equal(cert.checkHost('hook.tools.svc'), 'hook.tools.svc');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.ca, false);
  });

  test('the serving certificate is signed by ca.crt', () => {
    const ca = new X509Certificate(read('ca.crt'));
    const cert = new X509Certificate(read('tls.crt'));
    assert.equal(ca.ca, true);
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.verify(ca.publicKey));
  });

  test('tls.key belongs to tls.crt', () => {
    const cert = new X509Certificate(read('tls.crt'));
    assert.ok(cert.checkPrivateKey(createPrivateKey(read('tls.key'))));
  });

  test('private keys are readable by the owner only', () => {
    for (const name of ['tls.key', 'ca.key']) {
      assert.equal(statSync(join(outDir, name)).mode & 0o777, 0o600, name);
    }
  });

  test('a second run reuses the CA and issues a new serving certificate', () => {
    const caBefore = read('ca.crt');
    const certBefore = read('tls.crt');
    const secondStdout = generate();
    assert.equal(read('ca.crt'), caBefore);
    assert.equal(secondStdout, stdout);
    assert.notEqual(read('tls.crt'), certBefore);
    assert.ok(new X509Certificate(read('tls.crt')).checkIssued(new X509Certificate(caBefore)));
  });

  test('--new-ca replaces the CA', () => {
    const caBefore = read('ca.crt');
    generate('--new-ca');
    assert.notEqual(read('ca.crt'), caBefore);
    assert.equal(statSync(join(outDir, 'ca.key')).mode & 0o777, 0o600);
  });

  test('a bad --days exits 2 with a message', () => {
    assert.throws(
      () => generate('--days', 'soon'),
      (error: { status?: number; stderr?: string }) => {
        assert.equal(error.status, 2);
        assert.match(String(error.stderr), /--days/);
        return true;
      },
    );
  });
});
