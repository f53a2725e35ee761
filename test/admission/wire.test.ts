// The AdmissionReview wire contract (admission-contract.md, items marked U): what we accept
// from the API server and what every answer must look like for it to be accepted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAdmissionReview } from '../../src/admission/decode.ts';
import {
  buildMutationResponse,
  buildValidationResponse,
  sanitizeWarnings,
} from '../../src/admission/respond.ts';
import { fieldPath } from '../../src/model/field-path.ts';
import { finding, type Finding } from '../../src/model/findings.ts';
import { entry, review, type Json } from '../support/reviews.ts';

const ctx = { uid: 'abc', kind: 'MCPServerEntry', group: 'toolhive.stacklok.dev', name: 'weather' };
/** A warning whose rendered message is `message` (a note: the detail alone). */
const warning = (message: string, field = 'remoteUrl'): Finding =>
  finding.note(fieldPath('spec', field), 'Invalid', message, 'r');

describe('decode (C3)', () => {
  test('CREATE with oldObject null, and a review lacking name, subResource and userInfo.extra', () => {
    const r = review('CREATE', entry());
    delete (r['request'] as Json)['name'];
    const d = decodeAdmissionReview(r);
    assert.ok(d.ok);
    assert.equal(d.request.oldObject, null);
    assert.equal(d.request.name, 'weather', 'falls back to metadata.name');
    assert.equal(d.request.subResource, '');
  });

  test('DELETE by deletecollection: object null, name empty, name taken from oldObject (C4)', () => {
    const r = review('DELETE', null, entry({}, { name: 'old-one' }), { name: '' });
    const d = decodeAdmissionReview(r);
    assert.ok(d.ok);
    assert.equal(d.request.object, null);
    assert.equal(d.request.name, 'old-one');
  });

  const bad: [string, unknown, RegExp][] = [
    ['array body', [], /JSON object/],
    [
      'v1beta1 review',
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} },
      /admission\.k8s\.io\/v1/,
    ],
    [
      'missing uid',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} },
      /uid/,
    ],
    [
      'huge uid',
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'x'.repeat(500) },
      },
      /uid/,
    ],
    ['bad operation', review('CREATE', entry(), null, { operation: 'PATCH' }), /operation/],
    ['object not an object', review('CREATE', entry(), null, { object: 'text' }), /object/],
    ['kind mismatch', review('CREATE', { ...entry(), kind: 'MCPGroup' }), /request.kind says/],
    [
      'version mismatch',
      review('CREATE', entry(), null, {
        object: { ...entry(), apiVersion: 'toolhive.stacklok.dev/v1alpha1' },
      }),
      /request.kind says/,
    ],
    ['dryRun not boolean', review('CREATE', entry(), null, { dryRun: 'yes' }), /dryRun/],
  ];
  for (const [name, body, message] of bad) {
    test(`refused: ${name}`, () => {
      const d = decodeAdmissionReview(body);
      assert.equal(d.ok, false);
      if (!d.ok) assert.match(d.message, message);
    });
  }
});

describe('responses (C9, C11, C12)', () => {
  test('allowed validation answer: envelope, uid, no patch fields', () => {
    const r = buildValidationResponse(ctx, { allowed: true, denials: [], warnings: [], patch: [] });
    assert.equal(r.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.kind, 'AdmissionReview');
    assert.equal(r.response.uid, 'abc');
    assert.ok(!('patch' in r.response) && !('patchType' in r.response));
  });

  test('even a verdict carrying a patch never puts it on the validating answer', () => {
    const r = buildValidationResponse(ctx, {
      allowed: true,
      denials: [],
      warnings: [],
      patch: [{ op: 'add', path: '/x', value: 1 }],
    });
    assert.ok(!('patch' in r.response));
  });

  test('mutation answer: patch and patchType together, padded standard base64; neither when empty', () => {
    const ops = [
      { op: 'add' as const, path: '/metadata/labels/app.kubernetes.io~1name', value: 'x?>' },
    ];
    const r = buildMutationResponse('u', ops);
    assert.equal(r.response.patchType, 'JSONPatch');
    assert.match(r.response.patch!, /^[A-Za-z0-9+/]*={0,2}$/);
    assert.equal(r.response.patch!.length % 4, 0);
    assert.deepEqual(JSON.parse(Buffer.from(r.response.patch!, 'base64').toString()), ops);
    const none = buildMutationResponse('u', []);
    assert.ok(!('patch' in none.response) && !('patchType' in none.response));
  });

  test('denial: 403 Forbidden with causes and auditAnnotations keys the API server accepts', () => {
    const r = buildValidationResponse(ctx, {
      allowed: false,
      denials: [
        {
          path: fieldPath('spec', 'transport'),
          type: 'NotSupported',
          badValue: { shown: 'value', value: 'x' },
          detail: '',
          rule: 'schema',
        },
      ],
      warnings: [],
      patch: [],
    });
    assert.equal(r.response.status?.code, 403);
    assert.equal(r.response.status?.reason, 'Forbidden');
    assert.equal(r.response.status?.message, 'spec.transport: Unsupported value: "x"');
    assert.deepEqual(r.response.status?.details?.causes, [
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "x"',
        field: 'spec.transport',
      },
    ]);
    for (const key of Object.keys(r.response.auditAnnotations ?? {})) {
      assert.match(key, /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/);
      assert.ok(key.length <= 63);
    }
  });
});

describe('warnings (C21)', () => {
  test('control characters are made visible, duplicates dropped, each at most 256 runes', () => {
    const out = sanitizeWarnings([
      warning('w1'),
      warning('w1'),
      warning('bad\nnew\u0007line'),
      warning('é'.repeat(400)),
    ]);
    assert.equal(out.length, 3);
    for (const w of out) {
      assert.doesNotMatch(w, /[\u0000-\u001f\u007f]/);
      assert.ok([...w].length <= 256);
    }
    // The renderer's one escape form for every edge: the character's \uXXXX spelling.
    assert.match(out[1]!, /bad\\u000anew\\u0007line/);
  });

  test('the total stays within the API server budget of 4096 runes, saying how many were left out', () => {
    const many = Array.from({ length: 100 }, (_, i) => warning(`${i} ${'x'.repeat(100)}`));
    const out = sanitizeWarnings(many);
    assert.ok(out.reduce((n, w) => n + [...w].length, 0) <= 4096);
    assert.match(out.at(-1)!, /more warnings omitted/);
  });
});
