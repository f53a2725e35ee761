// Load shedding for the admission routes. Past its peak a Node server does not slow down
// gracefully: requests queue in memory, every answer gets later, and the API server's 10 s
// timeout turns them all into failures while the heap grows toward the container limit. So
// when the event loop falls behind or the heap nears its budget, new reviews get an immediate
// 503 (a call failure: the API server applies the webhook's failurePolicy) and the reviews
// already accepted finish quickly. Health routes are outside this scope on purpose: a kubelet
// must not restart a pod for being busy.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log.ts';

export interface SheddingOptions {
  /** Event-loop delay over a sample above which reviews are shed; 0 disables. */
  readonly maxEventLoopDelayMs: number;
  /** V8 heap in use above which reviews are shed; 0 disables. */
  readonly maxHeapUsedBytes: number;
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
  readonly type: 'eventLoopDelay' | 'heapUsedBytes';
  readonly value: number;
}

/** What the last sample says, against the limits; undefined when there is no pressure. */
export function pressureOf(
  options: Pick<SheddingOptions, 'maxEventLoopDelayMs' | 'maxHeapUsedBytes'>,
  delayMs: number,
  heapUsedBytes: number,
): Pressure | undefined {
  if (options.maxEventLoopDelayMs > 0 && delayMs > options.maxEventLoopDelayMs)
    return { type: 'eventLoopDelay', value: delayMs };
  if (options.maxHeapUsedBytes > 0 && heapUsedBytes > options.maxHeapUsedBytes)
    return { type: 'heapUsedBytes', value: heapUsedBytes };
  return undefined;
}

/**
 * Sheds the scope's requests while the last sample shows pressure. A request costs one
 * comparison; the sampling (a delay histogram and process.memoryUsage) runs on a timer.
 */
export function shedLoadUnderPressure(
  scope: FastifyInstance,
  options: SheddingOptions,
  log: Logger,
): void {
  if (options.maxEventLoopDelayMs === 0 && options.maxHeapUsedBytes === 0) return;
  const probe = monitorEventLoopDelay({ resolution: probeResolutionMs });
  probe.enable();
  let current: Pressure | undefined;
  let lastSample = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    const delay = sampleDelayMs(probe.count, probe.mean, now - lastSample - sampleIntervalMs);
    lastSample = now;
    probe.reset();
    current = pressureOf(options, delay, process.memoryUsage().heapUsed);
  }, sampleIntervalMs);
  sampler.unref();
  scope.addHook('onClose', (_instance, done) => {
    clearInterval(sampler);
    probe.disable();
    done();
  });

  let lastWarning = 0;
  let shedSinceWarning = 0;
  scope.addHook('onRequest', (_request, reply, done) => {
    const pressure = current;
    if (pressure === undefined) {
      done();
      return;
    }
    shedSinceWarning += 1;
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
