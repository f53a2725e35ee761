// One command for the whole suite (`npm run bench`), or the smoke mode (`npm run bench:smoke`).
//   node bench/run.ts [--smoke] [--entry dist|src] [--duration S] [--warmup S]
//                     [--rounds N] [--concurrency N] [--only create-allowed,...] [--setups h1,h2,h1-on-h2]
//                     [--skip http,engine,startup,cluster-startup] [--cluster-objects N]
//                     [--log-sink pipe|file|null]
//                     [--cpu-prof DIR] [--json FILE]
// Prints markdown tables; --json also writes every figure for later comparison.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { runEngineBench } from './engine.ts';
import { protocolSetups, runHttpBench, type HttpRow } from './http-bench.ts';
import type { ScenarioName } from './payloads.ts';
import { hasTaskset, type LogSink, type OurEntry } from './servers.ts';
import { runSmoke } from './smoke.ts';
import { measureClusterStartup } from './startup-cluster.ts';
import { measureStartup } from './startup.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const list = (raw: string | undefined): string[] | undefined =>
  raw?.split(',').filter((s) => s !== '');

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ratio = (ours: number, base: number): string => fixed(ours / base, 2);

export function httpTable(rows: readonly HttpRow[]): string {
  const head =
    '| setup | scenario | base req/s | ours req/s | **ratio** | base p50/p99/p99.9 ms | ours p50/p99/p99.9 ms | **p99 ratio** | RSS base/ours MiB |';
  const lines = rows.map((r) => {
    const b = r.baseline;
    const o = r.ours;
    return `| ${r.setup} | ${r.scenario} | ${Math.round(b.requestsPerSecond)} | ${Math.round(o.requestsPerSecond)} | ${ratio(o.requestsPerSecond, b.requestsPerSecond)} | ${fixed(b.p50Ms, 2)} / ${fixed(b.p99Ms, 2)} / ${fixed(b.p999Ms, 2)} | ${fixed(o.p50Ms, 2)} / ${fixed(o.p99Ms, 2)} / ${fixed(o.p999Ms, 2)} | ${ratio(o.p99Ms, b.p99Ms)} | ${b.rssMiB} / ${o.rssMiB} |`;
  });
  return [head, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

async function smoke(entry: OurEntry): Promise<void> {
  const started = performance.now();
  const r = await runSmoke(entry);
  process.stdout.write(
    `smoke ok: ${r.httpAnswersChecked} HTTP answers checked, ${r.engineVerdictsChecked} engine verdicts checked, ${r.loadRequests} load-generator requests without failure (${Math.round(performance.now() - started)} ms)\n`,
  );
}

async function full(entry: OurEntry): Promise<void> {
  const skip = new Set(list(option('--skip')) ?? []);
  const out: Record<string, unknown> = {};
  const say = (text: string): boolean => process.stdout.write(`${text}\n`);
  const [l1, l5, l15] = loadavg();
  say(
    `# mcpentry-webhook bench (${new Date().toISOString()})\n\nnode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), taskset ${hasTaskset ? 'yes: servers on CPU 1, load on CPU 0' : 'absent: no pinning'}, load average at start ${fixed(l1!, 2)} ${fixed(l5!, 2)} ${fixed(l15!, 2)}, our server from ${entry}\n`,
  );
  out['loadAverageAtStart'] = [l1, l5, l15];

  if (!skip.has('engine')) {
    const seconds = Number(option('--engine-seconds') ?? '2');
    const results = await runEngineBench(seconds);
    out['engine'] = results;
    say('## Engine alone (in process, one core)\n');
    say(
      '| scenario | reviews/s (best round) | µs/review | reviews/s (median round) |\n|---|---|---|---|',
    );
    for (const r of results)
      say(
        `| ${r.scenario} | ${Math.round(r.reviewsPerSecond)} | ${fixed(r.microsPerReview, 1)} | ${Math.round(r.medianReviewsPerSecond)} |`,
      );
    say('');
  }

  if (!skip.has('startup')) {
    const r = await measureStartup(entry, Number(option('--startup-runs') ?? '7'));
    out['startup'] = r;
    say('## Start-up to /readyz 200, no cluster\n');
    say(
      `median ${fixed(r.medianMs, 0)} ms (min ${fixed(r.minMs, 0)}, max ${fixed(r.maxMs, 0)}, ${r.runs} runs); \`node -e 0\` alone: median ${fixed(r.nodeAloneMedianMs, 0)} ms\n`,
    );
  }

  if (!skip.has('cluster-startup')) {
    const objects = Number(option('--cluster-objects') ?? '10000');
    const r = await measureClusterStartup(entry, objects, 3);
    out['clusterStartup'] = r;
    say(
      `## Start-up to /readyz 200 with ${r.objects} MCPGroups to sync from a local control plane\n`,
    );
    say(
      `median ${fixed(r.medianMs, 0)} ms (min ${fixed(r.minMs, 0)}, max ${fixed(r.maxMs, 0)}, ${r.runs} runs; groups in ${r.namespaces} namespaces, created in ${fixed(r.seedSeconds, 1)} s beforehand)\n`,
    );
  }

  if (!skip.has('http')) {
    const wanted = list(option('--setups'));
    const keys: Record<string, string> = {
      h1: protocolSetups[0]!.name,
      h2: protocolSetups[1]!.name,
      'h1-on-h2': protocolSetups[2]!.name,
    };
    const setups =
      wanted === undefined
        ? protocolSetups
        : protocolSetups.filter((s) => wanted.some((w) => keys[w] === s.name));
    const concurrency = Number(option('--concurrency') ?? '16');
    const durationSeconds = Number(option('--duration') ?? '3');
    const warmupSeconds = Number(option('--warmup') ?? '1');
    const rounds = Number(option('--rounds') ?? '3');
    const cpuProf = option('--cpu-prof');
    const logSink = (option('--log-sink') ?? 'pipe') as LogSink;
    say(
      `## HTTP, concurrency ${concurrency}, best of ${rounds} alternating rounds of ${durationSeconds} s (each after ${warmupSeconds} s warm-up), our log lines to a ${logSink === 'pipe' ? 'drained pipe' : logSink}\n`,
    );
    const rows = await runHttpBench({
      entry,
      concurrency,
      durationSeconds,
      warmupSeconds,
      rounds,
      setups,
      logSink,
      ...(option('--only') === undefined ? {} : { only: list(option('--only')) as ScenarioName[] }),
      ...(cpuProf === undefined
        ? {}
        : { ourNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] }),
      onRow: (row) =>
        process.stderr.write(
          `  ${row.setup} ${row.scenario}: ${Math.round(row.baseline.requestsPerSecond)} vs ${Math.round(row.ours.requestsPerSecond)} req/s\n`,
        ),
    });
    out['http'] = rows;
    say(httpTable(rows));
    say('');
  }
  const [e1, e5, e15] = loadavg();
  out['loadAverageAtEnd'] = [e1, e5, e15];
  say(`load average at end ${fixed(e1!, 2)} ${fixed(e5!, 2)} ${fixed(e15!, 2)}`);
  const jsonFile = option('--json');
  if (jsonFile !== undefined) writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
}

const entry = (option('--entry') ??
  (process.argv.includes('--smoke') ? 'src' : 'dist')) as OurEntry;
if (entry !== 'dist' && entry !== 'src') throw new Error('--entry must be dist or src');
if (process.argv.includes('--smoke')) await smoke(entry);
else await full(entry);
