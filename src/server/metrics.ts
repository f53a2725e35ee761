// Prometheus metrics on their own plain-HTTP listener, so scraping never competes with the
// TLS admission port and never needs the serving certificate. Labels are bounded enums only:
// no names, namespaces or values, so nothing user-supplied reaches a label.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { healthPaths, metricsPath } from './routes-paths.ts';
import type { ReviewEvent } from './review-handler.ts';
import type { LookupEvent } from '../references/lookup-events.ts';
import { tlsFailureReasons, type TlsFailureReason } from './tls-failures.ts';

/** The 4xx answers the server gives before a review is judged; anything else is `other`. */
const httpRefusalCodes: readonly string[] = ['400', '404', '413', '415', 'other'];

/** Distinct review series remembered (2 paths x 5 operations x 6 decisions x a few versions). */
const maxReviewSeries = 256;

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly reviews = new Counter({
    name: 'mcpentry_webhook_reviews_total',
    help: 'Admission reviews answered, by webhook path, operation, served version and decision.',
    labelNames: ['path', 'operation', 'version', 'decision'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'mcpentry_webhook_review_duration_seconds',
    help: 'Time from a parsed request to its encoded answer.',
    labelNames: ['path'] as const,
    buckets: [
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ],
    registers: [this.registry],
  });
  readonly certificateExpiry = new Gauge({
    name: 'mcpentry_webhook_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the serving certificate in use, as a Unix timestamp.',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'mcpentry_webhook_ready',
    help: '1 when /readyz reports ready (certificate loaded, schemas compiled, caches synced).',
    registers: [this.registry],
  });
  private readonly tlsFailures = new Counter({
    name: 'mcpentry_webhook_tls_handshake_failures_total',
    help: 'Failed TLS handshakes on the admission port, by reason (client-certificate, protocol, timeout, reset, other).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  // What the server refused before judging a review. Labels: the pressure that shed (two
  // values) and the HTTP status (4xx only); both bounded.
  private readonly shed = new Counter({
    name: 'mcpentry_webhook_shed_total',
    help: 'Reviews answered 503 by load shedding, by pressure (eventLoopDelay, bytesInFlight).',
    labelNames: ['pressure'] as const,
    registers: [this.registry],
  });
  private readonly connectionsRefused = new Counter({
    name: 'mcpentry_webhook_connections_refused_total',
    help: 'Connections closed on arrival because --max-connections were already open.',
    registers: [this.registry],
  });
  private readonly connectionsEvicted = new Counter({
    name: 'mcpentry_webhook_connections_evicted_total',
    help: 'Idle connections closed to make room for a new one while --max-connections were open.',
    registers: [this.registry],
  });
  private readonly httpRefusals = new Counter({
    name: 'mcpentry_webhook_http_refusals_total',
    help: 'Requests answered 4xx before any review was judged (400 bad JSON, 404 no route, 413 too large, 415 not JSON), by status code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  // Reference lookups (labels: kind, source, status, failure, resource: all bounded enums).
  private readonly lookupHits = new Counter({
    name: 'mcpentry_webhook_lookup_cache_hits_total',
    help: 'Reference lookups answered from a cache, without an API call.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly lookupMisses = new Counter({
    name: 'mcpentry_webhook_lookup_cache_misses_total',
    help: 'Reference lookups the cache could not answer; each is confirmed by a direct GET.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly lookupReadThrough = new Counter({
    name: 'mcpentry_webhook_lookup_read_through_total',
    help: 'Direct GETs made for lookups, by what the API server answered.',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
  });
  private readonly lookupErrors = new Counter({
    name: 'mcpentry_webhook_lookup_errors_total',
    help: 'Failed API requests of the lookups and caches, by failure class.',
    labelNames: ['kind', 'failure'] as const,
    registers: [this.registry],
  });
  private readonly lookupLatency = new Histogram({
    name: 'mcpentry_webhook_lookup_duration_seconds',
    help: 'Time to answer one reference lookup, by kind and source (cache or api).',
    labelNames: ['kind', 'source'] as const,
    buckets: [
      0.000005, 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    ],
    registers: [this.registry],
  });
  private readonly cacheSynced = new Gauge({
    name: 'mcpentry_webhook_lookup_cache_synced',
    help: '1 once the informer cache of a resource finished its first list.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });
  private readonly cacheRelists = new Counter({
    name: 'mcpentry_webhook_lookup_cache_relists_total',
    help: 'Informer relists, by cause (expired: 410 Gone; error: a failed watch).',
    labelNames: ['resource', 'cause'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Zero series from the start, so an alert on the rate works before the first failure.
    for (const reason of tlsFailureReasons) this.tlsFailures.inc({ reason }, 0);
    for (const pressure of ['eventLoopDelay', 'bytesInFlight']) this.shed.inc({ pressure }, 0);
    for (const code of httpRefusalCodes) this.httpRefusals.inc({ code }, 0);
    this.connectionsRefused.inc(0);
    this.connectionsEvicted.inc(0);
  }

  shedReview(pressure: 'eventLoopDelay' | 'bytesInFlight'): void {
    this.shed.inc({ pressure });
  }

  connectionRefused(): void {
    this.connectionsRefused.inc();
  }

  connectionEvicted(): void {
    this.connectionsEvicted.inc();
  }

  /** A 4xx status; the ones outside the known set count as `other` (labels stay bounded). */
  httpRefusal(statusCode: number): void {
    const code = String(statusCode);
    this.httpRefusals.inc({ code: httpRefusalCodes.includes(code) ? code : 'other' });
  }

  tlsFailure(reason: TlsFailureReason): void {
    this.tlsFailures.inc({ reason });
  }

  /** The observer handed to the cluster lookups. */
  observeLookup(e: LookupEvent): void {
    switch (e.type) {
      case 'lookup':
        if (e.source === 'cache') this.lookupHits.inc({ kind: e.kind });
        else this.lookupReadThrough.inc({ kind: e.kind, status: e.status });
        this.lookupLatency.observe({ kind: e.kind, source: e.source }, e.seconds);
        break;
      case 'cache-miss':
        this.lookupMisses.inc({ kind: e.kind });
        break;
      case 'api-error':
        this.lookupErrors.inc({ kind: e.kind, failure: e.failure });
        break;
      case 'sync':
        this.cacheSynced.set({ resource: e.resource }, e.synced ? 1 : 0);
        break;
      case 'relist':
        this.cacheRelists.inc({ resource: e.resource, cause: e.cause });
        break;
    }
  }

  /**
   * Label children by the event's raw labels, with a bound on how many there are: a hostile
   * client could send endless versions that each look valid, so past `maxReviewSeries` new
   * versions are counted as `other` and nothing more is remembered. (Not a speed measure:
   * measured alone it costs what prom-client's own label hashing does, ~0.6 µs.)
   */
  private readonly reviewSeries = new Map<string, { inc(): void }>();
  private readonly latencySeries = new Map<string, { observe(v: number): void }>();

  observe(e: ReviewEvent): void {
    const key = `${e.path} ${e.operation} ${e.version} ${e.decision}`;
    let series = this.reviewSeries.get(key);
    if (series === undefined) {
      const room = this.reviewSeries.size < maxReviewSeries;
      // Versions come from the request: keep the label set bounded against hostile input.
      const version = room && /^v\d+(alpha|beta)?\d*$/.test(e.version) ? e.version : 'other';
      const operation = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].includes(e.operation)
        ? e.operation
        : 'other';
      series = this.reviews.labels({ path: e.path, operation, version, decision: e.decision });
      if (room) this.reviewSeries.set(key, series);
    }
    series.inc();
    let latency = this.latencySeries.get(e.path);
    if (latency === undefined) {
      latency = this.latency.labels({ path: e.path });
      this.latencySeries.set(e.path, latency);
    }
    latency.observe(e.seconds);
  }

  /**
   * Serves /metrics, and /healthz and /readyz with the same answers as the HTTPS port, so that
   * probes keep working when --client-ca makes the HTTPS port refuse clients without a
   * certificate (the kubelet presents none).
   */
  listen(host: string, port: number, problems: () => string[]): Promise<Server> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && (path === healthPaths.live || path === healthPaths.ready)) {
        const notReady = path === healthPaths.ready ? problems() : [];
        const body =
          notReady.length === 0
            ? { status: path === healthPaths.ready ? 'ready' : 'ok' }
            : { status: 'not ready', problems: notReady };
        res
          .writeHead(notReady.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify(body));
        return;
      }
      if (req.method !== 'GET' || path !== metricsPath) {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
