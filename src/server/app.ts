// The Fastify HTTPS application: the two webhook routes and health. TLS material comes from
// the caller (and is swapped in place on rotation); nothing here knows about rules.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  constants as http2Constants,
  type Http2SecureServer,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.ts';
import { ReviewOverLimits } from '../admission/review-limits.ts';
import { parseReviewBodies } from './review-body.ts';
import { admissionPaths, healthPaths } from './routes-paths.ts';
import { shedLoadUnderPressure, type Pressure, type SheddingOptions } from './load-shedding.ts';
import type { ServingTlsOptions } from './tls-files.ts';
import { observeTlsFailures, type TlsFailureReason } from './tls-failures.ts';
import { ConnectionRoom } from './connection-room.ts';
import { parseTimeoutQuery, type ReviewHandler, type ReviewPath } from './review-handler.ts';

export interface Readiness {
  /** Empty when ready; otherwise the reasons, for /readyz and the logs. */
  problems(): string[];
}

export interface AppOptions {
  readonly tls: ServingTlsOptions;
  readonly http2: boolean;
  readonly bodyLimitBytes: number;
  /** Shed admission reviews (never health checks) when overloaded; absent: never shed. */
  readonly shedding?: SheddingOptions;
  readonly handler: ReviewHandler;
  readonly readiness: Readiness;
  readonly log: Logger;
  /** POST /validate-delete (delete protection); the route exists only when this is given. */
  readonly deleteHandler?: {
    handle(body: unknown): Promise<{ readonly statusCode: number; readonly body: unknown }>;
  };
  /** Counts failed TLS handshakes (the metric); the log line is written here. */
  readonly countTlsFailure?: (reason: TlsFailureReason) => void;
  /** A review answered 503 by load shedding, by the pressure that shed it. */
  readonly countShed?: (pressure: Pressure['type']) => void;
  /** A connection closed on arrival because --max-connections were open. */
  readonly countConnectionRefused?: () => void;
  /** An idle connection closed to make room at --max-connections (connection-room.ts). */
  readonly countConnectionEvicted?: () => void;
  /** A 4xx answered before any review was judged (bad JSON, too large, wrong type, no route). */
  readonly countHttpRefusal?: (statusCode: number) => void;
}

/**
 * Timeouts. The API server's Go client keeps idle connections 90 s and does not retry a POST
 * on a connection we closed, so our keep-alive must outlast it (120 s). Requests (headers and
 * body) must arrive within 10 s: the API server sends a whole review at once, so only a slow
 * or hostile client (slowloris) is cut off. The same 10 s bounds a TLS handshake (Node's
 * default is 120 s, long enough for a few thousand stalled handshakes to pin memory), and
 * Node checks for overdue requests every second instead of every 30 s, so the cut-off lands
 * near 10 s rather than anywhere up to 40 s.
 */
export const serverTimeouts = {
  keepAliveMs: 120_000,
  requestMs: 10_000,
  handshakeMs: 10_000,
  connectionsCheckMs: 1_000,
  http2SessionMs: 125_000,
  http2MaxStreams: 100,
} as const;

interface Http1Timeouts {
  keepAliveTimeout: number;
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const common = {
    // Fastify gets no logger: every line we want is written by our own code with `opts.log`
    // (one per review from the handler, bad requests and errors below). With a logger,
    // Fastify builds a child logger per request and, for a custom factory, validates it
    // every time: a few per cent of a review's CPU for lines we had switched off anyway.
    logger: false,
    bodyLimit: opts.bodyLimitBytes,
    keepAliveTimeout: serverTimeouts.keepAliveMs,
    requestTimeout: serverTimeouts.requestMs,
    connectionTimeout: serverTimeouts.http2SessionMs,
    // A review that reaches us after close() began is answered, not refused: Fastify's 503
    // for it carries no Retry-After, and the API server retries a 503 only with one, so under
    // failurePolicy Fail the user's write fails ("failed calling webhook ... the server is
    // currently unable to handle the request"). Such a review comes on a connection accepted
    // before the listener closed whose TLS handshake ends after it (Node's close() only ends
    // connections it already serves HTTP on). The engine and caches stay up until close()
    // has finished, and every answer from SIGTERM on closes its connection (serve.ts).
    // Seen in the node cluster's certificate-rotation test, one run in five.
    return503OnClosing: false,
    forceCloseConnections: 'idle' as const,
  };
  const app = (opts.http2
    ? Fastify({
        ...common,
        http2: true,
        https: {
          ...opts.tls,
          handshakeTimeout: serverTimeouts.handshakeMs,
          allowHTTP1: true,
          settings: { maxConcurrentStreams: serverTimeouts.http2MaxStreams },
        },
        http2SessionTimeout: serverTimeouts.http2SessionMs,
      })
    : Fastify({
        ...common,
        https: { ...opts.tls, handshakeTimeout: serverTimeouts.handshakeMs },
      })) as unknown as FastifyInstance;

  // Fastify sets keepAliveTimeout and requestTimeout only on a plain HTTP/1 server. On the
  // HTTP/2 server, HTTP/1.1 clients are served by Node's fallback with Node's defaults: 5 s
  // keep-alive (the Go client's 90 s idle pool then races our close and a POST fails with
  // EOF) and a 300 s request timeout (a slowloris client holds its socket for minutes). The
  // API server pins Service webhooks to http/1.1, so that fallback is the production path.
  // Set the same values on either server before it listens; Node reads them per connection.
  Object.assign(app.server as unknown as Http1Timeouts, {
    keepAliveTimeout: serverTimeouts.keepAliveMs,
    requestTimeout: serverTimeouts.requestMs,
    headersTimeout: serverTimeouts.requestMs,
    connectionsCheckingInterval: serverTimeouts.connectionsCheckMs,
  } satisfies Http1Timeouts);

  // HTTP/2 has no request timeout at all: the session timeout only counts silence, so a client
  // trickling one body byte a second keeps a stream (and its buffered body) forever, on as many
  // streams as it likes. Give each stream the same deadline an HTTP/1.1 request has to arrive
  // whole, and cap concurrent streams per connection (Go's client opens another connection
  // when it reaches the cap, so the API server never waits on it).
  if (opts.http2) {
    (app.server as unknown as Http2SecureServer).on('stream', (stream: ServerHttp2Stream) => {
      const deadline = setTimeout(() => {
        if (!stream.destroyed && !stream.readableEnded && !stream.endAfterHeaders)
          stream.close(http2Constants.NGHTTP2_CANCEL);
      }, serverTimeouts.requestMs);
      deadline.unref();
      stream.once('close', () => clearTimeout(deadline));
    });
  }

  // TLS 1.2 renegotiation is a known DoS lever (CVE-2011-1473); nobody legitimate needs it here.
  (app.server as unknown as Http2SecureServer).on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
  });
  (app.server as unknown as Http2SecureServer).on(
    'tlsClientError',
    observeTlsFailures({
      count: opts.countTlsFailure ?? (() => undefined),
      log: (fields) => opts.log.warn(fields, 'tls handshake failed'),
    }),
  );

  // The API server always sends application/json; anything else is a 415, not a guess. JSON
  // bodies are measured against the review limits before they are parsed (review-body.ts).
  app.removeContentTypeParser('text/plain');
  parseReviewBodies(app, opts.bodyLimitBytes);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status =
      err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : 500;
    const message =
      status === 500
        ? 'internal error while reviewing; see the webhook log'
        : clientErrorMessage(err, request.headers['content-type'], opts.bodyLimitBytes);
    if (status === 500) opts.log.error({ err, path: request.url }, 'unexpected error');
    else opts.log.warn({ status, problem: err.message, path: request.url }, 'bad request');
    void reply.code(status).send({ message });
  });
  app.setNotFoundHandler((request, reply) => {
    opts.log.warn({ path: request.url, method: request.method }, 'unknown route');
    void reply
      .code(404)
      .send({ message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` });
  });

  // A connection storm (the API server's client opens a new connection whenever all are busy)
  // is shed before TLS: each TLS connection holds ~150 KB, and thousands of handshakes starve
  // the reviews already accepted. Node closes connections over the cap as they arrive.
  // Idle connections do not get to keep the slots: at the cap, the longest-idle one is closed
  // so that the next arrival is served (connection-room.ts).
  if (opts.shedding !== undefined && opts.shedding.maxConnections > 0) {
    app.server.maxConnections = opts.shedding.maxConnections;
    const room = new ConnectionRoom({
      maxConnections: opts.shedding.maxConnections,
      ...(opts.countConnectionEvicted === undefined
        ? {}
        : { onEvicted: opts.countConnectionEvicted }),
    });
    app.server.on('connection', (socket: Socket) => room.accepted(socket));
    // Node emits 'drop' for each connection it closes at the cap.
    const countRefused = opts.countConnectionRefused;
    app.server.on('drop', () => {
      countRefused?.();
      room.refused();
    });
    app.addHook('onRequest', (request, reply, done) => {
      reply.raw.once('close', room.requestStarted(request.raw.socket));
      done();
    });
    app.addHook('onClose', (_app, done) => {
      room.close();
      done();
    });
  }
  const countHttpRefusal = opts.countHttpRefusal;
  if (countHttpRefusal !== undefined)
    app.addHook('onResponse', (_request, reply, done) => {
      if (reply.statusCode >= 400 && reply.statusCode < 500) countHttpRefusal(reply.statusCode);
      done();
    });

  // The admission routes live in their own scope so that load shedding covers them and not
  // the health routes.
  void app.register((admission, _options, registered) => {
    if (opts.shedding !== undefined)
      shedLoadUnderPressure(admission, opts.shedding, opts.log, opts.countShed);
    const route = (url: string, path: ReviewPath): void => {
      admission.post(url, async (request, reply) => {
        const query = request.query as Record<string, unknown> | undefined;
        const outcome = await opts.handler.handle(
          path,
          request.body,
          parseTimeoutQuery(query?.['timeout']),
        );
        return reply.code(outcome.statusCode).send(outcome.body);
      });
    };
    route(admissionPaths.validate, 'validate');
    route(admissionPaths.mutate, 'mutate');
    const deleteHandler = opts.deleteHandler;
    if (deleteHandler !== undefined) {
      admission.post(admissionPaths.validateDelete, async (request, reply) => {
        // Over the limits: a call failure, so delete protection's own failurePolicy (Ignore)
        // decides, as for any review it cannot judge.
        if (request.body instanceof ReviewOverLimits)
          return reply.code(413).send({ message: request.body.message });
        const outcome = await deleteHandler.handle(request.body);
        return reply.code(outcome.statusCode).send(outcome.body);
      });
    }
    registered();
  });

  app.get(healthPaths.live, () => Promise.resolve({ status: 'ok' }));
  app.get(healthPaths.ready, async (_request, reply) => {
    const problems = opts.readiness.problems();
    return reply
      .code(problems.length === 0 ? 200 : 503)
      .send(problems.length === 0 ? { status: 'ready' } : { status: 'not ready', problems });
  });
  return app;
}

/** Fastify's client errors, reworded so the caller learns what to send instead. */
function clientErrorMessage(
  err: FastifyError,
  contentType: string | undefined,
  bodyLimit: number,
): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `content-type ${JSON.stringify(contentType ?? '')} is not supported; send an AdmissionReview as application/json`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit of ${bodyLimit} bytes (--body-limit)`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty; send an AdmissionReview as application/json';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `request body is not valid JSON: ${err.message}`;
    default:
      return err.statusCode === 400 && err instanceof SyntaxError
        ? `request body is not valid JSON: ${err.message}`
        : err.message;
  }
}
