// Starts the real server (real TLS, real Fastify, real engine) on a loopback port with its own
// throw-away certificates, and offers a real HTTPS client. Used by server and CLI tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseServeConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startServer, type RunningServer } from '../../src/server/serve.ts';
import {
  createCertificateAuthority,
  issueCertificate,
  type PemPair,
} from '../../src/tls/certificates.ts';

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly ca: string;
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caPair: PemPair;
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly rawLogs: string[];
  stop(): Promise<void>;
}

export async function startTestServer(extraArgs: string[] = []): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-test-'));
  const caPair = await createCertificateAuthority({ commonName: 'test CA' });
  const leaf = await issueCertificate(caPair, {
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  writeFileSync(certFile, leaf.certPem);
  writeFileSync(keyFile, leaf.keyPem);
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const config = parseServeConfig(
    [
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--shutdown-delay',
      '0',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
      '--objects',
      new URL('../fixtures/objects/', import.meta.url).pathname,
      '--log-level',
      'debug',
      // No shedding on event-loop delay unless a test asks for it (load-shedding.test.ts): the
      // test process is the server and all of its clients, so their work (a second server
      // starting, hundreds of client handshakes, generating a 100,000-entry body) lags the loop
      // the server measures. And a stall of ~100 ms just after a sample reads as an infinite
      // delay (the sampler saw no tick at all), so even a short one could turn a review into a 503.
      '--shed-event-loop-delay',
      '0',
      ...extraArgs,
    ],
    {},
  );
  const log = createLogger(config.logLevel, sink);
  const server = await startServer(config, log, { inCluster: false });
  return {
    server,
    url: `https://127.0.0.1:${server.port}`,
    ca: caPair.certPem,
    dir,
    certFile,
    keyFile,
    caPair,
    logs,
    rawLogs,
    async stop() {
      await server.shutdown(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: unknown;
  readonly alpn: string | false | null;
  readonly peerFingerprint: string | undefined;
}

/** POST over HTTPS/1.1 with a fresh connection (agent: false), trusting only `ca`. */
export function post(
  url: string,
  ca: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  method = 'POST',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // ALPN is a TLS connect option that https.request passes through but does not type.
    const options = {
      method,
      ca,
      agent: false,
      headers,
      ALPNProtocols: ['http/1.1'],
    } as RequestOptions;
    const req = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const socket = res.socket as import('node:tls').TLSSocket;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text,
          json,
          alpn: socket.alpnProtocol,
          peerFingerprint: socket.getPeerCertificate?.().fingerprint256,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function get(url: string, ca: string): Promise<HttpAnswer> {
  return post(url, ca, '', {}, 'GET');
}

/** POST over HTTP/2 (ALPN h2), as kube-apiserver does for loopback webhook URLs. */
export function postH2(
  url: string,
  ca: string,
  body: string,
): Promise<HttpAnswer & { protocol: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const session = http2Connect(u.origin, { ca });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': u.pathname + u.search,
      'content-type': 'application/json',
    });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const alpn = session.alpnProtocol ?? null;
      session.close();
      resolve({
        status,
        headers: {},
        body: text,
        json: JSON.parse(text) as unknown,
        alpn,
        peerFingerprint: undefined,
        protocol: 'h2',
      });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}
