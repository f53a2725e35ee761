// Our webhook server for `npm run cluster:up`: the real `node src/main.ts serve` process, left
// running after cluster:up ends, with a CA of its own and a serving certificate for 127.0.0.1
// (the API server's Go client ignores the CN, so the IP must be a SAN), looking references up
// in the local cluster, and registered there with the dev-url configurations we ship.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { registerDevUrlWebhooks, waitForWebhookActive } from '../e2e/support/activation.ts';
import { recordProcess, type RecordedProcess, type RecordedWebhook } from './cluster-state.ts';
import type { Kubectl } from './kubectl.ts';
import { freeLoopbackPort, isAddressInUse } from './ports.ts';
import { logTail, startProcess, stopProcess } from './processes.ts';
import { waitUntilHealthy } from './readiness.ts';
import { webhookServeArgs, writeWebhookTls } from './webhook-serve.ts';

/** Where the activation probe is sent: a namespace every cluster has and no selector leaves out. */
const probeNamespace = 'default';

export interface ClusterWebhookOptions {
  /** Certificates and the log go here (the cluster's state directory). */
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kubectl: Kubectl;
  /**
   * Called as soon as a process is spawned, before anything can fail, so that cluster:down
   * can stop it whatever happens next.
   */
  readonly record: (proc: RecordedProcess) => Promise<void>;
}

export interface StartedClusterWebhook {
  readonly process: RecordedProcess;
  readonly webhook: RecordedWebhook;
  /** From `kubectl apply` of the configurations to the first review our webhook denied. */
  readonly activationMs: number;
}

export async function startClusterWebhook(
  opts: ClusterWebhookOptions,
): Promise<StartedClusterWebhook> {
  const tlsDir = join(opts.dir, 'webhook-tls');
  await mkdir(tlsDir, { recursive: true });
  const tls = await writeWebhookTls(tlsDir, 'local cluster');
  const logPath = join(opts.dir, 'webhook.log');

  const launch = async (port: number, metricsPort: number): Promise<RecordedProcess> => {
    const proc = startProcess({
      name: 'mcpentry-webhook',
      command: process.execPath,
      args: webhookServeArgs({ tls, kubeconfigPath: opts.kubeconfigPath, port, metricsPort }),
      logPath,
      outliveParent: true,
    });
    const record = recordProcess(proc.name, proc.pid, logPath);
    await opts.record(record);
    // /readyz is 200 once the reference caches have synced with the cluster.
    const outcome = await waitUntilHealthy(`https://127.0.0.1:${port}/readyz`, proc, {
      ca: tls.caPem,
      timeoutMs: 30_000,
    });
    if (outcome.ready) return record;
    await stopProcess(proc, 1000);
    throw new Error(`webhook did not become ready: ${outcome.reason}\n${await logTail(logPath)}`);
  };

  // A free port is only free until someone takes it; retry the rare race.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const metricsPort = await freeLoopbackPort();
    let launched: RecordedProcess;
    try {
      launched = await launch(port, metricsPort);
    } catch (error) {
      if (attempt < 3 && isAddressInUse(await logTail(logPath, 5))) continue;
      throw error;
    }
    await registerDevUrlWebhooks(opts.kubectl, { port, caPem: tls.caPem });
    const activationMs = await waitForWebhookActive(opts.kubectl, probeNamespace);
    return {
      process: launched,
      webhook: {
        url: `https://127.0.0.1:${port}`,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        caCertPath: tls.caCertPath,
        logPath,
      },
      activationMs,
    };
  }
}
