// The admission routes' JSON parser takes a shortcut (plain JSON.parse) only for bodies that
// cannot spell a __proto__ or constructor key. Whatever the body, its outcome must be the one
// Fastify's secure parser gives: the same value, or an error with the same code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyRequest } from 'fastify';
import fc from 'fast-check';
import { couldHidePoisonedKey, reviewJsonParser } from '../../src/server/review-json.ts';

const app = Fastify();
const ours = reviewJsonParser(app);
const secure = app.getDefaultJsonParser('error', 'error');
const request = {} as FastifyRequest;

type Outcome = { ok: true; value: unknown } | { ok: false; code: unknown };
function outcome(parser: typeof ours, body: string): Outcome {
  let result: Outcome | undefined;
  void parser(request, body, (err, value) => {
    result =
      err === null || err === undefined
        ? { ok: true, value }
        : { ok: false, code: (err as { code?: unknown }).code };
  });
  assert.ok(result !== undefined, 'the parser answers synchronously');
  return result;
}

test('poisoned keys are refused however they are spelled, as Fastify refuses them', () => {
  const poisoned = [
    '{"a":1,"__proto__":{"polluted":true}}',
    '{"a":{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}}}',
    '{"\\u005f_proto__":{}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":[{"constructor":{"\\u0070rototype":{}}}]}',
    '{"c\\u006fnstructor":{"prototype":{}}}',
  ];
  for (const body of poisoned) {
    const got = outcome(ours, body);
    assert.equal(got.ok, false, body);
    assert.deepEqual(got, outcome(secure, body), body);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('harmless uses of the words still parse (through the secure parser)', () => {
  const body = '{"headers":{"constructor":"b","x":"__proto__"},"url":"https://h/?a=1\\u0026b=2"}';
  assert.equal(couldHidePoisonedKey(body), true);
  assert.deepEqual(outcome(ours, body), {
    ok: true,
    value: { headers: { constructor: 'b', x: '__proto__' }, url: 'https://h/?a=1&b=2' },
  });
});

test('empty and broken bodies fail with the codes Fastify gives', () => {
  for (const body of ['', '{', '{"a":}', 'nul', '{"a":1}x', '\u0000']) {
    const got = outcome(ours, body);
    assert.equal(got.ok, false, JSON.stringify(body));
    assert.deepEqual(got, outcome(secure, body), JSON.stringify(body));
  }
});

test('property: every body has the outcome the secure parser gives it', () => {
  const keyish = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'uid', '\\u005f');
  const jsonText = fc.oneof(
    fc.json(),
    fc.string(),
    fc
      .tuple(keyish, fc.json(), keyish, fc.json())
      .map(([k1, v1, k2, v2]) => `{"${k1}":{"${k2}":${v2}},"b":${v1}}`),
  );
  fc.assert(
    fc.property(jsonText, (body) => {
      assert.deepEqual(outcome(ours, body), outcome(secure, body));
    }),
    { numRuns: 2000 },
  );
});
