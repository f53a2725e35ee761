// CPU time per request of each server at the same offered rate. Throughput ratios from a
// closed loop (autocannon) are capped by the single-core load generator and hide what each
// request costs; here both servers get the same open-loop rate and the server's utime+stime
// from /proc is divided by the answers it gave.
//   node bench/cpu-per-request.ts [--rate 4000] [--seconds 5] [--scenario create-allowed]
//        [--rounds 2] [--ours-args '--log-level warn'] [--http2]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadWindow, RateLoadSpec } from './soak/rate-load.ts';
import { scenarioByName } from './payloads.ts';
import {
  cpuTimesOf,
  pinned,
  repoRoot,
  startBaseline,
  startOurs,
  writeCertificates,
  type ServerProcess,
} from './servers.ts';
import { option } from './cli-option.ts';

function rateLoad(spec: RateLoadSpec): Promise<LoadWindow> {
  const [cmd, args] = pinned(0, process.execPath, [
    join(repoRoot, 'bench/soak/rate-load.ts'),
    JSON.stringify(spec),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('exit', (code) => {
      const phases = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as LoadWindow)
        .filter((w) => w.kind === 'phase' && w.label === 'measure');
      if (code !== 0 || phases[0] === undefined) reject(new Error(`rate load exited with ${code}`));
      else resolve(phases[0]);
    });
  });
}

async function measure(
  server: ServerProcess,
  base: Omit<RateLoadSpec, 'url' | 'phases'>,
  rate: number,
  seconds: number,
): Promise<{
  rate: number;
  ok: number;
  microsPerRequest: number;
  userMicros: number;
  systemMicros: number;
  p99Ms: number;
}> {
  // Warm-up (JIT, connections), then the measured phase in a second process run.
  await rateLoad({
    ...base,
    url: `${server.url}/validate`,
    phases: [{ label: 'measure', rate, seconds: 2 }],
  });
  const before = cpuTimesOf(server.pid);
  const w = await rateLoad({
    ...base,
    url: `${server.url}/validate`,
    phases: [{ label: 'measure', rate, seconds }],
  });
  const after = cpuTimesOf(server.pid);
  const user = after.userMicros - before.userMicros;
  const system = after.systemMicros - before.systemMicros;
  const ok = w.byStatus['200'] ?? 0;
  if (ok === 0 || w.transportErrors > 0 || w.timeouts > 0)
    throw new Error(`${server.label}: ${JSON.stringify(w)}`);
  return {
    rate,
    ok,
    microsPerRequest: (user + system) / ok,
    userMicros: user / ok,
    systemMicros: system / ok,
    p99Ms: w.okP99Ms,
  };
}

const rate = Number(option('--rate', '4000'));
const seconds = Number(option('--seconds', '5'));
const rounds = Number(option('--rounds', '2'));
const scenario = scenarioByName(option('--scenario', 'create-allowed'));
const oursArgs = option('--ours-args', '')
  .split(' ')
  .filter((s) => s !== '');
const http2 = process.argv.includes('--http2');

const dir = mkdtempSync(join(tmpdir(), 'mcpentry-cpu-'));
try {
  const certs = await writeCertificates(dir);
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, JSON.stringify(scenario.review()));
  const base = {
    caFile: join(dir, 'ca.crt'),
    bodyFile,
    connections: 16,
    reportEverySeconds: 3600,
    timeoutMs: 10_000,
    maxOutstanding: 10_000,
  };
  writeFileSync(base.caFile, certs.ca);
  for (let r = 0; r < rounds; r++) {
    for (const which of ['baseline', 'ours'] as const) {
      const server =
        which === 'baseline'
          ? await startBaseline({ certs, http2, cpu: 1 })
          : await startOurs({
              certs,
              http2,
              cpu: 1,
              entry: 'dist',
              logFile: join(dir, 'log'),
              extraNodeArgs: [],
              ...(oursArgs.length > 0 ? { extraServeArgs: oursArgs } : {}),
            });
      try {
        const m = await measure(server, base, rate, seconds);
        process.stdout.write(
          `${which.padEnd(8)} ${scenario.name} rate ${m.rate}/s: ${m.ok} answers, ${m.microsPerRequest.toFixed(1)} µs CPU per request (user ${m.userMicros.toFixed(1)}, system ${m.systemMicros.toFixed(1)}), p99 ${m.p99Ms.toFixed(2)} ms\n`,
        );
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
