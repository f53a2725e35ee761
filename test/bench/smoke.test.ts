// The benchmark suite's smoke mode, so `npm test` keeps the bench code working: both servers
// answer every scenario correctly over HTTP/1.1 and HTTP/2, the load generator finishes without
// a failed request, and the engine gives each scenario its expected verdict. Nothing is timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scenarios } from '../../bench/payloads.ts';
import { runSmoke } from '../../bench/smoke.ts';

test('payloads are shaped as kube-apiserver sends them: ~3 KB CREATE with managedFields and last-applied', () => {
  const create = scenarios.find((s) => s.name === 'create-allowed')!.review();
  const size = JSON.stringify(create).length;
  assert.ok(size > 2500 && size < 4000, `CREATE review is ${size} bytes`);
  const request = create['request'] as Record<string, unknown>;
  const metadata = (request['object'] as Record<string, Record<string, unknown>>)['metadata']!;
  assert.ok(Array.isArray(metadata['managedFields']));
  assert.ok(
    'kubectl.kubernetes.io/last-applied-configuration' in (metadata['annotations'] as object),
  );
  const update = scenarios.find((s) => s.name === 'update-allowed')!.review()['request'] as Record<
    string,
    unknown
  >;
  assert.equal(update['operation'], 'UPDATE');
  assert.notEqual(update['oldObject'], null);
  const large = scenarios.find((s) => s.name === 'create-large')!.review()['request'] as Record<
    string,
    unknown
  >;
  const spec = (large['object'] as Record<string, Record<string, Record<string, object>>>)['spec']!;
  assert.equal(Object.keys(spec['headerForward']!['addPlaintextHeaders']!).length, 200);
});

test(
  'smoke: every answer from both servers and the engine is correct',
  { timeout: 60_000 },
  async () => {
    const report = await runSmoke('src', 40);
    // 4 scenarios x 40 reviews x 2 servers, half over HTTP/1.1 and half over HTTP/2.
    assert.equal(report.httpAnswersChecked, scenarios.length * 40 * 2);
    assert.equal(report.engineVerdictsChecked, scenarios.length * 40);
    assert.ok(report.loadRequests > 0);
  },
);
