// What it takes to run our webhook as a real `serve` process next to the local control plane,
// shared by `npm run cluster:up` and the e2e tier: a CA of its own with a serving certificate
// for 127.0.0.1 (the API server's Go client ignores the CN, so the IP must be a SAN), and the
// command line.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, issueCertificate } from '../../src/tls/certificates.ts';

export const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface WebhookTlsFiles {
  /** The caBundle the webhook configurations need. */
  readonly caPem: string;
  readonly caCertPath: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function writeWebhookTls(dir: string, purpose: string): Promise<WebhookTlsFiles> {
  const ca = await createCertificateAuthority({ commonName: `mcpentry ${purpose} webhook CA` });
  const serving = await issueCertificate(ca, {
    commonName: `mcpentry-webhook ${purpose}`,
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const files = {
    caPem: ca.certPem,
    caCertPath: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
  await writeFile(files.caCertPath, ca.certPem);
  await writeFile(files.certFile, serving.certPem);
  await writeFile(files.keyFile, serving.keyPem, { mode: 0o600 });
  return files;
}

/** `node src/main.ts serve ...` against the control plane's kubeconfig, with no drain delay. */
export function webhookServeArgs(opts: {
  readonly tls: WebhookTlsFiles;
  readonly kubeconfigPath: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly extraArgs?: readonly string[];
}): string[] {
  return [
    mainScript,
    'serve',
    '--port',
    String(opts.port),
    '--tls-cert',
    opts.tls.certFile,
    '--tls-key',
    opts.tls.keyFile,
    '--kubeconfig',
    opts.kubeconfigPath,
    '--metrics-port',
    String(opts.metricsPort),
    // Nothing routes to a URL webhook through endpoints that need time to forget it, so a stop
    // need not wait the in-cluster default before the port closes.
    '--shutdown-delay',
    '0',
    ...(opts.extraArgs ?? []),
  ];
}
