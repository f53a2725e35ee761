// etcd 3.6 for one control plane: loopback only, a throwaway data dir, no fsync
// (durability is worthless for a test cluster and fsync dominates its latency).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLoopbackPort, isAddressInUse } from './ports.ts';
import { logTail, startProcess, stopProcess, type ManagedProcess } from './processes.ts';
import { waitUntilHealthy } from './readiness.ts';

export interface RunningEtcd {
  readonly process: ManagedProcess;
  readonly clientUrl: string;
}

const attempts = 5;

export async function startEtcd(opts: {
  binary: string;
  workDir: string;
  outliveParent: boolean;
  timeoutMs?: number;
}): Promise<RunningEtcd> {
  const dataDir = join(opts.workDir, 'etcd-data');
  const logPath = join(opts.workDir, 'etcd.log');
  let lastFailure = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // A failed attempt may have bootstrapped the member with other URLs.
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const clientUrl = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const peerUrl = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const proc = startProcess({
      name: 'etcd',
      command: opts.binary,
      logPath,
      outliveParent: opts.outliveParent,
      args: [
        `--name=mcpentry-local`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=mcpentry-local=${peerUrl}`,
        // Port 2381 by default; a second control plane on the machine would collide.
        `--listen-metrics-urls=http://127.0.0.1:${await freeLoopbackPort()}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
    });
    const outcome = await waitUntilHealthy(`${clientUrl}/health`, proc, {
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    if (outcome.ready) return { process: proc, clientUrl };
    await stopProcess(proc, 1000);
    const tail = await logTail(logPath);
    lastFailure = `${outcome.reason}\n--- etcd.log (tail) ---\n${tail}`;
    if (!isAddressInUse(tail)) break;
  }
  throw new Error(`etcd did not become healthy: ${lastFailure}`);
}
