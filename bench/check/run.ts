// Benchmark of the whole `check` process, the way CI runs it: spawn the real CLI pinned to one
// core, feed 10,000 entries on stdin, measure wall time, CPU time and peak RSS (GNU time), and
// the start-up time of `check --help` (through main.ts, and through the CLI alone).
// CPU time is reported beside wall time because a busy machine inflates wall time only.
// Usage: node bench/check/run.ts [entries] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStream } from './generate.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entries = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const node = process.execPath;
const main = join(root, 'src/main.ts');
const pinned = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
const timed = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-v'] : [];

const dir = mkdtempSync(join(tmpdir(), 'check-bench-'));
try {
  const stream = generateStream(entries);
  const input = join(dir, 'stream.yaml');
  writeFileSync(input, stream.text);
  const megabytes = Buffer.byteLength(stream.text) / 1e6;

  const results: { seconds: number; cpuSeconds: number; rssMb: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const [cmd, ...args] = [...pinned, ...timed, node, main, 'check', '--output', 'json', '-'];
    const started = process.hrtime.bigint();
    const child = spawnSync(cmd, args, {
      input: readFileSync(input),
      maxBuffer: 1 << 30,
      cwd: root,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) {
      process.stderr.write(child.stderr.toString().slice(-2000));
      throw new Error(`check exited ${child.status}`);
    }
    const report = JSON.parse(child.stdout.toString()) as {
      summary: { entries: number; allowed: number };
    };
    if (report.summary.entries !== entries || report.summary.allowed !== entries)
      throw new Error(`unexpected summary ${JSON.stringify(report.summary)}`);
    const report2 = child.stderr.toString();
    const field = (name: string): number =>
      Number(new RegExp(`${name}: ([\\d.]+)`).exec(report2)?.[1] ?? NaN);
    results.push({
      seconds,
      cpuSeconds: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
      rssMb: field('Maximum resident set size \\(kbytes\\)') / 1024,
    });
  }

  const helpTimes = (entry: string[]): number[] => {
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const started = process.hrtime.bigint();
      const child = spawnSync(node, [...entry, '--help'], { cwd: root });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (child.status !== 0) throw new Error('check --help failed');
    }
    return times;
  };
  const help = helpTimes([main, 'check']);
  const helpCliOnly = helpTimes([join(root, 'bench/check/check-entry.ts')]);

  const best = Math.min(...results.map((r) => r.seconds));
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = {
    node: process.version,
    entries,
    documents: stream.documents,
    inputMegabytes: Number(megabytes.toFixed(2)),
    oneCore: pinned.length > 0,
    runs,
    bestSeconds: Number(best.toFixed(3)),
    medianSeconds: Number(median(results.map((r) => r.seconds)).toFixed(3)),
    manifestsPerSecondBest: Math.round(entries / best),
    manifestsPerSecondMedian: Math.round(entries / median(results.map((r) => r.seconds))),
    bestCpuSeconds: Number(Math.min(...results.map((r) => r.cpuSeconds)).toFixed(2)),
    manifestsPerCpuSecond: Math.round(entries / Math.min(...results.map((r) => r.cpuSeconds))),
    peakRssMegabytes: Number(Math.max(...results.map((r) => r.rssMb)).toFixed(1)),
    helpViaMainMillisecondsMedian: Number(median(help).toFixed(1)),
    helpCliOnlyMillisecondsMedian: Number(median(helpCliOnly).toFixed(1)),
    loadAverage: loadavg()[0]!.toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
