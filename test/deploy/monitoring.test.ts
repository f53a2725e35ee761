// The alert rules and the dashboard against what they query: every expression parses with
// Prometheus's own PromQL parser (test/tools/promql), every metric of ours that they name is
// one a running server exports on /metrics (scraped from `serve`), every alert is classified and has its runbook section in
// docs/operations.md. (The API server metrics they name are checked against a real
// kube-apiserver in test/e2e/chart.test.ts.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { deployPath, repoRoot } from '../../deploy/kustomize-render.ts';
import { ensureTool } from '../harness/binaries.ts';
import { freeLoopbackPort } from '../harness/ports.ts';
import { runCaptured } from '../harness/run-captured.ts';
import { mainScript, writeWebhookTls } from '../harness/webhook-serve.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const ruleFile = deployPath('components/prometheusrule/prometheusrule.yaml');
const rules = (
  parse(readFileSync(ruleFile, 'utf8')) as { spec: { groups: { rules: Rule[] }[] } }
).spec.groups.flatMap((g) => g.rules);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(
  readFileSync(deployPath('components/grafana-dashboard/mcpentry-webhook-dashboard.json'), 'utf8'),
) as { uid: string; panels: Panel[]; templating: { list: { name: string }[] } };
/** Dashboard queries with Grafana's interval variable replaced by a duration PromQL knows. */
const dashboardExprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({
    title: p.title,
    expr: t.expr.replaceAll('$__rate_interval', '5m'),
  })),
);

let promqlCheck: string;
before(
  async () => {
    promqlCheck = join(await ensureTool('promql'), 'promql-check');
  },
  { timeout: 30 * 60_000 },
);

const check = (document: object) => runCaptured(promqlCheck, [], { input: stringify(document) });

test('the checker refuses a broken rule (so its "ok" means something)', async () => {
  const result = await check({
    groups: [{ name: 'x', rules: [{ alert: 'Broken', expr: 'sum(rate(x[5m])', for: '5q' }] }],
  });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /alert Broken: expr: .*unclosed left parenthesis/);
});

test('every alert rule parses as Prometheus would load it', async () => {
  const result = await runCaptured(promqlCheck, [], { input: readFileSync(ruleFile, 'utf8') });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(result.stdout.trim().split('\n').length, rules.length);
});

test('every dashboard query parses', async () => {
  assert.ok(dashboardExprs.length >= 15);
  const result = await check({
    groups: [
      { name: 'dashboard', rules: dashboardExprs.map((e) => ({ record: 'panel', expr: e.expr })) },
    ],
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

const withoutKubeconfig = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== 'KUBECONFIG'),
);

/** /metrics of a running `serve` (bundled examples as its reference source, no cluster). */
async function scrapeRunningServer(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-metrics-'));
  const tls = await writeWebhookTls(dir, 'metrics');
  const [port, metricsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const server = spawn(
    process.execPath,
    [
      mainScript,
      'serve',
      '--port',
      String(port),
      '--tls-cert',
      tls.certFile,
      '--tls-key',
      tls.keyFile,
      '--metrics-port',
      String(metricsPort),
      '--shutdown-delay',
      '0',
    ],
    { stdio: 'ignore', env: withoutKubeconfig },
  );
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined);
      if (answer?.ok === true) return await answer.text();
      if (server.exitCode !== null) throw new Error(`serve exited ${server.exitCode}`);
      if (Date.now() > deadline) throw new Error('no /metrics within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    if (server.exitCode === null) server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every metric of ours that rules and dashboard query is one the server exports', async () => {
  // From the exposition text a running server serves, as Prometheus scrapes it: `# TYPE <name>
  // <type>` per family.
  const text = await scrapeRunningServer();
  const exported = new Set(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name = '', type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    ),
  );
  const ours = /\b((?:mcpentry_webhook|process|nodejs)_[a-z0-9_]+)/g;
  const queried = [...rules.map((r) => r.expr), ...dashboardExprs.map((e) => e.expr)].flatMap(
    (expr) => [...expr.matchAll(ours)].map((m) => m[1] ?? ''),
  );
  assert.ok(queried.length > 10);
  assert.deepEqual(
    [...new Set(queried)].filter((name) => !exported.has(name)),
    [],
  );
});

test('every alert has a severity and a runbook section in docs/operations.md', () => {
  const docs = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
  // GitHub's anchors for `### Name` headings: lower case.
  const anchors = new Set(
    [...docs.matchAll(/^### (\S+)$/gm)].map((m) => (m[1] ?? '').toLowerCase()),
  );
  for (const rule of rules) {
    assert.match(rule.labels?.['severity'] ?? '', /^(warning|critical)$/, rule.alert);
    assert.equal(
      rule.annotations?.['runbook'],
      `docs/operations.md#${rule.alert.toLowerCase()}`,
      rule.alert,
    );
    assert.ok(anchors.has(rule.alert.toLowerCase()), `no runbook section for ${rule.alert}`);
  }
  // And no runbook section for an alert that does not exist.
  const alerts = new Set(rules.map((r) => r.alert.toLowerCase()));
  assert.deepEqual(
    [...anchors].filter((a) => !alerts.has(a)),
    [],
  );
});

test('the dashboard lays out: unique panel ids, inside 24 columns, no overlap, one datasource variable', () => {
  assert.equal(dashboard.uid, 'mcpentry-webhook');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const cells = new Set<string>();
  for (const { title, gridPos: g } of dashboard.panels) {
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, title);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    }
  }
  assert.deepEqual(
    dashboard.templating.list.map((v) => v.name),
    ['datasource'],
  );
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
  }
});
