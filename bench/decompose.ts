// Where the time goes between the floor and our server: the same Fastify app (`buildApp`, our
// TLS settings and timeouts) started once per layer, each layer adding one piece of the work a
// review does, measured side by side with the baseline under the same closed-loop load.
//
//   node bench/decompose.ts [--rounds 3] [--duration 3] [--scenario create-allowed] [--spin-us N]
//
// Layers, each including the ones above it:
//   stack   our app with a handler that answers "allowed" with the uid, as the baseline does
//   decode  the review handler: decode, answer building; an engine that allows everything
//   engine  the real engine (schema, remoteUrl, headers, references from the fixtures)
//   log     the review log line at info (to a pipe this process drains)
//   metrics the Prometheus observations
//   serve   `node dist/main.js serve`, what the image runs (needs `npm run build`)
// and, with --spin-us N, a calibration row: the decode layer whose engine busy-waits N µs per
// review. Pure CPU with no allocation: the CPU per answer it adds, compared with N, shows how
// much this closed-loop rig amplifies added work (the load generator idles and must be woken).
// Each server is its own process pinned to core 1, the load generator to core 0. Reported per
// layer: the best round's requests/s, and the server's CPU per answer (utime+stime from /proc
// over the round, warm-up included), which is steadier than throughput on a shared machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAllowedResponse } from '../src/admission/respond.ts';
import { loadBundledEntrySchemas } from '../src/crd/entry-schemas.ts';
import { createLogger } from '../src/log.ts';
import { AdmissionEngine } from '../src/policy/engine.ts';
import { defaultEngineOptions } from '../src/model/review.ts';
import { ManifestLookup } from '../src/references/manifest-lookup.ts';
import { buildApp } from '../src/server/app.ts';
import { WebhookMetrics } from '../src/server/metrics.ts';
import { ReviewHandler } from '../src/server/review-handler.ts';
import { readTlsMaterial, secureContextOptions } from '../src/server/tls-files.ts';
import { uidOf } from './baseline-server.ts';
import { applyLoadProcess, serverCpu } from './http-bench.ts';
import { scenarioByName, fixtureObjectsDir } from './payloads.ts';
import {
  cpuTimesOf,
  freePort,
  pinned,
  startBaseline,
  startOurs,
  startReadyLineServer,
  writeCertificates,
  type BenchCertificates,
  type ServerProcess,
} from './servers.ts';
import { option } from './cli-option.ts';

export const layers = ['stack', 'decode', 'engine', 'log', 'metrics'] as const;
export type Layer = (typeof layers)[number];

/** Child mode: one layer's server, printing `ready <port>` once it listens. */
async function serveLayer(
  layer: Layer,
  port: number,
  certFile: string,
  keyFile: string,
  spinMicros: number,
): Promise<void> {
  const at = (l: Layer): boolean => layers.indexOf(layer) >= layers.indexOf(l);
  const engine = new AdmissionEngine(
    loadBundledEntrySchemas(),
    await ManifestLookup.fromPaths([fixtureObjectsDir]),
    { ...defaultEngineOptions, unknownFields: 'ignore' },
  );
  /** The `decode` layer's engine: the handler's whole path, no rule. */
  class AllowingEngine extends AdmissionEngine {
    override validate() {
      if (spinMicros > 0) {
        const until = performance.now() + spinMicros / 1000;
        while (performance.now() < until);
      }
      return Promise.resolve({ allowed: true, denials: [], warnings: [], patch: [] });
    }
  }
  /** The `stack` layer: what the baseline does, inside our app. */
  class AllowingHandler extends ReviewHandler {
    override handle(_path: unknown, body: unknown) {
      return Promise.resolve({ statusCode: 200, body: buildAllowedResponse(uidOf(body)) });
    }
  }
  const log = createLogger(at('log') ? 'info' : 'warn');
  const metrics = new WebhookMetrics();
  const observe = at('metrics') ? metrics.observe.bind(metrics) : undefined;
  const chosenEngine = at('engine')
    ? engine
    : new AllowingEngine(engine.schemas, engine.lookup, engine.options);
  const handler =
    layer === 'stack'
      ? new AllowingHandler(engine, log)
      : new ReviewHandler(chosenEngine, log, observe);
  const app = buildApp({
    tls: secureContextOptions(readTlsMaterial({ certFile, keyFile }), false),
    http2: false,
    bodyLimitBytes: 3 * 1024 * 1024,
    handler,
    readiness: { problems: () => [] },
    log,
  });
  await app.listen({ host: '127.0.0.1', port });
  process.stdout.write(`ready ${port}\n`);
  process.on('SIGTERM', () => void app.close());
}

/** One layer's server as its own process, pinned like the bench's servers. */
export async function startLayer(
  layer: Layer,
  certs: BenchCertificates,
  spinMicros = 0,
): Promise<ServerProcess> {
  const port = await freePort();
  const [cmd, args] = pinned(serverCpu, process.execPath, [
    fileURLToPath(import.meta.url),
    '--serve',
    layer,
    String(port),
    certs.certFile,
    certs.keyFile,
    String(spinMicros),
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return startReadyLineServer(layer, port, child);
}

interface Starter {
  readonly label: string;
  readonly start: () => Promise<ServerProcess>;
  /** The row whose CPU this one's "added" is counted from; default: the row above it. */
  readonly comparedWith?: string;
}

interface LayerRow {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly cpuMicrosPerAnswer: number;
}

async function main(): Promise<void> {
  const rounds = Number(option('--rounds', '3'));
  const durationSeconds = Number(option('--duration', '3'));
  const scenario = scenarioByName(option('--scenario', 'create-allowed'));
  const spinMicros = Number(option('--spin-us', '0'));
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-decompose-'));
  try {
    const certs = await writeCertificates(dir);
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, certs.ca);
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, JSON.stringify(scenario.review()));
    const starters: Starter[] = [
      { label: 'baseline', start: () => startBaseline({ certs, http2: false, cpu: serverCpu }) },
      ...layers.map((layer): Starter => ({ label: layer, start: () => startLayer(layer, certs) })),
      {
        label: 'serve',
        start: () =>
          startOurs({
            certs,
            http2: false,
            cpu: serverCpu,
            entry: 'dist',
            logFile: join(dir, 'log'),
          }),
      },
    ];
    if (spinMicros > 0) {
      starters.push({
        label: `decode + ${spinMicros} µs spin`,
        start: () => startLayer('decode', certs, spinMicros),
        comparedWith: 'decode',
      });
    }
    const best = new Map<string, LayerRow>();
    for (let r = 0; r < rounds; r++) {
      // Interleaved: every layer once per round, so a burst of other work spoils one round of
      // each rather than one layer.
      for (const { label, start } of starters) {
        const server = await start();
        try {
          const before = cpuTimesOf(server.pid);
          const result = await applyLoadProcess({
            protocol: 'h1',
            url: `${server.url}${scenario.path}?timeout=10s`,
            caFile,
            bodyFile,
            concurrency: 16,
            durationSeconds,
            warmupSeconds: 1,
          });
          const after = cpuTimesOf(server.pid);
          const cpu =
            after.userMicros + after.systemMicros - before.userMicros - before.systemMicros;
          // The warm-up's answers are not counted by the load generator; estimate them at the
          // measured rate so CPU is divided by every answer the server gave in the window.
          const answers = result.requests * (1 + 1 / result.seconds);
          const row = {
            label,
            requestsPerSecond: result.requestsPerSecond,
            cpuMicrosPerAnswer: cpu / answers,
          };
          const previous = best.get(label);
          if (previous === undefined || row.cpuMicrosPerAnswer < previous.cpuMicrosPerAnswer)
            best.set(label, row);
        } finally {
          await server.stop();
        }
      }
    }
    const floor = best.get('baseline')!;
    process.stdout.write(
      `${scenario.name}, HTTP/1.1, ${rounds} rounds of ${durationSeconds} s; each row is the layer's round with the least CPU per answer\n\n` +
        '| layer | req/s | ratio to baseline | CPU µs per answer | added by this layer |\n' +
        '|---|---|---|---|---|\n',
    );
    starters.forEach(({ label, comparedWith }, i) => {
      const row = best.get(label)!;
      const against = comparedWith ?? (i === 0 ? undefined : starters[i - 1]!.label);
      const added =
        against === undefined
          ? ''
          : (row.cpuMicrosPerAnswer - best.get(against)!.cpuMicrosPerAnswer).toFixed(1);
      process.stdout.write(
        `| ${label} | ${Math.round(row.requestsPerSecond)} | ${(row.requestsPerSecond / floor.requestsPerSecond).toFixed(2)} | ${row.cpuMicrosPerAnswer.toFixed(1)} | ${added} |\n`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) {
    const [layer, port, certFile, keyFile, spin] = process.argv.slice(serveAt + 1);
    if (!layers.includes(layer as Layer) || certFile === undefined || keyFile === undefined)
      throw new Error(`--serve needs one of ${layers.join(', ')}, a port, a cert and a key file`);
    await serveLayer(layer as Layer, Number(port), certFile, keyFile, Number(spin ?? '0'));
  } else {
    await main();
  }
}
