// The JSON body reader for the admission routes. It replaces Fastify's for two reasons:
//
// - Limits while the body arrives: each chunk goes through the resumable review-limit scan
//   (review-limits.ts) as it is received. A review that breaks a limit is answered at once,
//   while the rest of its body is still on the wire; that rest is read only to be discarded
//   (TLS decryption is unavoidable per byte received; buffering, decoding, parsing are not). So
//   the work one pathological review costs is bounded by the limits, not by its size: a 5 MiB
//   review of 400,000 keys is refused after ~130 KB, and its remaining bytes cost only TLS.
//   The connection stays open so the refusal (a denial with the review's uid) reaches the API
//   server whole; a Go client reads an answer that arrives before it has finished sending.
//   A body declared larger than --body-limit is refused before a byte of it is read.
// - Keys are data: `__proto__` and `constructor` are valid HTTP header names (RFC 9110 tokens)
//   and valid JSON keys. Fastify's parser (secure-json-parse) refused any body holding them
//   with a 400 "not valid JSON", which kubectl shows as an opaque error and which, under
//   failurePolicy Ignore, skips every check. JSON.parse itself never touches a prototype: it
//   defines `__proto__` as an own property like any other key. Code that reads the result must
//   then never copy such keys with assignment (`out[key] = v` on a plain object would set its
//   prototype); the rules read with Object.hasOwn / Object.keys and copy with spread or
//   defineProperty, and test/security tests that no prototype changes.
import type { IncomingMessage } from 'node:http';
import { constants as http2Constants, type Http2ServerRequest } from 'node:http2';
import { errorCodes, type FastifyInstance } from 'fastify';
import { ReviewLimitScan } from '../admission/review-limits.ts';
import { arrivingBodies } from './arriving-bodies.ts';

function parseJson(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  // Never V8's message: it quotes the text around the error, which may be a secret.
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
}

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Read one body: scan each chunk against the review limits and keep it; at the end decode
 * once and parse. Ends early (and drains the rest unread) on a broken limit or --body-limit.
 */
export function readReviewBody(
  payload: IncomingMessage | Http2ServerRequest,
  bodyLimit: number,
  done: Done,
): void {
  const declared = payload.headers['content-length'];
  const contentLength = declared === undefined ? Number.NaN : Number(declared);
  if (contentLength > bodyLimit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  const scan = new ReviewLimitScan();
  const chunks: Buffer[] = [];
  let received = 0;
  const progress = arrivingBodies.get(payload);
  const stop = (): void => {
    if (progress !== undefined) progress.complete = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
    // Flowing with no listener: what still arrives is discarded as it is read.
    payload.on('error', () => undefined);
    payload.resume();
  };
  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (progress !== undefined) progress.received = received;
    if (received > bodyLimit) {
      stop();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    const over = scan.push(chunk);
    if (over !== undefined) {
      chunks.length = 0;
      stop();
      if ('stream' in payload) stopStreamAfterAnswer(payload);
      done(null, over);
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(): void {
    stop();
    if (!Number.isNaN(contentLength) && received !== contentLength) {
      done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    const text =
      chunks.length === 1
        ? chunks[0]!.toString('utf8')
        : Buffer.concat(chunks, received).toString('utf8');
    chunks.length = 0;
    try {
      done(null, parseJson(text));
    } catch (err) {
      done(err as Error);
    }
  }
  function onError(err: Error & { statusCode?: number }): void {
    stop();
    if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
    done(err);
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}

/**
 * HTTP/2 has a way to say "stop sending, I have answered" (RFC 9113 section 8.1): RST_STREAM
 * with NO_ERROR after the whole answer. Without it the stream stays half open until the client
 * finishes or the 10 s stream deadline, and its bytes stay counted in the byte budget.
 */
function stopStreamAfterAnswer(request: Http2ServerRequest): void {
  const stream = request.stream;
  stream.once('finish', () => {
    if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_NO_ERROR);
  });
}

/** Install the reader for application/json on `scope` (bodies up to `bodyLimit` bytes). */
export function parseReviewBodies(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', (_request, payload, done) =>
    readReviewBody(payload, bodyLimit, done),
  );
}
