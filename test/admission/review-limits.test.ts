// The review limits, measured on the request text before it is parsed: each limit, in each
// part of a review, at and one past its bound; the uid read for the refusal; and text the scan
// must not misread (escaped quotes, structural characters inside strings).
import { renderFieldPath } from '../../src/render/messages.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  reviewLimits,
  reviewOverLimits,
  ReviewOverLimits,
} from '../../src/admission/review-limits.ts';

type Json = Record<string, unknown>;

function reviewText(object: unknown, oldObject: unknown = null, extra: Json = {}): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'the-uid', operation: 'UPDATE', object, oldObject, ...extra },
  });
}

/** An object counted as `values` values: itself, its labels map, and one per label after the first. */
function objectWithValues(values: number): Json {
  const labels: Record<string, string> = {};
  for (let i = 0; i < values - 1; i++) labels[`l${i}`] = 'v';
  return { labels };
}

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const over = (text: string): ReviewOverLimits => {
  const result = reviewOverLimits(text);
  assert.ok(result instanceof ReviewOverLimits, 'over the limits');
  return result;
};

describe('values (fields and list items) per object', () => {
  for (const part of ['object', 'oldObject'] as const) {
    test(`request.${part}: ${reviewLimits.valuesPerObject} pass, one more is too many`, () => {
      const at = objectWithValues(reviewLimits.valuesPerObject);
      const past = objectWithValues(reviewLimits.valuesPerObject + 1);
      const text = (o: Json): string => (part === 'object' ? reviewText(o) : reviewText({}, o));
      assert.equal(reviewOverLimits(text(at)), undefined);
      const refused = over(text(past));
      assert.equal(renderFieldPath(refused.finding.path), `request.${part}`);
      assert.equal(refused.finding.type, 'TooMany');
      assert.equal(refused.finding.rule, 'request.limits');
      assert.equal(refused.uid, 'the-uid');
    });
  }

  test('each object has its own count: two objects at the limit pass together', () => {
    const at = objectWithValues(reviewLimits.valuesPerObject);
    assert.equal(reviewOverLimits(reviewText(at, at)), undefined);
  });

  test('the rest of the review (userInfo groups) has a limit of its own', () => {
    const groups = Array.from({ length: reviewLimits.valuesOutsideObjects }, (_, i) => `g${i}`);
    const refused = over(reviewText({}, null, { userInfo: { groups } }));
    assert.equal(renderFieldPath(refused.finding.path), '');
    assert.match(refused.message, /^Too many: must have at most 10000 values/);
  });

  test('commas and brackets inside strings are not values', () => {
    const text = JSON.stringify('[{,}],'.repeat(20_000));
    assert.equal(reviewOverLimits(reviewText({ note: JSON.parse(text) as string })), undefined);
  });
});

describe('nesting per object', () => {
  test(`${reviewLimits.depthPerObject} levels pass (the object is level 1), one more does not`, () => {
    // The object itself is level 1, so `levels` nested values make `levels` levels.
    assert.equal(reviewOverLimits(reviewText(nested(reviewLimits.depthPerObject))), undefined);
    const refused = over(reviewText(nested(reviewLimits.depthPerObject + 1)));
    assert.equal(renderFieldPath(refused.finding.path), 'request.object');
    assert.equal(refused.finding.type, 'Forbidden');
    assert.match(refused.message, /nests deeper than 100 levels/);
  });

  test('10,000 levels of lists are refused after 100 of them, whatever follows', () => {
    const text = reviewText('__deep__').replace('"__deep__"', '['.repeat(10_000));
    assert.equal(renderFieldPath(over(text).finding.path), 'request.object');
  });
});

describe('string length', () => {
  test(`a string of ${reviewLimits.stringLength} characters passes, one more is too long`, () => {
    const at = 'x'.repeat(reviewLimits.stringLength);
    assert.equal(reviewOverLimits(reviewText({ a: at })), undefined);
    const refused = over(reviewText({ a: `${at}x` }));
    assert.equal(refused.finding.type, 'TooLong');
    assert.equal(renderFieldPath(refused.finding.path), 'request.object');
  });

  test('keys count too', () => {
    const key = 'k'.repeat(reviewLimits.stringLength + 1);
    assert.equal(over(reviewText({ [key]: 1 })).finding.type, 'TooLong');
  });

  test('escaped quotes and backslashes do not end a string early or late', () => {
    // `\"` inside, then `\\` just before the closing quote.
    const tricky = `a\\"b${'"'.repeat(1000)}\\`;
    assert.equal(reviewOverLimits(reviewText({ a: tricky, b: 'c' })), undefined);
    const long = `${'\\"'.repeat(reviewLimits.stringLength)}`;
    assert.equal(over(reviewText({ a: long })).finding.type, 'TooLong');
  });
});

describe('the uid of a refused review', () => {
  const past = objectWithValues(reviewLimits.valuesPerObject + 1);

  test('the last uid before the limit broke is used, as a Go decoder keeps the last', () => {
    const text = reviewText(past).replace('"uid":"the-uid"', '"uid":"first","uid":"second"');
    assert.equal(over(text).uid, 'second');
  });

  test('a uid written with escapes is decoded', () => {
    const text = reviewText(past).replace('"uid":"the-uid"', '"uid":"a\\u0062c"');
    assert.equal(over(text).uid, 'abc');
  });

  test('no uid, a uid that is not a string, or one after the object: none is used', () => {
    for (const text of [
      reviewText(past).replace('"uid":"the-uid",', ''),
      reviewText(past).replace('"uid":"the-uid"', '"uid":7'),
      reviewText(past).replace('"uid":"the-uid"', '"uid":""'),
    ])
      assert.equal(over(text).uid, undefined, text.slice(0, 80));
    const after = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { object: past, uid: 'late' },
    });
    assert.equal(over(after).uid, undefined);
  });

  test('a uid key elsewhere (metadata.uid, the envelope) is not the request uid', () => {
    const text = JSON.stringify({
      uid: 'envelope',
      request: { object: { metadata: { uid: 'meta' }, ...past } },
    });
    assert.equal(over(text).uid, undefined);
  });
});

test('what a real review looks like passes, and JSON.parse agrees with the scan on its shape', () => {
  const text = reviewText(
    { metadata: { name: 'x', labels: { a: 'b' } }, spec: { remoteUrl: 'https://x/"y"' } },
    null,
    { userInfo: { username: 'u', groups: ['a', 'b'] } },
  );
  assert.equal(reviewOverLimits(text), undefined);
  assert.equal(reviewOverLimits(` \n${text}\n `), undefined);
});
