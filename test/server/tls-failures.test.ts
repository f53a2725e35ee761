// The classification and rate limit of failed-handshake reports. The real handshakes that
// produce these codes are in test/security/tls-policy.test.ts; here the codes are given so
// that every branch and the once-per-interval log are pinned down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyTlsFailure,
  observeTlsFailures,
  tlsFailureCode,
  type TlsFailureReason,
} from '../../src/server/tls-failures.ts';

test('codes are sorted into what the operator has to fix', () => {
  const table: [string, TlsFailureReason][] = [
    ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'client-certificate'],
    ['CLIENT_CERT_CERT_HAS_EXPIRED', 'client-certificate'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client-certificate'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'protocol'],
    ['ERR_SSL_NO_SHARED_CIPHER', 'protocol'],
    ['ERR_SSL_HTTP_REQUEST', 'protocol'],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['ERR_SOMETHING_NEW', 'other'],
    ['unknown', 'other'],
  ];
  for (const [code, reason] of table) assert.equal(classifyTlsFailure(code), reason, code);
});

test("a client certificate Node refused after the handshake is named by the socket's reason", () => {
  const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  assert.equal(
    tlsFailureCode(hangUp, { authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
    'CLIENT_CERT_UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  );
  assert.equal(tlsFailureCode(hangUp, { authorizationError: null }), 'ECONNRESET');
  assert.equal(tlsFailureCode(hangUp), 'ECONNRESET');
  assert.equal(tlsFailureCode(new Error('no code') as { code?: unknown }), 'unknown');
});

test('every failure is counted; each reason is logged at most once per interval, with the suppressed count', () => {
  let t = 0;
  const counted: TlsFailureReason[] = [];
  const logged: { reason: string; code: string; suppressed: number }[] = [];
  const listener = observeTlsFailures(
    { count: (r) => counted.push(r), log: (f) => logged.push(f) },
    60_000,
    () => t,
  );
  const fail = (code: string): void =>
    listener(Object.assign(new Error('handshake failed'), { code }));

  fail('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  fail('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  fail('ERR_SSL_UNSUPPORTED_PROTOCOL');
  t = 59_999;
  fail('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  assert.equal(counted.length, 4);
  assert.deepEqual(
    logged.map((l) => [l.reason, l.suppressed]),
    [
      ['client-certificate', 0],
      ['protocol', 0],
    ],
  );
  t = 60_000;
  fail('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  const last = logged.at(-1);
  assert.equal(logged.length, 3);
  assert.equal(last?.reason, 'client-certificate');
  assert.equal(last?.code, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  assert.equal(last?.suppressed, 2);
});
