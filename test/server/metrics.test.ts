// Review metrics: every review counted once under bounded labels, however many distinct
// versions a hostile client invents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebhookMetrics } from '../../src/server/metrics.ts';
import type { ReviewEvent } from '../../src/server/review-handler.ts';

const event = (over: Partial<ReviewEvent> = {}): ReviewEvent => ({
  path: 'validate',
  operation: 'CREATE',
  version: 'v1beta1',
  decision: 'allowed',
  seconds: 0.0002,
  ...over,
});

async function reviewSeries(m: WebhookMetrics): Promise<{ labels: object; value: number }[]> {
  const metric = await m.registry.getSingleMetric('mcpentry_webhook_reviews_total')?.get();
  return (metric?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

test('reviews are counted by path, operation, version and decision; latency by path', async () => {
  const m = new WebhookMetrics();
  m.observe(event());
  m.observe(event());
  m.observe(event({ decision: 'denied' }));
  m.observe(event({ path: 'mutate', decision: 'patched', operation: 'UPDATE' }));
  m.observe(event({ operation: 'PATCH-ME', version: 'x' }));
  assert.deepEqual(await reviewSeries(m), [
    {
      labels: { path: 'validate', operation: 'CREATE', version: 'v1beta1', decision: 'allowed' },
      value: 2,
    },
    {
      labels: { path: 'validate', operation: 'CREATE', version: 'v1beta1', decision: 'denied' },
      value: 1,
    },
    {
      labels: { path: 'mutate', operation: 'UPDATE', version: 'v1beta1', decision: 'patched' },
      value: 1,
    },
    {
      labels: { path: 'validate', operation: 'other', version: 'other', decision: 'allowed' },
      value: 1,
    },
  ]);
  const latency = await m.registry
    .getSingleMetric('mcpentry_webhook_review_duration_seconds')
    ?.get();
  const counts = (latency?.values ?? []).filter((v) =>
    String((v as { metricName?: string }).metricName).endsWith('_count'),
  );
  assert.deepEqual(
    counts.map((v) => [v.labels['path'], v.value]),
    [
      ['validate', 4],
      ['mutate', 1],
    ],
  );
});

test('invented versions cannot grow the series without bound, and every review still counts', async () => {
  const m = new WebhookMetrics();
  for (let i = 0; i < 2000; i++) m.observe(event({ version: `v${i}beta${i}` }));
  const series = await reviewSeries(m);
  assert.ok(series.length <= 257, `${series.length} series`);
  assert.equal(
    series.reduce((sum, s) => sum + s.value, 0),
    2000,
  );
  assert.ok(series.some((s) => (s.labels as { version: string }).version === 'other'));
});
