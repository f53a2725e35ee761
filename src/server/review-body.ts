// The JSON body parser for the admission routes. It replaces Fastify's for two reasons:
//
// - Size before parsing: the text is measured against the review limits (review-limits.ts)
//   first, so a review holding hundreds of thousands of keys costs one scan and no parse; the
//   route answers it with a refusal.
// - Keys are data: `__proto__` and `constructor` are valid HTTP header names (RFC 9110 tokens)
//   and valid JSON keys. Fastify's parser (secure-json-parse) refused any body holding them
//   with a 400 "not valid JSON", which kubectl shows as an opaque error and which, under
//   failurePolicy Ignore, skips every check. JSON.parse itself never touches a prototype: it
//   defines `__proto__` as an own property like any other key. Code that reads the result must
//   then never copy such keys with assignment (`out[key] = v` on a plain object would set its
//   prototype); the rules read with Object.hasOwn / Object.keys and copy with spread or
//   defineProperty, and test/security tests that no prototype changes.
import { errorCodes, type FastifyInstance } from 'fastify';
import { reviewOverLimits } from '../admission/review-limits.ts';

/** Parsed JSON, or the limit the text broke (then it was not parsed). */
export function parseReviewText(text: string): unknown {
  const over = reviewOverLimits(text);
  if (over !== undefined) return over;
  // Never V8's message: it quotes the text around the error, which may be a secret.
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
}

/** Install the parser for application/json on `scope` (bodies up to `bodyLimit` bytes). */
export function parseReviewBodies(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      const text = body as string;
      if (text.length === 0) {
        done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
        return;
      }
      try {
        done(null, parseReviewText(text));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );
}
