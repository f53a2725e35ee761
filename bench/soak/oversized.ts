// Oversized reviews arriving during ordinary load (issue #14, class 2). The observed server
// runs in its own process on core 0 with load shedding at its defaults (ourServeArgs turns it
// off for the throughput benches; it is turned back on here). The soak suite's open-loop load
// (rate-load.ts, core 1) sends the ordinary 3 KB review at a fixed rate through three phases:
// before, burst, after. During the burst this process keeps `--oversized-concurrency` oversized
// reviews in flight: ~5 MiB each, 400,000 unknown spec keys, otherwise a valid entry (the
// review that used to cost ~2.8 s and then shed everything for ~105 s).
//
// Acceptance: during the burst only the oversized reviews are refused (ordinary ones: every
// answer a 200); after it, ordinary reviews are answered at once (the first after-window has
// no refusal; the time from the burst's end to the first 200 is printed).
//   node bench/soak/oversized.ts [--rate 300] [--burst-seconds 10] [--oversized-concurrency 4]
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { option } from '../cli-option.ts';
import { scenarioByName } from '../payloads.ts';
import { cpuTimesOf, hasTaskset } from '../servers.ts';
import {
  failedIn,
  mib,
  runRate,
  shippedSheddingArgs,
  startObservedServer,
} from './soak-processes.ts';
import type { LoadWindow } from './rate-load.ts';

const rate = Number(option('--rate', '300'));
const beforeSeconds = 5;
const burstSeconds = Number(option('--burst-seconds', '10'));
const afterSeconds = 5;
const concurrency = Number(option('--oversized-concurrency', '4'));
const say = (text: string): void => void process.stdout.write(`${text}\n`);

function oversizedReview(): Buffer {
  const review = scenarioByName('create-allowed').review() as {
    request: { object: { spec: Record<string, unknown> } };
  };
  for (let i = 0; i < 400_000; i++) review.request.object.spec[`key${i}`] = 0;
  return Buffer.from(JSON.stringify(review));
}

interface OversizedTally {
  sent: number;
  denied: number;
  allowed: number;
  shed: number;
  other: Record<string, number>;
  ms: number[];
}

/** `concurrency` loops, each posting the oversized review again as soon as it is answered. */
async function sendOversized(
  url: string,
  ca: string,
  body: Buffer,
  until: number,
): Promise<OversizedTally> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca });
  const tally: OversizedTally = { sent: 0, denied: 0, allowed: 0, shed: 0, other: {}, ms: [] };
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      tally.sent += 1;
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            tally.ms.push(performance.now() - started);
            const status = res.statusCode ?? 0;
            if (status === 503) tally.shed += 1;
            else if (status === 200) {
              const allowed = (
                JSON.parse(Buffer.concat(chunks).toString()) as { response: { allowed: boolean } }
              ).response.allowed;
              if (allowed) tally.allowed += 1;
              else tally.denied += 1;
            } else tally.other[String(status)] = (tally.other[String(status)] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        tally.other[err.message] = (tally.other[err.message] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  agent.destroy();
  return tally;
}

// This process sends the oversized reviews (building and encrypting ~50 MiB/s): it belongs on
// the load generators' core, not beside the server it measures.
if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const server = await startObservedServer(shippedSheddingArgs());
const cpuSeconds = (): number => {
  const t = cpuTimesOf(server.pid);
  return (t.userMicros + t.systemMicros) / 1e6;
};
/** Server CPU seconds at the end of each phase's last report window. */
const cpuAt: Record<string, number> = {};
try {
  const body = oversizedReview();
  const caFile = join(server.logFile, '..', 'ca.crt');
  writeFileSync(caFile, server.certs.ca);
  say(
    `server pid ${server.pid}; ordinary load ${rate}/s; burst ${burstSeconds} s of ${concurrency} oversized reviews in flight (${mib(body.length)} MiB each)`,
  );

  const windows: LoadWindow[] = [];
  const cpuStart = cpuSeconds();
  let burst: Promise<OversizedTally> | undefined;
  let burstEnds = 0;
  const load = runRate(
    server,
    {
      connections: 32,
      phases: [
        { label: 'before', rate, seconds: beforeSeconds },
        { label: 'burst', rate, seconds: burstSeconds },
        { label: 'after', rate, seconds: afterSeconds },
      ],
      reportEverySeconds: 1,
      timeoutMs: 10_000,
      maxOutstanding: 4096,
    },
    (w) => {
      windows.push(w);
      if (w.kind === 'window') cpuAt[w.label] = cpuSeconds();
      // The first burst window closes a second into the burst phase; start the oversized
      // senders when the 'before' phase has reported its last window.
      if (burst === undefined && w.label === 'before' && w.t >= beforeSeconds - 0.01) {
        burstEnds = performance.now() + burstSeconds * 1000;
        burst = sendOversized(
          `${server.url}/validate?timeout=10s`,
          server.certs.ca,
          body,
          burstEnds,
        );
      }
    },
  );
  await load;
  const oversized = await (burst ?? Promise.reject(new Error('the burst never started')));

  const phases = windows.filter((w) => w.kind === 'phase');
  say('');
  say(
    '| phase | ordinary reviews sent | answered 200 | refused or failed (by status, timeouts) | p50 / p99 of 200s ms |',
  );
  say('|---|---|---|---|---|');
  for (const p of phases)
    say(
      `| ${p.label} | ${p.sent} | ${p.byStatus['200'] ?? 0} | ${failedIn(p)} (${JSON.stringify(p.byStatus)}, ${p.timeouts}) | ${p.okP50Ms.toFixed(1)} / ${p.okP99Ms.toFixed(1)} |`,
    );
  const afterWindows = windows.filter((w) => w.kind === 'window' && w.label === 'after');
  say('');
  say(
    `after the burst, per 1 s window of sending: refused or failed ${afterWindows.map(failedIn).join(', ')}`,
  );
  const sorted = [...oversized.ms].sort((a, b) => a - b);
  say(
    `oversized: sent ${oversized.sent}, denied ${oversized.denied}, shed (503) ${oversized.shed}, allowed ${oversized.allowed}, other ${JSON.stringify(oversized.other)}; answer p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms`,
  );
  say(
    `server CPU seconds (user + system) per phase: before ${((cpuAt['before'] ?? 0) - cpuStart).toFixed(2)}, burst ${((cpuAt['burst'] ?? 0) - (cpuAt['before'] ?? 0)).toFixed(2)}, after ${((cpuAt['after'] ?? 0) - (cpuAt['burst'] ?? 0)).toFixed(2)}`,
  );
  const metrics = await (await fetch(server.metricsUrl)).text();
  say(
    `server counters: ${metrics
      .split('\n')
      .filter((l) => /^mcpentry_webhook_(shed_total|http_refusals_total)/.test(l))
      .join(', ')}`,
  );
  const samples = server.samples;
  say(
    `server: max RSS ${mib(Math.max(...samples.map((s) => s.rssBytes)))} MiB, max heap ${mib(Math.max(...samples.map((s) => s.heapUsedBytes)))} MiB, worst 5 s lag p99 ${Math.max(...samples.map((s) => s.lagP99Ms)).toFixed(1)} ms`,
  );
} finally {
  await server.stop();
}
