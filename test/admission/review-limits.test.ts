// The review limits, measured on the request text before it is parsed: each limit, in each
// part of a review, at and one past its bound; the uid read for the refusal; and text the scan
// must not misread (escaped quotes, structural characters inside strings).
import { renderFieldPath } from '../../src/render/messages.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ReviewLimitScan,
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

describe('fed in chunks, as the server reads a body', () => {
  // The server scans each chunk as it arrives; wherever TCP and TLS cut the body (inside a
  // string, between a backslash and the quote it escapes, inside a multi-byte character, inside
  // the uid), the decision must be the one the whole text gets.
  const decision = (r: ReviewOverLimits | undefined): unknown =>
    r === undefined
      ? undefined
      : { type: r.finding.type, path: renderFieldPath(r.finding.path), uid: r.uid };
  const inChunks = (bytes: Buffer, cuts: number[]): ReviewOverLimits | undefined => {
    const scan = new ReviewLimitScan();
    let from = 0;
    let result: ReviewOverLimits | undefined;
    for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)]) {
      result = scan.push(bytes.subarray(from, Math.max(from, cut)));
      from = Math.max(from, cut);
    }
    return scan.push(bytes.subarray(from)) ?? result;
  };
  const tricky = `é\\"\u2028${'\\'.repeat(7)}"ü€𝄞`;
  const texts = [
    reviewText({ metadata: { name: tricky }, spec: { [tricky]: [tricky, { a: '\\' }] } }),
    reviewText(objectWithValues(reviewLimits.valuesPerObject + 1)),
    reviewText({}, objectWithValues(reviewLimits.valuesPerObject + 1)),
    reviewText(nested(reviewLimits.depthPerObject + 1)),
    reviewText({ a: `${'\\"'.repeat(reviewLimits.stringLength / 2)}x` }),
    reviewText({ a: 'é'.repeat(reviewLimits.stringLength / 2) }),
    reviewText({ a: 'é'.repeat(reviewLimits.stringLength / 2 + 1) }),
    reviewText(objectWithValues(reviewLimits.valuesPerObject + 1)).replace(
      '"uid":"the-uid"',
      `"uid":"${'\\\\'.repeat(20)}\\u0041"`,
    ),
  ].map((t) => Buffer.from(t));

  test('any cuts of hand-made reviews at and over each limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(fc.nat(), { maxLength: 40 }),
        (bytes, cuts) => {
          assert.deepEqual(decision(inChunks(bytes, cuts)), decision(reviewOverLimits(bytes)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('any cuts of generated JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (value, cuts) => {
          const bytes = Buffer.from(reviewText(value, value));
          assert.deepEqual(decision(inChunks(bytes, cuts)), decision(reviewOverLimits(bytes)));
          // Byte by byte too: the smallest chunks a stream can deliver.
          const scan = new ReviewLimitScan();
          let bytewise: ReviewOverLimits | undefined;
          for (let i = 0; i < bytes.length && bytewise === undefined; i++)
            bytewise = scan.push(bytes.subarray(i, i + 1));
          assert.deepEqual(decision(bytewise), decision(reviewOverLimits(bytes)));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a string over the limit is refused before it ends (the server need not wait for it)', () => {
    const scan = new ReviewLimitScan();
    assert.equal(scan.push(Buffer.from('{"request":{"uid":"u","object":{"a":"')), undefined);
    assert.equal(scan.push(Buffer.alloc(reviewLimits.stringLength, 'x')), undefined);
    const refused = scan.push(Buffer.from('x'));
    assert.equal(refused?.finding.type, 'TooLong');
    assert.equal(refused.uid, 'u');
  });
});
