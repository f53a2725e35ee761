// A keep-alive client for the API server, shaped like client-go's: HTTP/2 over one TLS
// connection that carries every request in flight (Go's transport multiplexes a host over one
// connection), or, with `h1`, a pool of HTTP/1.1 keep-alive connections, one per request in
// flight. It authenticates with the bearer token the test harness gives its admin user.
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';

export type ClientProtocol = 'h2' | 'h1';

export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
}

export interface ApiClient {
  readonly protocol: ClientProtocol;
  /** Sends one request; rejects only on a transport error (any HTTP status resolves). */
  send(method: string, path: string, body?: string, contentType?: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface ApiClientOptions {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
  readonly protocol: ClientProtocol;
  /** HTTP/1.1 only: the most connections the pool opens (the concurrency of the load). */
  readonly maxSockets?: number;
}

const userAgent = 'mcpentry-bench-api/1 (client-go-like)';

export function apiClient(opts: ApiClientOptions): ApiClient {
  return opts.protocol === 'h2' ? http2Client(opts) : http1Client(opts);
}

function http2Client(opts: ApiClientOptions): ApiClient {
  let session: ClientHttp2Session | undefined;
  const open = (): ClientHttp2Session => {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    const s = http2Connect(opts.server, { ca: opts.caPem });
    // A session error fails the requests in flight on it; the next request opens a new one,
    // as client-go's transport does after a broken connection.
    s.on('error', () => undefined);
    session = s;
    return s;
  };
  return {
    protocol: 'h2',
    send(method, path, body, contentType = 'application/json') {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {
          ':method': method,
          ':path': path,
          authorization: `Bearer ${opts.token}`,
          accept: 'application/json',
          'user-agent': userAgent,
        };
        if (body !== undefined) headers['content-type'] = contentType;
        const stream = open().request(headers, { endStream: body === undefined });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        stream.on('error', reject);
        if (body !== undefined) stream.end(body);
      });
    },
    close() {
      const s = session;
      session = undefined;
      if (s === undefined || s.closed) return Promise.resolve();
      return new Promise((resolve) => s.close(() => resolve()));
    },
  };
}

function http1Client(opts: ApiClientOptions): ApiClient {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 64,
    ca: opts.caPem,
  });
  const base = new URL(opts.server);
  return {
    protocol: 'h1',
    send(method, path, body, contentType = 'application/json') {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {
          authorization: `Bearer ${opts.token}`,
          accept: 'application/json',
          'user-agent': userAgent,
        };
        if (body !== undefined) headers['content-type'] = contentType;
        const req = httpsRequest(
          { host: base.hostname, port: base.port, path, method, agent, headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
