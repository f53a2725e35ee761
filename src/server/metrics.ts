// Prometheus metrics on their own plain-HTTP listener, so scraping never competes with the
// TLS admission port and never needs the serving certificate. Labels are bounded enums only:
// no names, namespaces or values, so nothing user-supplied reaches a label.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsPath } from './routes-paths.ts';
import type { ReviewEvent } from './review-handler.ts';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(e: ReviewEvent): void {
    // Versions come from the request: keep the label set bounded against hostile input.
    const version = /^v\d+(alpha|beta)?\d*$/.test(e.version) ? e.version : 'other';
    const operation = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].includes(e.operation)
      ? e.operation
      : 'other';
    this.reviews.inc({ path: e.path, operation, version, decision: e.decision });
    this.latency.observe({ path: e.path }, e.seconds);
  }

  listen(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== metricsPath) {
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
