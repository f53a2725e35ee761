// The API-latency benchmark in miniature (a handful of writes per step) on the real control
// plane, so `npm test` keeps it working: every configuration is really in force when measured
// (the bad entry is admitted with none, refused by our webhook or by the generated policy),
// the figures are well formed, and the call counts say which writes reached our webhook.
// Nothing is timed: speed is measured by `npm run bench:api`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runApiBench, type ApiBenchReport, type PointResult } from '../../bench/api/bench.ts';
import { goalChecks, renderReport } from '../../bench/api/report.ts';
import { operations, type Operation } from '../../bench/api/writes.ts';
import { validatingWebhookName } from '../e2e/support/activation.ts';

const count = 5;
const deletingObjects = 2;

function cell(point: PointResult, op: Operation) {
  const found = point.cells.find((c) => c.write.operation === op);
  assert.ok(found, `${point.configuration} c=${point.concurrency} has no ${op} step`);
  return found;
}

let report: ApiBenchReport;

// The first run on a machine builds kube-apiserver and etcd (minutes, once).
test('a tiny run of every configuration completes', { timeout: 30 * 60_000 }, async () => {
  report = await runApiBench({
    concurrencies: [1, 3],
    count,
    warmup: 2,
    configurations: ['none', 'floor', 'webhook', 'policy'],
    protocol: 'h2',
    deletingObjects,
  });
  const measured = report.configurations.filter((c) => c.available).map((c) => c.name);
  assert.deepEqual(
    report.points.map((p) => `${p.concurrency}:${p.configuration}`),
    // The order reverses at the second concurrency.
    [...measured.map((n) => `1:${n}`), ...[...measured].reverse().map((n) => `3:${n}`)],
  );
});

test('each configuration was in force: none and the floor admit the bad entry, the webhook and the policy refuse it', () => {
  for (const point of report.points) {
    assert.ok(
      point.inForce,
      `${point.configuration} c=${point.concurrency}: ${point.probe.message}`,
    );
    if (point.configuration === 'none' || point.configuration === 'floor')
      assert.equal(point.probe.admitted, true);
    if (point.configuration === 'webhook') {
      assert.equal(point.probe.admitted, false);
      assert.match(
        point.probe.message,
        new RegExp(`admission webhook "${validatingWebhookName}" denied`),
      );
      assert.match(point.probe.message, /spec\.remoteUrl/);
    }
    if (point.configuration === 'policy') {
      assert.equal(point.probe.admitted, false);
      assert.match(point.probe.message, /ValidatingAdmissionPolicy/);
    }
  }
  const policy = report.configurations.find((c) => c.name === 'policy');
  if (policy?.available === false) assert.match(policy.reason ?? '', /policy/);
});

test('every step has well-formed figures and no errors', () => {
  for (const point of report.points) {
    for (const op of operations) {
      const { write } = cell(point, op);
      const where = `${point.configuration} c=${point.concurrency} ${op}`;
      assert.equal(write.count, count, where);
      assert.equal(write.errors, 0, `${where}: ${write.errorSamples.join('; ')}`);
      assert.ok(write.p50Ms > 0 && write.p50Ms <= write.p99Ms && write.p99Ms <= write.maxMs, where);
      assert.ok(Number.isFinite(write.maxMs) && write.throughput > 0, where);
      assert.equal(write.noopsThatWrote, 0, `${where}: a no-op PUT changed the object`);
    }
  }
});

test('webhook calls: creates and updates reach both webhooks of ours or of the floor, and only those', () => {
  const withConditions = (report.matchConditions[validatingWebhookName] ?? []).length > 0;
  for (const point of report.points) {
    for (const op of operations) {
      const { observed } = cell(point, op);
      const where = `${point.configuration} c=${point.concurrency} ${op}`;
      const reviews = Object.values(observed.ourReviews).reduce((a, b) => a + b, 0);
      const called = point.configuration === 'webhook' || point.configuration === 'floor';
      // A no-op PUT reaches the webhooks unless the shipped matchConditions leave it out.
      const expected = called && !(op === 'noop' && withConditions) ? count : 0;
      assert.equal(observed.webhookCalls['admit'], expected, where);
      assert.equal(observed.webhookCalls['validating'], expected, where);
      // Only our own configuration reaches our server; the floor answers the floor's.
      const ours = point.configuration === 'webhook' ? expected : 0;
      assert.equal(observed.ourReviews['validate'] ?? 0, ours, where);
      assert.equal(observed.ourReviews['mutate'] ?? 0, ours, where);
      assert.equal(reviews, ours * 2, where);
      if (expected > 0) {
        assert.ok(observed.webhookMeanMs['validating']! > 0, where);
        assert.ok(observed.serverCpuMicrosPerCall >= 0, where);
      }
    }
  }
});

test('UPDATEs of objects being deleted: counted, and left out once matchConditions ship', () => {
  const d = report.deleting;
  assert.ok(d);
  assert.equal(d.updates, deletingObjects * 2);
  const withConditions = (report.matchConditions[validatingWebhookName] ?? []).length > 0;
  if (withConditions) assert.equal(d.webhookCalls, 0);
  else assert.equal(d.webhookCalls, d.updates * 2);
  assert.equal(d.ourReviews, d.webhookCalls);
});

test('the report has a table per operation and a goal line per configuration and step', () => {
  const text = renderReport(report);
  for (const op of operations) assert.match(text, new RegExp(`^### ${op}$`, 'm'));
  const rows = text.split('\n').filter((l) => /^\| \d+ \| (none|floor|webhook|policy) \|/.test(l));
  // Two tables per operation (latency, where the time goes), a row per point in each.
  assert.equal(rows.length, 2 * report.points.length * operations.length);
  const others = report.points.filter((p) => p.configuration !== 'none');
  assert.equal(goalChecks(report).length, others.length * operations.length);
});
