// Side-by-side HTTP runs: for each protocol set-up, start the baseline and our server (both
// pinned to core 1), and for each scenario load the baseline, then ours, from a separate load
// process pinned to core 0. Ratios compare runs made minutes apart at most, on the same machine.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult, LoadSpec } from './load.ts';
import { scenarios, type ScenarioName } from './payloads.ts';
import {
  pinned,
  repoRoot,
  startBaseline,
  startOurs,
  writeCertificates,
  type LogSink,
  type OurEntry,
  type ServerProcess,
} from './servers.ts';

const run = promisify(execFile);

export const serverCpu = 1;
export const loadCpu = 0;

export interface ProtocolSetup {
  readonly name: string;
  /** The server offers h2 by ALPN (our default) or HTTP/1.1 only (`--no-http2`). */
  readonly serverHttp2: boolean;
  readonly client: 'h1' | 'h2';
}

export const protocolSetups: readonly ProtocolSetup[] = [
  { name: 'h1 (--no-http2)', serverHttp2: false, client: 'h1' },
  { name: 'h2 (ALPN h2)', serverHttp2: true, client: 'h2' },
  { name: 'h1 on h2 server', serverHttp2: true, client: 'h1' },
];

type Measured = LoadResult & { readonly rssMiB: number };

export interface HttpRow {
  readonly setup: string;
  readonly scenario: ScenarioName;
  readonly baseline: Measured;
  readonly ours: Measured;
  readonly rounds: number;
}

function bestRound(rounds: readonly Measured[]): Measured {
  return rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
}

export interface HttpBenchOptions {
  readonly entry: OurEntry;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Alternating baseline/ours rounds per scenario; the best of each is reported. */
  readonly rounds?: number;
  readonly setups?: readonly ProtocolSetup[];
  readonly only?: readonly ScenarioName[];
  /** Where our server's log lines go (one per review); default a drained pipe. */
  readonly logSink?: LogSink;
  /** Extra node flags for our server, e.g. --cpu-prof. */
  readonly ourNodeArgs?: readonly string[];
  readonly onRow?: (row: HttpRow) => void;
}

export async function applyLoadProcess(spec: LoadSpec): Promise<LoadResult> {
  const [cmd, args] = pinned(loadCpu, process.execPath, [
    join(repoRoot, 'bench/load.ts'),
    JSON.stringify(spec),
  ]);
  const { stdout } = await run(cmd, args, { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
  if (result.failures > 0 || result.requests === 0)
    throw new Error(
      `load on ${spec.url} (${spec.protocol}) had ${result.failures} failures of ${result.requests + result.failures}`,
    );
  return result;
}

const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

export async function runHttpBench(opts: HttpBenchOptions): Promise<HttpRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-bench-'));
  const rows: HttpRow[] = [];
  try {
    const certs = await writeCertificates(dir);
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, certs.ca);
    const chosen = scenarios.filter((s) => opts.only === undefined || opts.only.includes(s.name));
    for (const setup of opts.setups ?? protocolSetups) {
      const servers: ServerProcess[] = [];
      try {
        const baseline = await startBaseline({ certs, http2: setup.serverHttp2, cpu: serverCpu });
        servers.push(baseline);
        const ours = await startOurs({
          certs,
          http2: setup.serverHttp2,
          cpu: serverCpu,
          entry: opts.entry,
          logSink: opts.logSink ?? 'pipe',
          logFile: join(dir, 'ours.log'),
          ...(opts.ourNodeArgs === undefined ? {} : { extraNodeArgs: opts.ourNodeArgs }),
        });
        servers.push(ours);
        for (const scenario of chosen) {
          const bodyFile = join(dir, `${scenario.name}.json`);
          writeFileSync(bodyFile, JSON.stringify(scenario.review()));
          const measure = async (server: ServerProcess): Promise<Measured> => {
            const result = await applyLoadProcess({
              protocol: setup.client,
              url: `${server.url}${scenario.path}?timeout=10s`,
              caFile,
              bodyFile,
              concurrency: opts.concurrency,
              durationSeconds: opts.durationSeconds,
              warmupSeconds: opts.warmupSeconds,
            });
            return { ...result, rssMiB: mib(server.rssBytes()) };
          };
          // Alternate baseline and ours, round after round, and keep each server's best round:
          // on a shared machine a burst of someone else's work spoils single rounds, and the
          // best round is the closest to what the server can do on a quiet core.
          const baselineRounds: Measured[] = [];
          const ourRounds: Measured[] = [];
          for (let r = 0; r < (opts.rounds ?? 1); r++) {
            baselineRounds.push(await measure(baseline));
            ourRounds.push(await measure(ours));
          }
          const row: HttpRow = {
            setup: setup.name,
            scenario: scenario.name,
            baseline: bestRound(baselineRounds),
            ours: bestRound(ourRounds),
            rounds: baselineRounds.length,
          };
          rows.push(row);
          opts.onRow?.(row);
        }
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
