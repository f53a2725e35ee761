// The floor we measure against: Fastify over HTTPS with the webhook's TLS settings and
// timeouts, parsing the review JSON and answering "allowed" with its uid. No decoding, no
// rules, no logging, no metrics. Started by the bench as its own process:
//   node bench/baseline-server.ts --port N --tls-cert F --tls-key F [--no-http2]
// and prints one line, `ready <port>`, once listening.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { serverTimeouts } from '../src/server/app.ts';
import { tlsHardening } from '../src/server/tls-files.ts';

interface BaselineOptions {
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  readonly http2: boolean;
}

export function buildBaselineApp(opts: BaselineOptions): FastifyInstance {
  const https = {
    ...tlsHardening,
    cert: opts.cert,
    key: opts.key,
    handshakeTimeout: serverTimeouts.handshakeMs,
  };
  const common = {
    logger: false,
    bodyLimit: 7 * 1024 * 1024,
    keepAliveTimeout: serverTimeouts.keepAliveMs,
    requestTimeout: serverTimeouts.requestMs,
    connectionTimeout: serverTimeouts.http2SessionMs,
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
  };
  const app = (opts.http2
    ? Fastify({
        ...common,
        http2: true,
        https: { ...https, allowHTTP1: true },
        http2SessionTimeout: serverTimeouts.http2SessionMs,
      })
    : Fastify({ ...common, https })) as unknown as FastifyInstance;
  // The same connection timeouts as our server sets on either kind of server.
  Object.assign(app.server, {
    keepAliveTimeout: serverTimeouts.keepAliveMs,
    requestTimeout: serverTimeouts.requestMs,
    headersTimeout: serverTimeouts.requestMs,
    connectionsCheckingInterval: serverTimeouts.connectionsCheckMs,
  });
  // Promise-returning handlers, as our routes are (without an `await` there is nothing to await).
  const allow = (request: { body: unknown }): Promise<unknown> =>
    Promise.resolve({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: uidOf(request.body), allowed: true },
    });
  app.post('/validate', allow);
  // bench/api registers the floor as both webhooks, as it registers ours.
  app.post('/mutate', allow);
  app.get('/readyz', () => Promise.resolve({ status: 'ready' }));
  return app;
}

/** The review's uid, read as the floor reads it: no decoding, '' when absent. */
export function uidOf(body: unknown): string {
  const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
  return typeof uid === 'string' ? uid : '';
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
}

async function main(argv: readonly string[]): Promise<void> {
  const certFile = flag(argv, '--tls-cert');
  const keyFile = flag(argv, '--tls-key');
  if (certFile === undefined || keyFile === undefined)
    throw new Error('usage: baseline-server.ts --port N --tls-cert F --tls-key F [--no-http2]');
  const app = buildBaselineApp({
    port: Number(flag(argv, '--port') ?? '0'),
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    http2: !argv.includes('--no-http2'),
  });
  await app.listen({ host: '127.0.0.1', port: Number(flag(argv, '--port') ?? '0') });
  const address = app.server.address();
  process.stdout.write(
    `ready ${typeof address === 'object' && address !== null ? address.port : ''}\n`,
  );
  const stop = (): void => void app.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.main) await main(process.argv.slice(2));
