// The processes a soak or overload run needs: the observed server pinned to one core, the
// load generators pinned to the other, and /proc readings of the server (RSS, open fds).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadResult, LoadSpec } from '../load.ts';
import { scenarioByName } from '../payloads.ts';
import { defaultServeConfig } from '../../src/config.ts';
import {
  freePort,
  ourServeArgs,
  pinned,
  repoRoot,
  rssOf,
  writeCertificates,
  type BenchCertificates,
} from '../servers.ts';
import type { ServerSample } from './observed-server.ts';
import type { LoadWindow, RateLoadSpec } from './rate-load.ts';

const here = new URL('./', import.meta.url).pathname;

/**
 * Load shedding as shipped: bench/servers.ts turns it off for the throughput benches
 * (ourServeArgs), so a soak that means to exercise it appends these, read from the option
 * table so they follow the defaults.
 */
export function shippedSheddingArgs(): string[] {
  return [
    '--shed-event-loop-delay',
    String(defaultServeConfig.shedEventLoopDelayMs),
    '--shed-bytes-in-flight',
    String(defaultServeConfig.shedBytesInFlightMiB),
  ];
}

export interface ObservedServer {
  readonly url: string;
  /** Plain-HTTP /metrics of the server (Prometheus text). */
  readonly metricsUrl: string;
  readonly pid: number;
  readonly certs: BenchCertificates;
  readonly bodyFile: string;
  readonly logFile: string;
  readonly samples: ServerSample[];
  openFds(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Open file descriptors of a process (Linux /proc); -1 where /proc is not readable. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

export async function startObservedServer(
  extraServeArgs: readonly string[] = [],
): Promise<ObservedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-soak-'));
  const certs = await writeCertificates(dir);
  const bodyFile = join(dir, 'review.json');
  writeFileSync(bodyFile, JSON.stringify(scenarioByName('create-allowed').review()));
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const [cmd, args] = pinned(0, process.execPath, [
    join(here, 'observed-server.ts'),
    '--report-ms',
    '5000',
    '--log-file',
    logFile,
    '--',
    // ourServeArgs starts with the subcommand; the wrapper takes the flags only.
    ...ourServeArgs(certs, port, metricsPort, true).slice(1),
    ...extraServeArgs,
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot });
  const samples: ServerSample[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`observed server exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as { sample?: ServerSample; port?: number };
      if (parsed.sample !== undefined) samples.push(parsed.sample);
      else resolve();
    });
  });
  await ready;
  const pid = serverPid(child);
  return {
    url: `https://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid,
    certs,
    bodyFile,
    logFile,
    samples,
    openFds: () => fdCount(pid),
    rssBytes: () => rssOf(pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** With taskset the child is taskset, which execs node: same pid either way. */
function serverPid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('server process has no pid');
  return child.pid;
}

/**
 * Closed-loop autocannon (bench/load.ts) on the other core: `connections` requests in flight at
 * all times. Non-200 answers count as failures; with shedding on they are the 503s.
 */
export async function closedLoad(
  server: ObservedServer,
  connections: number,
  seconds: number,
  warmupSeconds = 0,
): Promise<LoadResult> {
  const caFile = join(server.logFile, '..', 'ca.crt');
  writeFileSync(caFile, server.certs.ca);
  const spec: LoadSpec = {
    protocol: 'h1',
    url: `${server.url}/validate?timeout=10s`,
    caFile,
    bodyFile: server.bodyFile,
    concurrency: connections,
    durationSeconds: seconds,
    warmupSeconds,
  };
  const lines = await runPinned(join(repoRoot, 'bench/load.ts'), JSON.stringify(spec));
  return JSON.parse(lines.at(-1) ?? '{}') as LoadResult;
}

/** Peak throughput: 32 connections, after a 5 s warm-up. */
export function measurePeak(server: ObservedServer, seconds = 15): Promise<LoadResult> {
  return closedLoad(server, 32, seconds, 5);
}

/** Open-loop load (rate-load.ts) on the other core; each window is passed on as it arrives. */
export async function runRate(
  server: ObservedServer,
  spec: Omit<RateLoadSpec, 'url' | 'caFile' | 'bodyFile'>,
  onWindow: (w: LoadWindow) => void,
): Promise<LoadWindow[]> {
  const caFile = join(server.logFile, '..', 'ca.crt');
  writeFileSync(caFile, server.certs.ca);
  const full: RateLoadSpec = {
    ...spec,
    url: `${server.url}/validate?timeout=10s`,
    caFile,
    bodyFile: server.bodyFile,
  };
  const out: LoadWindow[] = [];
  await runPinned(join(here, 'rate-load.ts'), JSON.stringify(full), (line) => {
    const w = JSON.parse(line) as LoadWindow;
    out.push(w);
    onWindow(w);
  });
  return out;
}

function runPinned(
  script: string,
  arg: string,
  onLine?: (line: string) => void,
): Promise<string[]> {
  const [cmd, args] = pinned(1, process.execPath, [script, arg]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    onLine?.(line);
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/**
 * Requests answered with anything but 200, failed, timed out or never sent. Not `sent - 200s`:
 * a window closes while its last requests are still in flight.
 */
export function failedIn(w: LoadWindow): number {
  const non200 = Object.entries(w.byStatus)
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, 0);
  return non200 + w.transportErrors + w.timeouts + w.droppedByClient;
}
