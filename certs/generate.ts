// Generates the webhook's serving certificate and the CA that signs it, for installs
// without cert-manager (the self-signed overlay, the kind quickstart) and for running the
// server locally. Prints the base64 caBundle on stdout; everything else goes to stderr.
//
//   node certs/generate.ts --service mcpentry-webhook --namespace mcpentry-webhook --out certs/generated
//
// An existing ca.crt/ca.key in --out is reused, so re-running issues a new serving
// certificate under the same CA: the webhook configurations' caBundle stays valid and the
// rotation has no window in which the API server distrusts the server.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createCertificateAuthority,
  issueCertificate,
  type PemPair,
} from '../src/tls/certificates.ts';

export interface GenerateOptions {
  readonly service: string;
  readonly namespace: string;
  readonly outDir: string;
  /** Serving certificate validity; default 365 days (no automatic renewal without cert-manager). */
  readonly validityDays?: number;
  /** Ignore an existing CA in outDir and create a new one. */
  readonly newCa?: boolean;
}

export interface GeneratedCertificates {
  readonly caCertPem: string;
  readonly tlsCertPem: string;
  readonly tlsKeyPem: string;
  /** base64 of the CA PEM: the webhook configurations' `clientConfig.caBundle`. */
  readonly caBundle: string;
  readonly reusedCa: boolean;
}

/** The names the API server (Service DNS), a laptop (localhost) and the loopback URL use. */
export function servingNames(service: string, namespace: string) {
  return {
    dnsNames: [
      `${service}.${namespace}.svc`,
      `${service}.${namespace}.svc.cluster.local`,
      'localhost',
    ],
    ipAddresses: ['127.0.0.1'],
  };
}

export async function generateCertificates(
  options: GenerateOptions,
): Promise<GeneratedCertificates> {
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const caCertPath = join(options.outDir, 'ca.crt');
  const caKeyPath = join(options.outDir, 'ca.key');
  const reusedCa = options.newCa !== true && existsSync(caCertPath) && existsSync(caKeyPath);
  const ca: PemPair = reusedCa
    ? { certPem: readFileSync(caCertPath, 'utf8'), keyPem: readFileSync(caKeyPath, 'utf8') }
    : await createCertificateAuthority({
        commonName: `${options.service}.${options.namespace} webhook CA`,
        validityDays: 3650,
      });
  const serving = await issueCertificate(ca, {
    commonName: `${options.service}.${options.namespace}.svc`,
    ...servingNames(options.service, options.namespace),
    usage: 'server',
    validityDays: options.validityDays ?? 365,
  });
  if (!reusedCa) {
    writePrivate(caKeyPath, ca.keyPem);
    writePublic(caCertPath, ca.certPem);
  }
  writePrivate(join(options.outDir, 'tls.key'), serving.keyPem);
  writePublic(join(options.outDir, 'tls.crt'), serving.certPem);
  return {
    caCertPem: ca.certPem,
    tlsCertPem: serving.certPem,
    tlsKeyPem: serving.keyPem,
    caBundle: Buffer.from(ca.certPem, 'utf8').toString('base64'),
    reusedCa,
  };
}

// `mode` applies only when a file is created; chmod covers an existing file being replaced.
function writePrivate(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writePublic(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o644 });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      service: { type: 'string', default: 'mcpentry-webhook' },
      namespace: { type: 'string', default: 'mcpentry-webhook' },
      out: { type: 'string', default: 'certs/generated' },
      days: { type: 'string', default: '365' },
      'new-ca': { type: 'boolean', default: false },
    },
  });
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1) {
    process.stderr.write(`--days must be a positive integer, got ${values.days}\n`);
    process.exitCode = 2;
    return;
  }
  const result = await generateCertificates({
    service: values.service,
    namespace: values.namespace,
    outDir: values.out,
    validityDays: days,
    newCa: values['new-ca'],
  });
  process.stderr.write(
    `${result.reusedCa ? 'reused' : 'created'} CA and issued tls.crt/tls.key in ${values.out}\n`,
  );
  process.stdout.write(`${result.caBundle}\n`);
}

if (import.meta.main) await main();
