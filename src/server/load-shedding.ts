// Load shedding for the admission routes. Past its peak a Node server does not slow down
// gracefully: requests queue in memory, every answer gets later, and the API server's 10 s
// timeout turns them all into failures. So new reviews get an immediate 503 (a call failure:
// the API server applies the webhook's failurePolicy) on two signals, both of which recover
// the moment the pressure is gone:
//
// - the event loop falls behind (CPU), measured over the last 100 ms sample: then reviews with a
//   large body (over 256 KiB, or of unknown length) are shed, and only they. An ordinary review
//   costs ~0.2 ms and its share of the byte budget (below) already bounds how many can queue
//   (4 MiB / 3 KB ≈ 1,400, well under a second of work), so shedding it for delay refuses it
//   for others' cost: for the large bodies that caused the delay, or for another process
//   taking the core. Measured before this exemption (bench/README.md): during a burst of 5 MiB
//   reviews, 25 % of ordinary reviews got 503 from delay shedding while no large one got in;
// - the request bodies being served would exceed a byte budget (memory): a review is admitted
//   only if its declared size fits beside the bodies already in flight, and its bytes are
//   returned when its answer is sent. Ordinary reviews (up to 256 KiB) have a share of the
//   budget that larger ones cannot use, so under a burst of oversized reviews only those are
//   refused.
//
//   A body counts from its headers on, before it has arrived, so that memory is reserved
//   before it is used. A client that declares bodies and then sends them slowly or not at all
//   (16 connections declaring 256 KiB each took the whole ordinary share, and every ordinary
//   review got 503 until the 10 s request deadline, renewably) is closed when a new review
//   needs the room: a body still arriving --slow-body-grace (250 ms) after its headers (plus
//   time for its size at `slowBodyBytesPerSecond`) is not from the API server, which sends a
//   review at once.
//
// The memory signal used to be the V8 heap in use. That counts garbage not yet collected, and
// an idle server does not collect: after one 4.5 MiB review every review was refused for
// ~105 s, long after the request had gone. What a review costs in memory is bounded by its
// size (review-limits.ts caps what a body may expand into), so the budget is on bytes.
//
// Health routes are outside this scope on purpose: a kubelet must not restart a pod for being
// busy.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { constants as http2Constants, type Http2ServerRequest } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.ts';
import { arrivingBodies, type BodyProgress } from './arriving-bodies.ts';

export interface SheddingOptions {
  /** Event-loop delay over a sample above which reviews are shed; 0 disables. */
  readonly maxEventLoopDelayMs: number;
  /** Request bytes of the reviews being served together, beyond which new ones are shed; 0 disables. */
  readonly maxBytesInFlight: number;
  /** A body still arriving this long after its headers may be closed to make room; 0: never. */
  readonly slowBodyGraceMs: number;
  /** What a body without Content-Length counts as (the body limit: it may be that large). */
  readonly bodyLimitBytes: number;
  /** Open connections beyond which new ones are closed before the TLS handshake; 0: no cap. */
  readonly maxConnections: number;
}

/** How often pressure is sampled: short, so shedding starts and stops within a fraction of a second. */
export const sampleIntervalMs = 100;
/** The event-loop delay probe's period; its own period is not delay. */
const probeResolutionMs = 10;
/** One warning per this period while shedding, not one per refused review. */
const warnEveryMs = 5_000;

/**
 * The event-loop delay of one sample: the mean lateness of the 10 ms probe, or, when the probe
 * never ran in the sample (one stall covered it), how late the sampler itself ran. Both are
 * what a review waiting in the queue experienced. @fastify/under-pressure, which we used
 * before, counts a sample without probe readings as an infinite delay, so a single GC pause
 * or start-up stall of ~100 ms shed reviews (a failed `kubectl apply` under failurePolicy
 * Fail) however high the limit was set.
 */
export function sampleDelayMs(
  probeCount: number,
  probeMeanNs: number,
  samplerLatenessMs: number,
): number {
  const probe =
    probeCount > 0 && Number.isFinite(probeMeanNs)
      ? Math.max(0, probeMeanNs / 1e6 - probeResolutionMs)
      : 0;
  return Math.max(probe, Math.max(0, samplerLatenessMs));
}

export interface Pressure {
  readonly type: 'eventLoopDelay' | 'bytesInFlight';
  readonly value: number;
}

/** What the last sample says, against the limit; undefined when there is no pressure. */
export function pressureOf(
  options: Pick<SheddingOptions, 'maxEventLoopDelayMs'>,
  delayMs: number,
): Pressure | undefined {
  if (options.maxEventLoopDelayMs > 0 && delayMs > options.maxEventLoopDelayMs)
    return { type: 'eventLoopDelay', value: delayMs };
  return undefined;
}

/**
 * The bytes a request may bring: its Content-Length, or the body limit when it has none (a
 * chunked body may be that large; the API server always sends a length).
 */
export function declaredBodyBytes(contentLength: string | undefined, bodyLimit: number): number {
  if (contentLength === undefined || !/^\d{1,15}$/.test(contentLength)) return bodyLimit;
  return Math.min(Number(contentLength), bodyLimit);
}

/**
 * Bodies up to this size are ordinary reviews: a real MCPServerEntry review, even an UPDATE
 * carrying managedFields and a last-applied annotation twice, is tens of KB.
 */
export const ordinaryBodyBytes = 256 * 1024;

/**
 * The byte budget: `admit` says whether `bytes` more fit beside those in flight and, if so,
 * counts them until `release`. Plain counters, so it recovers at once: the budget is free
 * again the moment the last oversized answer is sent. Ordinary bodies have a quarter of the
 * budget to themselves and larger ones the rest, so oversized reviews, however many, never
 * take the room ordinary ones need: a burst of them refuses only them.
 */
export class BytesInFlight {
  private ordinary = 0;
  private large = 0;
  private readonly maxOrdinary: number;
  private readonly maxLarge: number;
  constructor(max: number) {
    this.maxOrdinary = Math.floor(max / 4);
    this.maxLarge = max - this.maxOrdinary;
  }
  get bytes(): number {
    return this.ordinary + this.large;
  }
  admit(bytes: number): boolean {
    if (this.maxLarge === 0) return true;
    if (bytes <= ordinaryBodyBytes) {
      if (this.ordinary + bytes > this.maxOrdinary) return false;
      this.ordinary += bytes;
    } else {
      if (this.large + bytes > this.maxLarge) return false;
      this.large += bytes;
    }
    return true;
  }
  release(bytes: number): void {
    if (this.maxLarge === 0) return;
    if (bytes <= ordinaryBodyBytes) this.ordinary = Math.max(0, this.ordinary - bytes);
    else this.large = Math.max(0, this.large - bytes);
  }
}

/** Time a body gets for its size, on top of the grace: 7 MiB gets another ~0.9 s. */
export const slowBodyBytesPerSecond = 8 * 1024 * 1024;

/** An admitted request whose body may still be arriving. */
export interface AdmittedBody {
  readonly bytes: number;
  readonly startedMs: number;
  readonly progress: BodyProgress;
  /** Give its bytes back to the budget (once). */
  readonly release: () => void;
  /** Close its connection or stream. */
  readonly close: () => void;
}

/**
 * The bodies of `admitted` in the same share as a new body of `bytes` that are still arriving
 * past their deadline: closing them makes room that slow clients were holding.
 */
export function slowBodies(
  admitted: Iterable<AdmittedBody>,
  bytes: number,
  nowMs: number,
  graceMs: number,
): AdmittedBody[] {
  if (graceMs === 0) return [];
  const ordinary = bytes <= ordinaryBodyBytes;
  const slow: AdmittedBody[] = [];
  for (const body of admitted) {
    if (body.progress.complete || body.bytes <= ordinaryBodyBytes !== ordinary) continue;
    const deadline = graceMs + (body.bytes / slowBodyBytesPerSecond) * 1000;
    if (nowMs - body.startedMs > deadline) slow.push(body);
  }
  return slow;
}

function closeRequest(raw: IncomingMessage | Http2ServerRequest): void {
  if ('stream' in raw) raw.stream.close(http2Constants.NGHTTP2_CANCEL);
  else raw.socket.destroy();
}

/**
 * Sheds the scope's requests while the last sample shows pressure or their bytes do not fit
 * the budget. A request costs two comparisons; the delay sampling runs on a timer.
 */
export function shedLoadUnderPressure(
  scope: FastifyInstance,
  options: SheddingOptions,
  log: Logger,
  countShed: (pressure: Pressure['type']) => void = () => undefined,
): void {
  if (options.maxEventLoopDelayMs === 0 && options.maxBytesInFlight === 0) return;
  let current: Pressure | undefined;
  if (options.maxEventLoopDelayMs > 0) {
    const probe = monitorEventLoopDelay({ resolution: probeResolutionMs });
    probe.enable();
    let lastSample = performance.now();
    const sampler = setInterval(() => {
      const now = performance.now();
      const delay = sampleDelayMs(probe.count, probe.mean, now - lastSample - sampleIntervalMs);
      lastSample = now;
      probe.reset();
      current = pressureOf(options, delay);
    }, sampleIntervalMs);
    sampler.unref();
    scope.addHook('onClose', (_instance, done) => {
      clearInterval(sampler);
      probe.disable();
      done();
    });
  }
  const inFlight = new BytesInFlight(options.maxBytesInFlight);
  const admitted = new Set<AdmittedBody>();
  let slowClosed = 0;
  let lastSlowWarning = Number.NEGATIVE_INFINITY;
  /** Room for `bytes`, closing slow bodies of its share if that is what it takes. */
  const admit = (bytes: number): boolean => {
    if (inFlight.admit(bytes)) return true;
    const now = performance.now();
    const slow = slowBodies(admitted, bytes, now, options.slowBodyGraceMs);
    if (slow.length === 0) return false;
    for (const body of slow) {
      body.release();
      body.close();
    }
    slowClosed += slow.length;
    if (now - lastSlowWarning >= warnEveryMs) {
      log.warn(
        { closed: slowClosed },
        'closed connections whose request bodies arrived too slowly, to make room for new reviews',
      );
      lastSlowWarning = now;
      slowClosed = 0;
    }
    return inFlight.admit(bytes);
  };

  let lastWarning = 0;
  let shedSinceWarning = 0;
  scope.addHook('onRequest', (request, reply, done) => {
    const bytes = declaredBodyBytes(request.headers['content-length'], options.bodyLimitBytes);
    let pressure = bytes > ordinaryBodyBytes ? current : undefined;
    if (pressure === undefined) {
      if (admit(bytes)) {
        const progress: BodyProgress = { received: 0, complete: false };
        arrivingBodies.set(request.raw, progress);
        let released = false;
        const body: AdmittedBody = {
          bytes,
          startedMs: performance.now(),
          progress,
          release: () => {
            if (released) return;
            released = true;
            admitted.delete(body);
            inFlight.release(bytes);
          },
          close: () => closeRequest(request.raw),
        };
        admitted.add(body);
        // 'close' comes once per response: after it is sent, or when the client went away.
        reply.raw.once('close', body.release);
        done();
        return;
      }
      pressure = { type: 'bytesInFlight', value: inFlight.bytes + bytes };
    }
    shedSinceWarning += 1;
    countShed(pressure.type);
    const now = Date.now();
    if (now - lastWarning >= warnEveryMs) {
      log.warn(
        { pressure: pressure.type, value: Math.round(pressure.value), shed: shedSinceWarning },
        'overloaded: answering new reviews with 503 until pressure drops',
      );
      lastWarning = now;
      shedSinceWarning = 0;
    }
    void reply
      .code(503)
      .header('retry-after', '1')
      .send({
        message: `webhook overloaded (${pressure.type}); the API server applies failurePolicy`,
      });
  });
}
