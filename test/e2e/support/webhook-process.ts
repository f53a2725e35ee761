// Our webhook as users run it: the real `node src/main.ts serve` process, real TLS with a
// certificate whose SAN is 127.0.0.1 (Go ignores the CN), lookups against the control plane
// through --kubeconfig. It runs in its own process group through the harness's process
// helpers, so a crashed or interrupted test run never leaves it holding its port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, isAddressInUse } from '../../harness/ports.ts';
import {
  forgetRemoveOnExit,
  logTail,
  removeOnExit,
  startProcess,
  stopProcess,
  type ManagedProcess,
} from '../../harness/processes.ts';
import { waitUntilHealthy } from '../../harness/readiness.ts';
import { webhookServeArgs, writeWebhookTls } from '../../harness/webhook-serve.ts';

export interface WebhookProcessOptions {
  readonly kubeconfigPath: string;
  /** More `serve` flags, e.g. `['--crd', 'cluster']`. */
  readonly extraArgs?: readonly string[];
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
}

export interface WebhookProcess {
  readonly port: number;
  /** Plain-HTTP Prometheus endpoint; unbuffered, unlike the log (pino writes in 4 KB chunks). */
  readonly metricsUrl: string;
  /** CA that signed the serving certificate: the caBundle of the webhook configurations. */
  readonly caPem: string;
  readonly logPath: string;
  /** Process id of the running server (for its CPU time in /proc), undefined while stopped. */
  pid(): number | undefined;
  /** SIGKILL, as an outage would: no drain, the port closes at once. */
  kill(): Promise<void>;
  /** Starts again on the same port (the registered URL does not change). */
  start(): Promise<void>;
  running(): boolean;
  /** SIGTERM (then SIGKILL) and remove the certificates. */
  stop(): Promise<void>;
}

export async function startWebhookProcess(opts: WebhookProcessOptions): Promise<WebhookProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpentry-e2e-webhook-'));
  removeOnExit(dir);
  const tls = await writeWebhookTls(dir, 'e2e');
  const logPath = join(dir, 'webhook.log');

  let port = 0;
  let metricsPort = 0;
  let proc: ManagedProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = startProcess({
      name: 'mcpentry-webhook',
      command: process.execPath,
      args: [
        ...(opts.nodeArgs ?? []),
        ...webhookServeArgs({
          tls,
          kubeconfigPath: opts.kubeconfigPath,
          port,
          metricsPort,
          ...(opts.extraArgs === undefined ? {} : { extraArgs: opts.extraArgs }),
        }),
      ],
      logPath,
    });
    // /readyz is 200 only once the reference caches have synced, so the first review
    // already sees the cluster's objects.
    const outcome = await waitUntilHealthy(`https://127.0.0.1:${port}/readyz`, proc, {
      ca: tls.caPem,
      timeoutMs: 20_000,
    });
    if (!outcome.ready) {
      const tail = await logTail(logPath);
      await stopProcess(proc, 1000);
      proc = undefined;
      throw new Error(`webhook did not become ready: ${outcome.reason}\n${tail}`);
    }
  };

  // A free port is only free until someone takes it; retry the rare race.
  for (let attempt = 1; ; attempt++) {
    port = await freeLoopbackPort();
    metricsPort = await freeLoopbackPort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3 || !isAddressInUse(await logTail(logPath))) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    caPem: tls.caPem,
    logPath,
    pid: () => proc?.pid,
    kill: async () => {
      if (proc !== undefined) await stopProcess(proc, 0);
      proc = undefined;
    },
    start: async () => {
      if (proc === undefined) await launch();
    },
    running: () => proc !== undefined && !proc.hasExited(),
    stop: async () => {
      if (proc !== undefined) await stopProcess(proc);
      proc = undefined;
      await rm(dir, { recursive: true, force: true });
      forgetRemoveOnExit(dir);
    },
  };
}

/** `mcpentry_webhook_reviews_total` by `path/operation/version/decision`. */
export type ReviewCounts = ReadonlyMap<string, number>;

export async function reviewCounts(webhook: WebhookProcess): Promise<ReviewCounts> {
  const response = await fetch(webhook.metricsUrl);
  if (!response.ok) throw new Error(`${webhook.metricsUrl}: HTTP ${response.status}`);
  const counts = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^mcpentry_webhook_reviews_total\{(.*)\} (\d+)$/.exec(line);
    if (match === null) continue;
    const labels = new Map<string, string>();
    for (const [, name = '', value = ''] of (match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
      labels.set(name, value);
    }
    const key = ['path', 'operation', 'version', 'decision'].map((l) => labels.get(l)).join('/');
    counts.set(key, Number(match[2]));
  }
  return counts;
}

/** How many reviews per key were answered between two readings (keys that did not move are left out). */
export function reviewsBetween(before: ReviewCounts, after: ReviewCounts): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, count] of after) {
    const moved = count - (before.get(key) ?? 0);
    if (moved !== 0) delta[key] = moved;
  }
  return delta;
}
