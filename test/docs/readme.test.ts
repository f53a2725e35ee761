// The README is part of the product: its configuration table must match the option table,
// and the commands it tells a newcomer to run must exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmePath, withConfigTable } from '../../scripts/update-readme.ts';

const readme = readFileSync(readmePath, 'utf8');

test('the configuration table is generated from src/config.ts (run npm run docs:config)', () => {
  assert.equal(readme, withConfigTable(readme));
});

test('the quick-start commands exist as npm scripts', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /^npm test\b/m);
  assert.ok(pkg.scripts['start']?.includes('serve'));
  assert.ok(pkg.scripts['test'] !== undefined);
});

test('every metric the server registers is documented in the README', async () => {
  const { WebhookMetrics } = await import('../../src/server/metrics.ts');
  const metrics = new WebhookMetrics();
  const names = (await metrics.registry.getMetricsAsJSON())
    .map((m) => m.name)
    .filter((n) => n.startsWith('mcpentry_'));
  assert.ok(names.length >= 10);
  for (const name of names)
    assert.ok(readme.includes(`\`${name}\``), `${name} is not in the README`);
});
