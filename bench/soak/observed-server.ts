// The real server, started in-process with `serve` arguments, plus what a soak needs to see
// from inside: event-loop delay (perf_hooks.monitorEventLoopDelay), heap and RSS. One JSON line
// on stdout every --report-ms; the server's own logs go to --log-file, as in production they go
// to a pipe. Bench-only: the product exposes no event-loop figures of its own.
//   node bench/soak/observed-server.ts --report-ms 5000 --log-file F -- serve-flags...
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { parseServeConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startServer } from '../../src/server/serve.ts';

export interface ServerSample {
  /** Milliseconds since the server started. */
  readonly t: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Event-loop delay over the last window, milliseconds. */
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i < 0 ? fallback : (args[i + 1] ?? fallback);
}

if (import.meta.main) {
  const split = process.argv.indexOf('--');
  const own = process.argv.slice(2, split < 0 ? undefined : split);
  const serveArgs = split < 0 ? [] : process.argv.slice(split + 1);
  const reportMs = Number(option(own, '--report-ms', '5000'));
  const logFile = option(own, '--log-file', '/dev/null');

  const config = parseServeConfig(serveArgs, process.env);
  const log = createLogger(
    config.logLevel,
    pino.destination({ dest: logFile, sync: false, minLength: 4096 }),
  );
  const server = await startServer(config, log, { inCluster: false });
  const started = performance.now();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const report = (): void => {
    const m = process.memoryUsage();
    const sample: ServerSample = {
      t: Math.round(performance.now() - started),
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      lagP50Ms: lag.percentile(50) / 1e6,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
    };
    lag.reset();
    process.stdout.write(`${JSON.stringify({ sample, port: server.port })}\n`);
  };
  const timer = setInterval(report, reportMs);
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    void server.shutdown(0).then(() => process.exit(0));
  });
}
