// Soak: steady open-loop load at half of the measured peak for a long time, watching for what
// only time reveals: errors, RSS creep, file-descriptor leaks, event-loop lag.
//   node bench/soak/soak.ts [--minutes 30] [--json FILE]
// Prints a markdown summary (the figures bench/soak/README.md quotes).
import { writeFileSync } from 'node:fs';
import { failedIn, mib, measurePeak, runRate, startObservedServer } from './soak-processes.ts';
import { option } from '../cli-option.ts';

const minutes = Number(option('--minutes', '30'));
const jsonFile = option('--json', '');
const say = (text: string): void => void process.stdout.write(`${text}\n`);

const server = await startObservedServer();
try {
  const peak = await measurePeak(server);
  const rate = Math.round(peak.requestsPerSecond / 2);
  say(
    `peak ${Math.round(peak.requestsPerSecond)} req/s (p99 ${peak.p99Ms.toFixed(2)} ms); soaking at ${rate} req/s for ${minutes} min`,
  );

  // The baseline is taken after the peak run and a settling pause, so JIT and pools are warm.
  await new Promise((r) => setTimeout(r, 5_000));
  const start = { rss: server.rssBytes(), fds: server.openFds(), at: server.samples.length };
  const perMinute: {
    minute: number;
    rssMiB: string;
    fds: number;
    errors: number;
    okP99Ms: number;
  }[] = [];
  let maxFds = start.fds;
  let maxRss = start.rss;
  const windows = await runRate(
    server,
    {
      connections: 16,
      phases: [{ label: 'soak', rate, seconds: minutes * 60 }],
      reportEverySeconds: 60,
      timeoutMs: 10_000,
      maxOutstanding: 10_000,
    },
    (w) => {
      if (w.kind !== 'window') return;
      const rss = server.rssBytes();
      const fds = server.openFds();
      maxFds = Math.max(maxFds, fds);
      maxRss = Math.max(maxRss, rss);
      const errors = failedIn(w);
      perMinute.push({
        minute: Math.round(w.t / 60),
        rssMiB: mib(rss),
        fds,
        errors,
        okP99Ms: w.okP99Ms,
      });
      say(
        `  minute ${Math.round(w.t / 60)}: RSS ${mib(rss)} MiB, fds ${fds}, sent ${w.sent}, non-200 ${errors}, p99 ${w.okP99Ms.toFixed(2)} ms`,
      );
    },
  );
  await new Promise((r) => setTimeout(r, 6_000));
  const end = { rss: server.rssBytes(), fds: server.openFds() };
  const total = windows.find((w) => w.kind === 'phase')!;
  const lagSamples = server.samples.slice(start.at);
  const lagP99s = lagSamples.map((s) => s.lagP99Ms).sort((a, b) => a - b);
  const median = lagP99s[Math.floor(lagP99s.length / 2)] ?? Number.NaN;
  const worst = lagP99s.at(-1) ?? Number.NaN;
  const failures = failedIn(total);
  const summary = {
    minutes,
    peakRequestsPerSecond: Math.round(peak.requestsPerSecond),
    rate,
    requests: total.sent,
    failures,
    byStatus: total.byStatus,
    transportErrors: total.transportErrors,
    timeouts: total.timeouts,
    heapUsedMiB: server.samples.slice(start.at).map((x) => Number(mib(x.heapUsedBytes))),
    okP50Ms: total.okP50Ms,
    okP99Ms: total.okP99Ms,
    rssStartMiB: mib(start.rss),
    rssEndMiB: mib(end.rss),
    rssMaxMiB: mib(maxRss),
    fdsStart: start.fds,
    fdsEnd: end.fds,
    fdsMax: maxFds,
    eventLoopLagP99MedianMs: median,
    eventLoopLagP99WorstMs: worst,
    perMinute,
  };
  say('');
  say('| figure | value |');
  say('|---|---|');
  say(
    `| duration | ${minutes} min at ${rate} req/s (half of the ${summary.peakRequestsPerSecond} req/s peak) |`,
  );
  say(`| requests / non-200 or failed | ${total.sent} / ${failures} |`);
  say(
    `| review latency p50 / p99 | ${total.okP50Ms.toFixed(2)} / ${total.okP99Ms.toFixed(2)} ms |`,
  );
  say(
    `| RSS start / end / max | ${summary.rssStartMiB} / ${summary.rssEndMiB} / ${summary.rssMaxMiB} MiB |`,
  );
  say(`| open fds start / end / max | ${start.fds} / ${end.fds} / ${maxFds} |`);
  say(
    `| event-loop lag p99 (5 s windows): median / worst | ${median.toFixed(2)} / ${worst.toFixed(2)} ms |`,
  );
  if (jsonFile !== '') writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
  if (failures > 0) process.exitCode = 1;
} finally {
  await server.stop();
}
