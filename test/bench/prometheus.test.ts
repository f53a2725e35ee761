// The metric arithmetic of the API-latency bench: two scrapes, their difference, sums by label
// and a quantile from histogram buckets, checked on text shaped as kube-apiserver writes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  difference,
  histogramQuantile,
  parseMetrics,
  sumBy,
  total,
} from '../../bench/api/prometheus.ts';

const family = 'apiserver_admission_webhook_admission_duration_seconds';

function scrapeText(validating: number[], admit: number): string {
  // Buckets 0.005, 0.025, 0.1, +Inf; `validating` gives the cumulative counts.
  const [a = 0, b = 0, c = 0, inf = 0] = validating;
  return [
    `# HELP ${family} Admission webhook latency`,
    `# TYPE ${family} histogram`,
    `${family}_bucket{name="v.example",operation="CREATE",rejected="false",type="validating",le="0.005"} ${a}`,
    `${family}_bucket{name="v.example",operation="CREATE",rejected="false",type="validating",le="0.025"} ${b}`,
    `${family}_bucket{name="v.example",operation="CREATE",rejected="false",type="validating",le="0.1"} ${c}`,
    `${family}_bucket{name="v.example",operation="CREATE",rejected="false",type="validating",le="+Inf"} ${inf}`,
    `${family}_sum{name="v.example",operation="CREATE",rejected="false",type="validating"} ${inf * 0.004}`,
    `${family}_count{name="v.example",operation="CREATE",rejected="false",type="validating"} ${inf}`,
    `${family}_count{name="m.example",operation="CREATE",rejected="false",type="admit"} ${admit}`,
    `apiserver_request_total{code="201",verb="POST"} 99`,
  ].join('\n');
}

test('only the asked-for families are read, with their labels', () => {
  const scrape = parseMetrics(scrapeText([1, 2, 3, 3], 3), [family]);
  assert.equal(scrape.size, 7);
  const sample = [...scrape.values()].find((s) => s.name === `${family}_count`);
  assert.equal(sample?.labels.get('type'), 'validating');
  assert.equal(sample?.labels.get('name'), 'v.example');
});

test('the difference of two scrapes counts what happened between them, by label', () => {
  const before = parseMetrics(scrapeText([10, 10, 10, 10], 10), [family]);
  const after = parseMetrics(scrapeText([10, 100, 109, 110], 110), [family]);
  const moved = difference(before, after);
  const calls = sumBy(moved, `${family}_count`, 'type');
  assert.equal(calls.get('validating'), 100);
  assert.equal(calls.get('admit'), 100);
  assert.equal(total(moved, `${family}_count`, { type: 'validating' }), 100);
  // 100 new calls: 90 in (0.005, 0.025], 9 in (0.025, 0.1], 1 above 0.1.
  // Median: rank 50 of 90 in the second bucket -> 0.005 + 0.02 * 50/90.
  assert.ok(Math.abs(histogramQuantile(moved, family, 0.5) - (0.005 + (0.02 * 50) / 90)) < 1e-12);
  // p95: rank 95, 5 of the 9 in the third bucket.
  assert.ok(Math.abs(histogramQuantile(moved, family, 0.95) - (0.025 + (0.075 * 5) / 9)) < 1e-12);
  // p99.5 falls in +Inf: the highest finite bound is all a histogram can say.
  assert.equal(histogramQuantile(moved, family, 0.995), 0.1);
});

test('a histogram with no new observations has no quantile', () => {
  const same = parseMetrics(scrapeText([1, 1, 1, 1], 1), [family]);
  assert.ok(Number.isNaN(histogramQuantile(difference(same, same), family, 0.99)));
});
