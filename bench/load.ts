// The load generator, run as its own process (pinned to the other core) so it never competes
// with the server for the same event loop:
//   node bench/load.ts '{"protocol":"h1","url":"https://127.0.0.1:8443/validate",...}'
// HTTP/1.1 load is autocannon (keep-alive, one request in flight per connection). autocannon
// has no HTTP/2, so HTTP/2 load is a small node:http2 client: one session, as Go's transport
// multiplexes a host's requests over one connection, with `concurrency` streams in flight.
// Latency is recorded per response in microseconds (autocannon's own histogram keeps whole
// milliseconds, too coarse at these latencies). Prints one JSON line: a LoadResult.
import { readFileSync } from 'node:fs';
import { connect as http2Connect, constants as h2 } from 'node:http2';
import autocannon from 'autocannon';

export interface LoadSpec {
  readonly protocol: 'h1' | 'h2';
  /** Full URL of the review endpoint. */
  readonly url: string;
  readonly caFile: string;
  readonly bodyFile: string;
  readonly concurrency: number;
  readonly durationSeconds: number;
  /** Load applied first and not recorded, so JIT warm-up does not count. */
  readonly warmupSeconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Non-200 answers plus transport errors: must be 0 for a run to count. */
  readonly failures: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** Collects latencies without growing a JS array per sample. */
class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;
  failures = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  result(seconds: number): LoadResult {
    const sorted = this.samples.slice(0, this.count).sort();
    return {
      requests: this.count,
      seconds,
      requestsPerSecond: this.count / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      p999Ms: percentile(sorted, 99.9),
      failures: this.failures,
    };
  }
}

async function runH1(
  spec: LoadSpec,
  body: Buffer,
  ca: string,
  seconds: number,
  rec?: LatencyRecorder,
): Promise<void> {
  const instance = autocannon({
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: spec.concurrency,
    pipelining: 1,
    duration: seconds,
    // autocannon connects with rejectUnauthorized: false whatever we pass; the CA is given for
    // completeness, and the smoke mode checks the certificate properly.
    tlsOptions: { ca, ALPNProtocols: ['http/1.1'] },
  });
  if (rec !== undefined) {
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      if (statusCode === 200) rec.add(ms);
      else rec.failures += 1;
    });
    instance.on('reqError', () => (rec.failures += 1));
  }
  await instance;
}

function runH2(
  spec: LoadSpec,
  body: Buffer,
  ca: string,
  seconds: number,
  rec?: LatencyRecorder,
): Promise<void> {
  const u = new URL(spec.url);
  return new Promise((resolve, reject) => {
    const session = http2Connect(u.origin, { ca, servername: 'localhost' });
    session.on('error', reject);
    const endAt = performance.now() + seconds * 1000;
    let inFlight = 0;
    const headers = {
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: u.pathname + u.search,
      [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/json',
      [h2.HTTP2_HEADER_CONTENT_LENGTH]: String(body.length),
    };
    const finish = (): void => {
      if (inFlight === 0) session.close(() => resolve());
    };
    const send = (): void => {
      if (performance.now() >= endAt) return finish();
      inFlight += 1;
      const started = performance.now();
      const stream = session.request(headers);
      let status = 0;
      stream.on('response', (h) => (status = Number(h[h2.HTTP2_HEADER_STATUS])));
      stream.on('data', () => undefined);
      stream.on('end', () => {
        inFlight -= 1;
        if (rec !== undefined) {
          if (status === 200) rec.add(performance.now() - started);
          else rec.failures += 1;
        }
        send();
      });
      stream.on('error', () => {
        inFlight -= 1;
        if (rec !== undefined) rec.failures += 1;
        send();
      });
      stream.end(body);
    };
    for (let i = 0; i < spec.concurrency; i++) send();
  });
}

export async function applyLoad(spec: LoadSpec): Promise<LoadResult> {
  const body = readFileSync(spec.bodyFile);
  const ca = readFileSync(spec.caFile, 'utf8');
  const run = spec.protocol === 'h1' ? runH1 : runH2;
  if (spec.warmupSeconds > 0) await run(spec, body, ca, spec.warmupSeconds);
  const rec = new LatencyRecorder();
  const started = performance.now();
  await run(spec, body, ca, spec.durationSeconds, rec);
  return rec.result((performance.now() - started) / 1000);
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const result = await applyLoad(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
