// Start-up: from spawning `node dist/main.js serve` to the first 200 on /readyz, with no
// cluster (references from the fixture manifests, schemas bundled, certificate files given).
// Node's own start (`node -e 0`) is measured the same way so the figure can be read against
// what no server could beat.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverCpu } from './http-bench.ts';
import { pinned, timeToReady, writeCertificates, type OurEntry } from './servers.ts';

export interface StartupResult {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** `node -e 0`, spawn to exit, median of the same number of runs. */
  readonly nodeAloneMedianMs: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function nodeAlone(): number {
  const [cmd, args] = pinned(serverCpu, process.execPath, ['-e', '0']);
  const started = process.hrtime.bigint();
  spawnSync(cmd, args);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function measureStartup(entry: OurEntry, runs: number): Promise<StartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-bench-startup-'));
  try {
    const certs = await writeCertificates(dir);
    const times: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(nodeAlone());
      times.push(
        await timeToReady({ entry, certs, cpu: serverCpu, deadlineMs: 30_000, pollMs: 2 }),
      );
    }
    return {
      runs,
      medianMs: median(times),
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      nodeAloneMedianMs: median(bare),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
