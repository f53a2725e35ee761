// The API-latency run as markdown: one table per operation (every concurrency and
// configuration, with the ratios to "none" at the same concurrency), the goals, and the
// call counts that show which writes reach our webhook.
import type { ApiBenchReport, Cell, PointResult } from './bench.ts';
import { configurationNames } from './configurations.ts';
import type { Operation } from './writes.ts';
import { operations } from './writes.ts';

/** Issue 17's goals, against no admission at the same concurrency. */
export const goals = { p99Ratio: 1.1, throughputRatio: 0.9 } as const;

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pair = (a: number, b: number, digits: number): string =>
  `${fixed(a, digits)} / ${fixed(b, digits)}`;

function cellOf(point: PointResult | undefined, op: Operation): Cell | undefined {
  return point?.cells.find((c) => c.write.operation === op);
}

export interface GoalCheck {
  readonly concurrency: number;
  readonly configuration: string;
  readonly operation: Operation;
  readonly p99Ratio: number;
  readonly throughputRatio: number;
  readonly errors: number;
  readonly met: boolean;
}

export function goalChecks(report: ApiBenchReport): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const point of report.points) {
    if (point.configuration === 'none') continue;
    const base = report.points.find(
      (p) => p.configuration === 'none' && p.concurrency === point.concurrency,
    );
    for (const op of operations) {
      const ours = cellOf(point, op)?.write;
      const none = cellOf(base, op)?.write;
      if (ours === undefined || none === undefined) continue;
      const p99Ratio = ours.p99Ms / none.p99Ms;
      const throughputRatio = ours.throughput / none.throughput;
      checks.push({
        concurrency: point.concurrency,
        configuration: point.configuration,
        operation: op,
        p99Ratio,
        throughputRatio,
        errors: ours.errors,
        met:
          p99Ratio <= goals.p99Ratio &&
          throughputRatio >= goals.throughputRatio &&
          ours.errors === 0,
      });
    }
  }
  return checks;
}

function sortedPoints(report: ApiBenchReport): PointResult[] {
  return [...report.points].sort(
    (a, b) => a.concurrency - b.concurrency || order(a.configuration) - order(b.configuration),
  );
}

/** What the client saw, with the ratios to no admission at the same concurrency. */
function latencyTable(report: ApiBenchReport, op: Operation): string {
  const lines = [
    '| c | config | p50 / p99 / max ms | writes/s | errors | **p99 ×none** | **writes/s ×none** | API server mean ms |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const point of sortedPoints(report)) {
    const cell = cellOf(point, op);
    if (cell === undefined) continue;
    const { write: r, observed: o } = cell;
    const base = cellOf(
      report.points.find((p) => p.configuration === 'none' && p.concurrency === point.concurrency),
      op,
    )?.write;
    const ratio = (a: number, b: number | undefined): string =>
      point.configuration === 'none' || b === undefined ? '' : fixed(a / b, 2);
    lines.push(
      `| ${point.concurrency} | ${point.configuration} | ${fixed(r.p50Ms, 1)} / ${fixed(r.p99Ms, 1)} / ${fixed(r.maxMs, 1)} | ${fixed(r.throughput, 0)} | ${r.errors} | ${ratio(r.p99Ms, base?.p99Ms)} | ${ratio(r.throughput, base?.throughput)} | ${fixed(o.apiServerMeanMs, 1)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Where the time goes, from the API server's metrics and ours: how many webhook calls each
 * write made, how long the API server waited for them, how long our server worked on them, the
 * whole admission phases, and the CPU each process spent per write.
 */
function timeTable(report: ApiBenchReport, op: Operation): string {
  const lines = [
    "| c | config | webhook calls per write (mut / val) | API server waited for the webhook, mean ms (mut / val) | our server's review, mean ms (mut / val) | admission phases per write, ms (mut / val) | webhook server CPU µs per call | CPU µs per write: API server / etcd / ours / floor |",
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const point of sortedPoints(report)) {
    const cell = cellOf(point, op);
    if (cell === undefined) continue;
    const { write: r, observed: o } = cell;
    const perWrite = (n: number | undefined): number => (n ?? 0) / r.count;
    const mutVal = (m: Record<string, number>, a: string, b: string): string =>
      pair(m[a] ?? Number.NaN, m[b] ?? Number.NaN, 2);
    lines.push(
      `| ${point.concurrency} | ${point.configuration} | ${pair(perWrite(o.webhookCalls['admit']), perWrite(o.webhookCalls['validating']), 2)} | ${mutVal(o.webhookMeanMs, 'admit', 'validating')} | ${mutVal(o.ourReviewMeanMs, 'mutate', 'validate')} | ${pair(o.mutatingPhaseMeanMs, o.validatingPhaseMeanMs, 2)} | ${fixed(o.serverCpuMicrosPerCall, 0)} | ${fixed(o.cpuMicrosPerWrite.apiServer, 0)} / ${fixed(o.cpuMicrosPerWrite.etcd, 0)} / ${fixed(o.cpuMicrosPerWrite.webhook, 0)} / ${fixed(o.cpuMicrosPerWrite.floor, 0)} |`,
    );
  }
  return lines.join('\n');
}

function order(name: string): number {
  return (configurationNames as readonly string[]).indexOf(name);
}

export function renderReport(report: ApiBenchReport): string {
  const out: string[] = [];
  const la = (l: number[]): string => l.map((x) => fixed(x, 2)).join(' ');
  out.push(
    `API write latency, ${report.startedAt} → ${report.finishedAt}; load average ${la(report.loadAverageAtStart)} at start, ${la(report.loadAverageAtEnd)} at end.`,
    `${report.options.count} writes per operation and point, ${report.options.warmup} dry-run creates of warm-up, client ${report.options.protocol === 'h2' ? 'HTTP/2 (one connection)' : 'HTTP/1.1 keep-alive pool'}.`,
    '',
  );
  for (const c of report.configurations) {
    out.push(`- **${c.name}**: ${c.available ? c.description : `not measured: ${c.reason ?? ''}`}`);
  }
  const conditions = Object.entries(report.matchConditions)
    .map(([name, list]) => `${name}: ${list.length === 0 ? 'none' : list.join(', ')}`)
    .join('; ');
  out.push(`- shipped matchConditions: ${conditions}`, '');
  const notInForce = report.points.filter((p) => !p.inForce);
  for (const p of notInForce) {
    out.push(
      `**Warning**: at c=${p.concurrency} ${p.configuration} was not in force (bad entry ${p.probe.admitted ? 'admitted' : `refused: ${p.probe.message}`}).`,
    );
  }
  for (const op of operations) {
    out.push(`### ${op}`, '', latencyTable(report, op), '', timeTable(report, op), '');
  }
  const checks = goalChecks(report);
  if (checks.length > 0) {
    out.push(
      `### Goals (p99 ≤ ${goals.p99Ratio}× none, writes/s ≥ ${goals.throughputRatio}× none, no errors)`,
      '',
      '| config | operation | ' +
        [...new Set(checks.map((c) => `c=${c.concurrency}`))].join(' | ') +
        ' |',
    );
    const columns = [...new Set(checks.map((c) => c.concurrency))];
    out.push(`|---|---|${columns.map(() => '---').join('|')}|`);
    for (const configuration of [...new Set(checks.map((c) => c.configuration))]) {
      for (const op of operations) {
        const row = columns.map((c) => {
          const check = checks.find(
            (k) => k.configuration === configuration && k.operation === op && k.concurrency === c,
          );
          return check === undefined
            ? ''
            : `${check.met ? 'met' : '**missed**'} (${fixed(check.p99Ratio, 2)} / ${fixed(check.throughputRatio, 2)}${check.errors > 0 ? `, ${check.errors} errors` : ''})`;
        });
        out.push(`| ${configuration} | ${op} | ${row.join(' | ')} |`);
      }
    }
    out.push('');
  }
  const errors = report.points.flatMap((p) =>
    p.cells.flatMap((c) =>
      c.write.errorSamples.map(
        (e) => `c=${p.concurrency} ${p.configuration} ${c.write.operation}: ${e}`,
      ),
    ),
  );
  if (errors.length > 0)
    out.push('Errors (first of each step):', '', ...errors.map((e) => `- ${e}`), '');
  const noops = report.points.flatMap((p) =>
    p.cells.filter((c) => c.write.operation === 'noop' && c.write.noopsThatWrote > 0),
  );
  if (noops.length > 0)
    out.push('**Warning**: some no-op PUTs changed the resourceVersion (they were writes).', '');
  if (report.deleting !== undefined) {
    const d = report.deleting;
    out.push(
      `Objects being deleted: ${d.updates} UPDATEs of ${d.objects} entries carrying a deletionTimestamp caused ${d.webhookCalls} webhook calls (${d.ourReviews} reviews at our server, ${d.matchConditionExclusions} calls left out by matchConditions).`,
      '',
    );
  }
  return out.join('\n');
}
