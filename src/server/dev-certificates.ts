// The local default: with no --tls-cert/--tls-key, `serve` uses a development CA and serving
// certificate under certs/generated/, created on first run. Never used when files are given.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../tls/certificates.ts';
import { readTlsMaterial } from './tls-files.ts';

export interface DevCertificatePaths {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function devCertificatePaths(dir: string): DevCertificatePaths {
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
}

/** Reuse a usable pair in `dir`, or create one (SANs localhost and 127.0.0.1). Returns whether it created. */
export async function ensureDevCertificates(paths: DevCertificatePaths): Promise<boolean> {
  if (existsSync(paths.certFile) && existsSync(paths.keyFile) && existsSync(paths.caFile)) {
    try {
      const m = readTlsMaterial({ certFile: paths.certFile, keyFile: paths.keyFile });
      // Renew a week before expiry rather than serving a certificate about to lapse.
      if (m.notAfter.getTime() - Date.now() > 7 * 24 * 3600_000) return false;
    } catch {
      // Unusable files: replace them below.
    }
  }
  const ca = await createCertificateAuthority({
    commonName: 'mcpentry-webhook development CA',
    validityDays: 365,
  });
  const leaf = await issueCertificate(ca, {
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    usage: 'server',
    validityDays: 90,
  });
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.caFile, ca.certPem, { mode: 0o644 });
  writeFileSync(join(paths.dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  writeFileSync(paths.keyFile, leaf.keyPem, { mode: 0o600 });
  writeFileSync(paths.certFile, leaf.certPem, { mode: 0o644 });
  return true;
}
