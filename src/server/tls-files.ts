// The serving certificate comes from files that cert-manager (or a script) replaces while we
// run. We watch them, load a new pair only if it is whole and valid, and keep the last good
// pair otherwise: a half-written or expired rotation must never take the webhook down.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '../log.ts';

export interface TlsPaths {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string | undefined;
}

export interface TlsState {
  /** A valid pair is being served. */
  readonly loaded: boolean;
  /** The files on disk are usable now (false: expired, missing or broken; last good pair kept). */
  readonly healthy: boolean;
  readonly notAfter?: Date;
  readonly problem?: string;
}

interface Material {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly notAfter: Date;
  readonly fingerprint: string;
}

/** Read and check a certificate/key pair; throws an Error with a user-facing reason. */
export function readTlsMaterial(paths: TlsPaths, now = new Date()): Material {
  const cert = readFileSync(paths.certFile, 'utf8');
  const key = readFileSync(paths.keyFile, 'utf8');
  const ca =
    paths.clientCaFile === undefined ? undefined : readFileSync(paths.clientCaFile, 'utf8');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`${paths.certFile} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`${paths.keyFile} is not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new Error(`${paths.keyFile} does not belong to ${paths.certFile}`);
  const notAfter = new Date(x509.validTo);
  if (notAfter.getTime() <= now.getTime())
    throw new Error(`${paths.certFile} expired at ${notAfter.toISOString()}`);
  if (new Date(x509.validFrom).getTime() > now.getTime() + 5 * 60_000) {
    throw new Error(
      `${paths.certFile} is not valid before ${new Date(x509.validFrom).toISOString()}`,
    );
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      throw new Error(`${paths.clientCaFile} is not a PEM certificate`);
    }
  }
  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    notAfter,
    fingerprint: x509.fingerprint256,
  };
}

/** Modern TLS only: 1.2 minimum with forward-secret AEAD suites, 1.3 suites as Node ships them. */
export const tlsHardening = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const satisfies SecureContextOptions;

export type ServingTlsOptions = SecureContextOptions & {
  requestCert: boolean;
  rejectUnauthorized: boolean;
};

export function secureContextOptions(m: Material, requireClientCert: boolean): ServingTlsOptions {
  return {
    ...tlsHardening,
    cert: m.cert,
    key: m.key,
    ...(m.ca === undefined ? {} : { ca: m.ca }),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  };
}

/**
 * Watches the files and calls `apply` with each new valid pair. Directory watches catch
 * Kubernetes' atomic Secret updates (a `..data` symlink swap); a slow poll covers file systems
 * where watches do not fire.
 */
export class TlsFileWatcher {
  private current: Material;
  private stateValue: TlsState;
  private readonly watchers: FSWatcher[] = [];
  private readonly poll: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  private readonly paths: TlsPaths;
  private readonly log: Logger;
  private readonly apply: (m: Material) => void;

  constructor(paths: TlsPaths, log: Logger, apply: (m: Material) => void, pollMs = 10_000) {
    this.paths = paths;
    this.log = log;
    this.apply = apply;
    this.current = readTlsMaterial(paths);
    this.stateValue = { loaded: true, healthy: true, notAfter: this.current.notAfter };
    const dirs = new Set([dirname(paths.certFile), dirname(paths.keyFile)]);
    if (paths.clientCaFile !== undefined) dirs.add(dirname(paths.clientCaFile));
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // Unwatchable directory: the poll below still notices changes.
      }
    }
    this.poll = setInterval(() => this.reload(), pollMs);
    this.poll.unref();
  }

  get material(): Material {
    return this.current;
  }

  get state(): TlsState {
    // The served certificate can expire while no file changes.
    if (this.stateValue.healthy && this.current.notAfter.getTime() <= Date.now()) {
      return {
        ...this.stateValue,
        healthy: false,
        problem: `serving certificate expired at ${this.current.notAfter.toISOString()}`,
      };
    }
    return this.stateValue;
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    // cert-manager writes cert and key as separate events; wait for both to land.
    this.debounce = setTimeout(() => this.reload(), 200);
    this.debounce.unref();
  }

  reload(): void {
    let next: Material;
    try {
      next = readTlsMaterial(this.paths);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (this.stateValue.problem !== problem) {
        this.log.error(
          { problem, servingUntil: this.current.notAfter.toISOString() },
          'certificate files unusable; keeping the last good pair',
        );
      }
      this.stateValue = { loaded: true, healthy: false, notAfter: this.current.notAfter, problem };
      return;
    }
    const wasHealthy = this.stateValue.healthy;
    this.stateValue = { loaded: true, healthy: true, notAfter: next.notAfter };
    if (next.fingerprint === this.current.fingerprint && next.ca === this.current.ca) {
      if (!wasHealthy) this.log.info('certificate files usable again');
      return;
    }
    this.current = next;
    this.apply(next);
    this.log.info(
      { notAfter: next.notAfter.toISOString(), fingerprint: next.fingerprint },
      'serving certificate reloaded',
    );
  }

  close(): void {
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
  }
}
