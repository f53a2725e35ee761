// A stand-in for someone else's admission webhook, for e2e tests: HTTPS on a loopback port
// with its own throw-away CA, each AdmissionReview handed to `answer`, which returns the
// response fields besides the uid. Tests register it with the API server by `url` and
// `caBundle` in their own webhook configuration.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../../src/tls/certificates.ts';

export interface LoopbackWebhook {
  /** `https://127.0.0.1:<port><path>`, for a configuration's clientConfig.url. */
  url(path: string): string;
  /** The CA of the serving certificate, base64-encoded, for clientConfig.caBundle. */
  readonly caBundle: string;
  close(): Promise<void>;
}

export interface AdmissionRequestSeen {
  readonly uid: string;
  readonly [field: string]: unknown;
}

export async function startLoopbackWebhook(
  name: string,
  answer: (request: AdmissionRequestSeen) => Record<string, unknown>,
): Promise<LoopbackWebhook> {
  const ca = await createCertificateAuthority({ commonName: `${name} CA` });
  const serving = await issueCertificate(ca, {
    commonName: name,
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const server: Server = createServer(
    { cert: serving.certPem, key: serving.keyPem },
    (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const request = (JSON.parse(body) as { request: AdmissionRequestSeen }).request;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid: request.uid, ...answer(request) },
          }),
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
