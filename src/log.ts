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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'mcpentry-webhook' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // An asynchronous destination keeps log writes off the review's latency path.
  return destination === undefined
    ? pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096 }))
    : pino(options, destination);
}
