// Structured logs (pino). The review path never logs header values or Secret content in the
// first place; redaction is the second line of defence for anything that slips into a log call.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const redactedPaths = [
  'object',
  'oldObject',
  'request.object',
  'request.oldObject',
  '*.addPlaintextHeaders',
  '*.data',
  '*.stringData',
  '*.binaryData',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
];

/** A path's segments; `*` stands for any key at that level (as in pino's redact paths). */
const compiledPaths: readonly (readonly string[])[] = redactedPaths.map((p) => p.split('.'));
const censor = '[redacted]';

/** A copy with the same prototype and every own property, so an Error stays an Error. */
function shallowCopy(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return value.slice() as unknown as Record<string, unknown>;
  const copy = Object.create(
    Object.getPrototypeOf(value) as object | null,
    Object.getOwnPropertyDescriptors(value),
  ) as Record<string, unknown>;
  // V8 keeps an Error's stack behind an accessor bound to the original object.
  if (value instanceof Error)
    Object.defineProperty(copy, 'stack', { value: value.stack, enumerable: false });
  return copy;
}

function redactPath(value: unknown, path: readonly string[], depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const segment = path[depth]!;
  const last = depth === path.length - 1;
  let copy: Record<string, unknown> | undefined;
  const visit = (key: string): void => {
    const child = record[key];
    const next = last ? censor : redactPath(child, path, depth + 1);
    if (next === child) return;
    copy ??= shallowCopy(record);
    copy[key] = next;
  };
  if (segment === '*') {
    for (const key of Object.keys(record)) visit(key);
  } else if (Object.hasOwn(record, segment)) {
    visit(segment);
  }
  return copy ?? value;
}

/**
 * `redactedPaths` applied to one log object, copying only what changes. pino's own `redact`
 * does the same job but re-parses every path for every top-level key of every line (a
 * wildcard path makes it visit all of them): about half the cost of a review's log line.
 */
export function redactLogObject<T extends object>(obj: T): T {
  let out: unknown = obj;
  for (const path of compiledPaths) out = redactPath(out, path, 0);
  return out as T;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'mcpentry-webhook' },
    // Every line's object passes through the redaction (child bindings: see below). Objects
    // interpolated into a message with %o/%j are not redacted: we never log that way.
    formatters: { log: (obj: Record<string, unknown>) => redactLogObject(obj) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // An asynchronous destination keeps log writes off the review's latency path.
  const logger =
    destination === undefined
      ? pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096 }))
      : pino(options, destination);
  // pino applies a bindings formatter to the root only, so children (ours, and Fastify's
  // per-request loggers) redact their bindings here; grandchildren inherit this method.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each child's own `this`
  const pinoChild = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return pinoChild.call(this, redactLogObject(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
