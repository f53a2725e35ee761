// Starting and stopping the two servers under test as their own processes, each pinned to one
// core when taskset exists, and reading their resident memory from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, issueCertificate } from '../src/tls/certificates.ts';
import { fixtureObjectsDir } from './payloads.ts';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const nodeBin = process.execPath;

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** `taskset -c CPU cmd...` where taskset exists, else the command itself. */
export function pinned(
  cpu: number | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return cpu !== undefined && hasTaskset
    ? ['taskset', ['-c', String(cpu), command, ...args]]
    : [command, [...args]];
}

export interface BenchCertificates {
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function writeCertificates(dir: string): Promise<BenchCertificates> {
  const ca = await createCertificateAuthority({ commonName: 'bench CA' });
  const leaf = await issueCertificate(ca, {
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  writeFileSync(certFile, leaf.certPem);
  writeFileSync(keyFile, leaf.keyPem);
  return { ca: ca.certPem, certFile, keyFile };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly label: string;
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** VmRSS of a live process (Linux); 0 where /proc is not there. */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** One GET over a fresh TLS connection; resolves the status, or 0 when nothing answers. */
export function probe(url: string, ca: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ca, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Poll until `url` answers 200; resolves the time it took, in milliseconds since `since`. */
export async function waitForOk(
  url: string,
  ca: string,
  child: ChildProcess,
  since: bigint,
  deadlineMs = 30_000,
  pollMs = 5,
): Promise<number> {
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode} before ${url} answered`);
    if ((await probe(url, ca)) === 200) return Number(process.hrtime.bigint() - since) / 1e6;
    if (Number(process.hrtime.bigint() - since) / 1e6 > deadlineMs)
      throw new Error(`${url} not ready within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/**
 * Milliseconds from spawning our server (`serve`, pinned to `cpu`) to its first 200 on
 * /readyz, polling every `pollMs`; the process is stopped before this returns.
 */
export async function timeToReady(opts: {
  readonly entry: OurEntry;
  readonly certs: BenchCertificates;
  readonly cpu: number;
  readonly references?: readonly string[];
  readonly deadlineMs: number;
  readonly pollMs: number;
}): Promise<number> {
  const port = await freePort();
  const metricsPort = await freePort();
  const [cmd, args] = pinned(opts.cpu, nodeBin, [
    ourMainPath(opts.entry),
    ...ourServeArgs(opts.certs, port, metricsPort, true, opts.references),
  ]);
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: 'ignore' });
  try {
    return await waitForOk(
      `https://127.0.0.1:${port}/readyz`,
      opts.certs.ca,
      child,
      started,
      opts.deadlineMs,
      opts.pollMs,
    );
  } finally {
    await stopper(child)();
  }
}

export interface StartOptions {
  readonly certs: BenchCertificates;
  readonly http2: boolean;
  readonly cpu?: number | undefined;
}

export async function startBaseline(opts: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const [cmd, args] = pinned(opts.cpu, nodeBin, [
    join(repoRoot, 'bench/baseline-server.ts'),
    '--port',
    String(port),
    '--tls-cert',
    opts.certs.certFile,
    '--tls-key',
    opts.certs.keyFile,
    ...(opts.http2 ? [] : ['--no-http2']),
  ]);
  return startReadyLineServer(
    'baseline',
    port,
    spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

/**
 * A bench server spawned with its stdout piped: resolves once it prints `ready `, then keeps
 * draining (and dropping) whatever else it writes, such as log lines.
 */
export async function startReadyLineServer(
  label: string,
  port: number,
  child: ChildProcess,
): Promise<ServerProcess> {
  const stdout = child.stdout;
  if (stdout === null) throw new Error(`${label}: spawn it with stdout piped`);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString('utf8');
      if (!out.includes('ready ')) return;
      stdout.off('data', onData);
      stdout.resume();
      resolve();
    };
    stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} server exited with ${code}`)));
  });
  const url = `https://127.0.0.1:${port}`;
  return {
    label,
    port,
    pid: child.pid!,
    url,
    rssBytes: () => rssOf(child.pid!),
    stop: stopper(child),
  };
}

/** CPU time a live process has used so far (Linux clock ticks are 10 ms: measure long runs). */
export function cpuTimesOf(pid: number): { userMicros: number; systemMicros: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userMicros: Number(fields[11]) * 10_000, systemMicros: Number(fields[12]) * 10_000 };
}

/** Which build of our server to run: the compiled one (what the image runs) or the sources. */
export type OurEntry = 'dist' | 'src';

export function ourMainPath(entry: OurEntry): string {
  return entry === 'dist' ? join(repoRoot, 'dist/main.js') : join(repoRoot, 'src/main.ts');
}

export function ourServeArgs(
  certs: BenchCertificates,
  port: number,
  metricsPort: number,
  http2: boolean,
  /** Where references resolve from: `--objects DIR` (the fixtures) or `--kubeconfig FILE`. */
  references: readonly string[] = ['--objects', fixtureObjectsDir],
): string[] {
  return [
    'serve',
    '--port',
    String(port),
    '--metrics-port',
    String(metricsPort),
    '--tls-cert',
    certs.certFile,
    '--tls-key',
    certs.keyFile,
    ...references,
    '--log-level',
    'info',
    '--shutdown-delay',
    '0',
    // Load shedding off: the load generator keeps the server saturated on purpose, and on this
    // shared machine a stall from another process can push the event-loop delay over the
    // threshold; a 503 is not a review, and counting it would flatter the figures.
    '--shed-event-loop-delay',
    '0',
    '--shed-bytes-in-flight',
    '0',
    ...(http2 ? [] : ['--no-http2']),
  ];
}

/**
 * Where our server's stdout (one JSON line per review) goes. `pipe` (the default) is what a
 * container has: a pipe that containerd-shim drains; here the bench process drains and
 * discards it. `file` writes to a file (the file system's cost lands on the server's core);
 * `null` is /dev/null, the floor.
 */
export type LogSink = 'pipe' | 'file' | 'null';

export interface OurStartOptions extends StartOptions {
  readonly entry: OurEntry;
  readonly logSink?: LogSink;
  /** For `logSink: 'file'`. */
  readonly logFile: string;
  readonly extraNodeArgs?: readonly string[];
  /** Appended to the serve arguments, e.g. --log-level warn. */
  readonly extraServeArgs?: readonly string[];
}

export async function startOurs(opts: OurStartOptions): Promise<ServerProcess> {
  const main = ourMainPath(opts.entry);
  if (!existsSync(main)) throw new Error(`${main} is missing; run \`npm run build\` first`);
  const port = await freePort();
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const [cmd, args] = pinned(opts.cpu, nodeBin, [
    ...(opts.extraNodeArgs ?? []),
    main,
    ...ourServeArgs(opts.certs, port, metricsPort, opts.http2),
    ...(opts.extraServeArgs ?? []),
  ]);
  const sink = opts.logSink ?? 'pipe';
  const out =
    sink === 'pipe' ? 'pipe' : openSync(sink === 'file' ? opts.logFile : '/dev/null', 'a');
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ['ignore', out, 'inherit'], cwd: repoRoot });
  if (typeof out === 'number') closeSync(out);
  child.stdout?.resume();
  const url = `https://127.0.0.1:${port}`;
  try {
    await waitForOk(`${url}/readyz`, opts.certs.ca, child, started);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    label: 'ours',
    port,
    pid: child.pid!,
    url,
    rssBytes: () => rssOf(child.pid!),
    stop: stopper(child),
  };
}
