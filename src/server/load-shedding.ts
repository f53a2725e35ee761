// Load shedding for the admission routes. Past its peak a Node server does not slow down
// gracefully: requests queue in memory, every answer gets later, and the API server's 10 s
// timeout turns them all into failures while the heap grows toward the container limit. So
// when the event loop falls behind or the heap nears its budget, new reviews get an immediate
// 503 (a call failure: the API server applies the webhook's failurePolicy) and the reviews
// already accepted finish quickly. Health routes are outside this scope on purpose: a kubelet
// must not restart a pod for being busy.
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../log.ts';

export interface SheddingOptions {
  /** Mean event-loop delay over a sample above which reviews are shed; 0 disables. */
  readonly maxEventLoopDelayMs: number;
  /** V8 heap in use above which reviews are shed; 0 disables. */
  readonly maxHeapUsedBytes: number;
  /** Open connections beyond which new ones are closed before the TLS handshake; 0: no cap. */
  readonly maxConnections: number;
}

/** How often pressure is sampled: short, so shedding starts and stops within a fraction of a second. */
const sampleIntervalMs = 100;
/** One warning per this period while shedding, not one per refused review. */
const warnEveryMs = 5_000;

export async function shedLoadUnderPressure(
  scope: FastifyInstance,
  options: SheddingOptions,
  log: Logger,
): Promise<void> {
  if (options.maxEventLoopDelayMs === 0 && options.maxHeapUsedBytes === 0) return;
  let lastWarning = 0;
  let shedSinceWarning = 0;
  const shed = (_request: unknown, reply: FastifyReply, type: string, value: unknown) => {
    shedSinceWarning += 1;
    const now = Date.now();
    if (now - lastWarning >= warnEveryMs) {
      log.warn(
        { pressure: type, value: Math.round(Number(value)), shed: shedSinceWarning },
        'overloaded: answering new reviews with 503 until pressure drops',
      );
      lastWarning = now;
      shedSinceWarning = 0;
    }
    void reply.code(503).header('retry-after', '1');
    return { message: `webhook overloaded (${type}); the API server applies failurePolicy` };
  };
  await scope.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    sampleInterval: sampleIntervalMs,
    // A returned value is sent as the answer and the route never runs (handlePressure in the
    // plugin). Its typings say void; without a return value it would also run the route, and
    // its default 503 error would reach our error handler, which answers 500.
    pressureHandler: shed as unknown as PressureHandler,
  });
}

type PressureHandler = NonNullable<FastifyUnderPressureOptions['pressureHandler']>;
