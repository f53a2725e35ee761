// Overload: open-loop load at twice the measured peak, then back down to half of it. With
// shedding (the default) the server must answer the excess with fast 503s instead of queueing
// it in memory, and serve everything again once load drops. `--compare` repeats the run with
// shedding off, to show what it prevents.
//   node bench/soak/overload.ts [--overload-seconds 30] [--recovery-seconds 30] [--compare]
import { failedIn, mib, measurePeak, runRate, startObservedServer } from './soak-processes.ts';
import type { LoadWindow } from './rate-load.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}
const overloadSeconds = Number(option('--overload-seconds', '30'));
const recoverySeconds = Number(option('--recovery-seconds', '30'));
const compare = process.argv.includes('--compare');
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

interface RunFigures {
  readonly label: string;
  readonly phases: LoadWindow[];
  readonly maxRssMiB: string;
  readonly maxHeapMiB: string;
  /** Seconds into the recovery phase until the first window with only 200s. */
  readonly recoveredAfterSeconds: number | undefined;
}

async function run(
  label: string,
  serveArgs: string[],
  peakRate?: number,
): Promise<[RunFigures, number]> {
  const server = await startObservedServer(serveArgs);
  try {
    const peak = peakRate ?? Math.round((await measurePeak(server)).requestsPerSecond);
    let maxRss = server.rssBytes();
    let recoveredAfter: number | undefined;
    const windows = await runRate(
      server,
      {
        connections: 256,
        phases: [
          { label: 'overload', rate: peak * 2, seconds: overloadSeconds },
          { label: 'recovery', rate: Math.round(peak / 2), seconds: recoverySeconds },
        ],
        reportEverySeconds: 2,
        timeoutMs: 10_000,
        maxOutstanding: 20_000,
      },
      (w) => {
        maxRss = Math.max(maxRss, server.rssBytes());
        if (w.kind !== 'window') return;
        const shed = (w.byStatus['503'] ?? 0) + (w.byStatus['429'] ?? 0);
        const failed = failedIn(w);
        if (w.label === 'recovery' && failed === 0 && recoveredAfter === undefined)
          recoveredAfter = Math.round(w.t);
        say(
          `  ${label} ${w.label} t=${w.t.toFixed(0)}s: sent ${w.sent}, 200 ${w.byStatus['200'] ?? 0}, shed ${shed}, timeouts ${w.timeouts}, errors ${w.transportErrors}, dropped ${w.droppedByClient}; p99 200 ${ms(w.okP99Ms)} ms, p99 503 ${ms(w.shedP99Ms)} ms; RSS ${mib(server.rssBytes())} MiB`,
        );
      },
    );
    const maxHeap = Math.max(...server.samples.map((s) => s.heapUsedBytes));
    return [
      {
        label,
        phases: windows.filter((w) => w.kind === 'phase'),
        maxRssMiB: mib(maxRss),
        maxHeapMiB: mib(maxHeap),
        recoveredAfterSeconds: recoveredAfter,
      },
      peak,
    ];
  } finally {
    await server.stop();
  }
}

const [shedding, peak] = await run('shedding', []);
say(
  `peak ${peak} req/s; overload at ${peak * 2} req/s for ${overloadSeconds} s, then ${Math.round(peak / 2)} req/s for ${recoverySeconds} s`,
);
const runs = [shedding];
if (compare)
  runs.push(
    (await run('no-shedding', ['--shed-event-loop-delay', '0', '--shed-heap-used', '0'], peak))[0],
  );

say('');
say(
  '| run | phase | sent | 200 | 503 | timeouts / errors / dropped | p50 / p99 of 200s ms | p50 / p99 of 503s ms | max RSS / heap MiB | recovered after |',
);
say('|---|---|---|---|---|---|---|---|---|---|');
for (const r of runs) {
  for (const p of r.phases) {
    say(
      `| ${r.label} | ${p.label} | ${p.sent} | ${p.byStatus['200'] ?? 0} | ${p.byStatus['503'] ?? 0} | ${p.timeouts} / ${p.transportErrors} / ${p.droppedByClient} | ${ms(p.okP50Ms)} / ${ms(p.okP99Ms)} | ${ms(p.shedP50Ms)} / ${ms(p.shedP99Ms)} | ${r.maxRssMiB} / ${r.maxHeapMiB} | ${p.label === 'recovery' ? `${r.recoveredAfterSeconds ?? 'never'} s` : ''} |`,
    );
  }
}
