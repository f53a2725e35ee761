// What every answer of the webhook must look like, whatever it was sent: a well-formed
// admission.k8s.io/v1 AdmissionReview that the API server accepts, or a 4xx with a message.
import assert from 'node:assert/strict';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The uid a request carries, when it carries a usable one. */
export function sentUid(body: unknown): string | undefined {
  const request = isRecord(body) ? body['request'] : undefined;
  const uid = isRecord(request) ? request['uid'] : undefined;
  return typeof uid === 'string' ? uid : undefined;
}

/**
 * Asserts the API server could use this answer: a 200 carries an AdmissionReview echoing the
 * uid, a boolean verdict, a 403 status on denial, a decodable JSON Patch only with its type,
 * warnings without control characters; anything else is a 4xx with a message.
 */
export function assertWellFormedAnswer(statusCode: number, body: unknown, sent: unknown): void {
  assert.ok(statusCode === 200 || (statusCode >= 400 && statusCode < 500), `status ${statusCode}`);
  assert.ok(isRecord(body), 'answer is a JSON object');
  if (statusCode !== 200) {
    assert.equal(typeof body['message'], 'string');
    assert.notEqual(body['message'], '');
    return;
  }
  assert.equal(body['apiVersion'], 'admission.k8s.io/v1');
  assert.equal(body['kind'], 'AdmissionReview');
  const response = body['response'];
  assert.ok(isRecord(response), 'response is an object');
  assert.equal(response['uid'], sentUid(sent));
  assert.equal(typeof response['allowed'], 'boolean');
  if (response['allowed'] === false) {
    const status = response['status'] as Json;
    assert.equal(status['code'], 403);
    assert.equal(status['reason'], 'Forbidden');
    assert.equal(typeof status['message'], 'string');
    assert.notEqual(status['message'], '');
    const causes = (status['details'] as Json)['causes'];
    assert.ok(Array.isArray(causes) && causes.length > 0, 'a denial names its causes');
  }
  assert.equal(
    response['patch'] === undefined,
    response['patchType'] === undefined,
    'patch and patchType come together',
  );
  const patch = response['patch'];
  if (patch !== undefined) {
    assert.equal(response['patchType'], 'JSONPatch');
    assert.equal(typeof patch, 'string');
    assert.match(patch as string, /^[A-Za-z0-9+/]+={0,2}$/);
    const ops: unknown = JSON.parse(Buffer.from(patch as string, 'base64').toString('utf8'));
    assert.ok(Array.isArray(ops) && ops.length > 0);
  }
  const warnings = response['warnings'];
  if (warnings !== undefined) {
    assert.ok(Array.isArray(warnings));
    for (const w of warnings) {
      assert.equal(typeof w, 'string');
      assert.doesNotMatch(w as string, /[\u0000-\u001f\u007f]/);
    }
  }
}

/** The denied fields and reasons of an answer, sorted, for comparing two verdicts. */
export function denialCauses(body: unknown): string[] {
  const response = isRecord(body) ? body['response'] : undefined;
  if (!isRecord(response) || response['allowed'] !== false) return [];
  const causes = ((response['status'] as Json)['details'] as Json)['causes'] as Json[];
  return causes.map((c) => `${String(c['field'])} ${String(c['reason'])}`).sort();
}
