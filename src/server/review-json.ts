// The JSON body parser of the admission routes: Fastify's own (secure-json-parse, which
// refuses `__proto__` keys and `constructor.prototype`) for any body that could spell such a
// key, plain JSON.parse for every other. JSON can only spell "__proto__" or "constructor" as
// a key by writing the word or by escaping its letters with \u, so a body holding neither
// cannot carry one; a review almost never does, and the two regular-expression scans the
// secure parser makes over every body cost more than this check. Anything in doubt, an empty
// body, or text JSON.parse refuses goes to Fastify's parser, so errors stay exactly Fastify's.
import type { FastifyBodyParser, FastifyInstance } from 'fastify';

export function couldHidePoisonedKey(body: string): boolean {
  return body.includes('\\u') || body.includes('__proto__') || body.includes('constructor');
}

export function reviewJsonParser(app: FastifyInstance): FastifyBodyParser<string> {
  const secure = app.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    if (body.length === 0 || couldHidePoisonedKey(body)) {
      void secure(request, body, done);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      void secure(request, body, done);
      return;
    }
    done(null, parsed);
  };
}
