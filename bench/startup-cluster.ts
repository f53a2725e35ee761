// Start-up against a real API server holding 10,000 MCPGroups: from spawning
// `node dist/main.js serve --kubeconfig ...` to the first 200 on /readyz, which the server
// answers only once its reference caches finished their first (paged) list.
// Uses the local control plane of test/harness (etcd + kube-apiserver as processes); when its
// binaries are not built yet that takes minutes, once.
//   node bench/startup-cluster.ts [--objects 10000] [--runs 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { serverCpu } from './http-bench.ts';
import { timeToReady, writeCertificates, type OurEntry } from './servers.ts';

export interface ClusterStartupResult {
  readonly objects: number;
  readonly namespaces: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Time the bench took to create the objects (not part of the figure). */
  readonly seedSeconds: number;
}

function post(cp: ControlPlane, agent: Agent, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${cp.server}${path}`,
      {
        method: 'POST',
        agent,
        ca: cp.caPem,
        headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** `count` MCPGroups spread over `namespaces` namespaces, created 32 at a time. */
async function seed(cp: ControlPlane, count: number, namespaces: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    for (let n = 0; n < namespaces; n++) {
      const status = await post(cp, agent, '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: `bench-${n}` },
      });
      if (status !== 201) throw new Error(`creating namespace bench-${n}: HTTP ${status}`);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < count; i = next++) {
        const ns = `bench-${i % namespaces}`;
        const status = await post(
          cp,
          agent,
          `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${ns}/mcpgroups`,
          {
            apiVersion: 'toolhive.stacklok.dev/v1beta1',
            kind: 'MCPGroup',
            metadata: { name: `group-${i}`, namespace: ns, labels: { team: `team-${i % 50}` } },
            spec: { description: `Tools of team ${i % 50}` },
          },
        );
        if (status !== 201) throw new Error(`creating group-${i}: HTTP ${status}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
  } finally {
    agent.destroy();
  }
}

export async function measureClusterStartup(
  entry: OurEntry,
  objects: number,
  runs: number,
): Promise<ClusterStartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-bench-cluster-'));
  const cp = await startControlPlane({ crds: 'project' });
  try {
    const namespaces = 10;
    const seeding = performance.now();
    await seed(cp, objects, namespaces);
    const seedSeconds = (performance.now() - seeding) / 1000;
    const certs = await writeCertificates(dir);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(
        await timeToReady({
          entry,
          certs,
          cpu: serverCpu,
          references: ['--kubeconfig', cp.kubeconfigPath],
          deadlineMs: 120_000,
          pollMs: 5,
        }),
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      objects,
      namespaces,
      runs,
      medianMs: sorted[Math.floor(sorted.length / 2)]!,
      minMs: sorted[0]!,
      maxMs: sorted[sorted.length - 1]!,
      seedSeconds,
    };
  } finally {
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const flag = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
  };
  const r = await measureClusterStartup(
    flag('--entry', 'dist') as OurEntry,
    Number(flag('--objects', '10000')),
    Number(flag('--runs', '3')),
  );
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
