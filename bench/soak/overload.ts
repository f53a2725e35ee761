// Overload: far more concurrent reviews than the server can answer within the API server's
// deadline, then back to an ordinary load. Peak throughput is reached at 32 connections; the
// overload phase keeps 1024 requests in flight (the API server's client opens a connection
// per waiting request). Both runs lift the --max-connections cap: autocannon answers refused
// connections with a reconnect loop whose own memory grows without bound, so the cap is
// tested in test/security/load-shedding.test.ts instead. With shedding (the default) the excess must get fast 503s while the
// answers that are given stay quick and memory stays bounded; once load drops, everything is
// served again. `--compare` repeats the run with shedding off.
//   node bench/soak/overload.ts [--overload-seconds 30] [--recovery-seconds 15] [--connections 1024] [--compare]
//
// Closed-loop load (autocannon via bench/load.ts): an open-loop Node client on one core cannot
// outpace the server on the other, so the excess is expressed as concurrency, not rate.
import type { LoadResult } from '../load.ts';
import {
  closedLoad,
  measurePeak,
  mib,
  shippedSheddingArgs,
  startObservedServer,
} from './soak-processes.ts';
import { option } from '../cli-option.ts';

const overloadSeconds = Number(option('--overload-seconds', '30'));
const recoverySeconds = Number(option('--recovery-seconds', '15'));
const connections = Number(option('--connections', '1024'));
const compare = process.argv.includes('--compare');
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

interface Row {
  readonly run: string;
  readonly phase: string;
  readonly result: LoadResult;
  readonly maxRssMiB: string;
  readonly maxHeapMiB: string;
  readonly lagP99WorstMs: number;
}

async function run(label: string, serveArgs: string[]): Promise<Row[]> {
  const server = await startObservedServer(serveArgs);
  try {
    const peak = await measurePeak(server, 10);
    say(
      `${label}: peak ${Math.round(peak.requestsPerSecond)} req/s at 32 connections, p99 ${ms(peak.p99Ms)} ms`,
    );
    const rows: Row[] = [];
    for (const [phase, conns, seconds] of [
      ['overload', connections, overloadSeconds],
      ['recovery', 16, recoverySeconds],
    ] as const) {
      const from = server.samples.length;
      let maxRss = server.rssBytes();
      const poll = setInterval(() => (maxRss = Math.max(maxRss, server.rssBytes())), 250);
      const result = await closedLoad(server, conns, seconds);
      clearInterval(poll);
      const window = server.samples.slice(from);
      rows.push({
        run: label,
        phase: `${phase} (${conns} connections)`,
        result,
        maxRssMiB: mib(maxRss),
        maxHeapMiB: mib(Math.max(0, ...window.map((s) => s.heapUsedBytes))),
        lagP99WorstMs: Math.max(0, ...window.map((s) => s.lagP99Ms)),
      });
      say(`  ${phase}: ${JSON.stringify(result)}; max RSS ${mib(maxRss)} MiB`);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

// ourServeArgs (bench/servers.ts) turns shedding off for the throughput benches; put the shipped
// defaults back, or this run would measure shedding off twice.
const rows = await run('shedding on (defaults)', [
  ...shippedSheddingArgs(),
  '--max-connections',
  '0',
]);
if (compare)
  rows.push(
    ...(await run('shedding off', [
      '--shed-event-loop-delay',
      '0',
      '--shed-bytes-in-flight',
      '0',
      '--max-connections',
      '0',
    ])),
  );

say('');
say(
  '| run | phase | 200/s | non-200 (503) | p50 / p99 / p99.9 of 200s ms | max RSS / heap MiB | worst 5 s lag p99 ms |',
);
say('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const x = r.result;
  say(
    `| ${r.run} | ${r.phase} | ${Math.round(x.requestsPerSecond)} | ${x.failures} | ${ms(x.p50Ms)} / ${ms(x.p99Ms)} / ${ms(x.p999Ms)} | ${r.maxRssMiB} / ${r.maxHeapMiB} | ${ms(r.lagP99WorstMs)} |`,
  );
}
