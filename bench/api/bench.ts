// API write latency through a real kube-apiserver + etcd (the test tier's control plane), with
// each admission configuration side by side in one run: none, our webhooks as shipped, and the
// generated ValidatingAdmissionPolicy. For every concurrency the configurations take turns (the
// order reverses from one concurrency to the next, so a drifting machine favours none of them);
// under each, `count` creates, then `count` remoteUrl updates of those objects, then `count`
// no-op PUTs of them, each a measured step with the API server's and our metrics read around it.
import { loadavg } from 'node:os';
import {
  startWebhookProcess,
  type WebhookProcess,
} from '../../test/e2e/support/webhook-process.ts';
import { startControlPlane, type ControlPlane } from '../../test/harness/control-plane.ts';
import { apiClient, type ClientProtocol } from './client.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaseline, writeCertificates, type ServerProcess } from '../servers.ts';
import {
  floorWebhooks,
  inForce,
  noAdmission,
  ourWebhooks,
  probeBadEntry,
  shippedMatchConditions,
  type Configuration,
  type ConfigurationName,
  type Verdict,
  type World,
} from './configurations.ts';
import { observe, snapshot, type Observation } from './observe.ts';
import { generatedPolicy } from './policy-configuration.ts';
import {
  collectionPath,
  group,
  operations,
  runWrites,
  version,
  type WriteResult,
} from './writes.ts';
import { deletingObjectsProof, type DeletingProof } from './deleting.ts';

export interface ApiBenchOptions {
  readonly concurrencies: readonly number[];
  /** Writes per operation at each point. */
  readonly count: number;
  /** Dry-run creates sent at each point before measuring (warms connections and JIT). */
  readonly warmup: number;
  readonly configurations: readonly ConfigurationName[];
  readonly protocol: ClientProtocol;
  /** Objects created with a finalizer, deleted, then updated, to show they skip the webhook. */
  readonly deletingObjects: number;
  /** Write a V8 CPU profile of our server here (node --cpu-prof), for where its time goes. */
  readonly cpuProfileDir?: string;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export interface Cell {
  readonly write: WriteResult;
  readonly observed: Observation;
}

export interface PointResult {
  readonly concurrency: number;
  readonly configuration: ConfigurationName;
  /** The bad entry's fate at the start of the point, and whether that matches the configuration. */
  readonly probe: Verdict;
  readonly inForce: boolean;
  readonly cells: Cell[];
}

export interface ApiBenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly loadAverageAtStart: number[];
  readonly loadAverageAtEnd: number[];
  readonly options: Omit<ApiBenchOptions, 'progress' | 'cpuProfileDir'>;
  /** matchConditions of each shipped webhook, by name. */
  readonly matchConditions: Record<string, string[]>;
  readonly configurations: {
    readonly name: ConfigurationName;
    readonly description: string;
    readonly available: boolean;
    readonly reason?: string;
  }[];
  readonly points: PointResult[];
  readonly deleting: DeletingProof | undefined;
}

const namespace = 'bench';

async function prepareCluster(cp: ControlPlane): Promise<void> {
  await cp.kubectl(['create', 'namespace', namespace]);
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: `${group}/${version}`,
      kind: 'MCPGroup',
      metadata: { name: 'engineering', namespace },
      spec: { description: 'the group every bench entry joins' },
    }),
  });
  // kubectl cannot write a status on create; ToolHive's controller would mark the group Ready.
  await cp.kubectl([
    ...['patch', 'mcpgroup', 'engineering', '-n', namespace, '--subresource=status'],
    ...['--type=merge', '-p', '{"status":{"phase":"Ready"}}'],
  ]);
}

async function deleteEntries(w: World): Promise<void> {
  const selector = encodeURIComponent('app.kubernetes.io/part-of=bench');
  const answer = await w.client.send(
    'DELETE',
    `${collectionPath(namespace)}?labelSelector=${selector}`,
  );
  if (answer.status !== 200) throw new Error(`deleting the bench entries: HTTP ${answer.status}`);
}

export async function runApiBench(opts: ApiBenchOptions): Promise<ApiBenchReport> {
  const say = opts.progress ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  const available: ApiBenchReport['configurations'] = [];
  const chosen: Configuration[] = [];
  for (const name of opts.configurations) {
    if (name === 'policy') {
      const policy = await generatedPolicy();
      if (policy.available) chosen.push(policy.configuration);
      available.push(
        policy.available
          ? { name, description: policy.configuration.description, available: true }
          : {
              name,
              description: 'generated ValidatingAdmissionPolicy',
              available: false,
              reason: policy.reason,
            },
      );
      continue;
    }
    const c = { none: noAdmission, floor: floorWebhooks, webhook: ourWebhooks }[name];
    chosen.push(c);
    available.push({ name, description: c.description, available: true });
  }
  const matchConditions = Object.fromEntries(shippedMatchConditions());

  say('starting etcd and kube-apiserver');
  const cp = await startControlPlane({ crds: 'project' });
  let webhook: WebhookProcess | undefined;
  let floor: ServerProcess | undefined;
  const floorDir = await mkdtemp(join(tmpdir(), 'mcpentry-bench-floor-'));
  const probeClient = apiClient({
    server: cp.server,
    caPem: cp.caPem,
    token: cp.adminToken,
    protocol: 'h2',
  });
  const points: PointResult[] = [];
  let deleting: DeletingProof | undefined;
  try {
    await prepareCluster(cp);
    say('starting our webhook server');
    webhook = await startWebhookProcess({
      kubeconfigPath: cp.kubeconfigPath,
      ...(opts.cpuProfileDir === undefined
        ? {}
        : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] }),
    });
    say('starting the floor server');
    const floorCerts = await writeCertificates(floorDir);
    floor = await startBaseline({ certs: floorCerts, http2: true });
    const w: World = {
      cp,
      webhook,
      floor: Object.assign(floor, { caPem: floorCerts.ca }),
      namespace,
      client: probeClient,
    };

    for (const [i, concurrency] of opts.concurrencies.entries()) {
      const order = i % 2 === 0 ? chosen : [...chosen].reverse();
      for (const configuration of order) {
        say(`c=${concurrency} ${configuration.name}: entering`);
        await configuration.enter(w);
        const probe = await probeBadEntry(w);
        const client = apiClient({
          server: cp.server,
          caPem: cp.caPem,
          token: cp.adminToken,
          protocol: opts.protocol,
          maxSockets: concurrency,
        });
        const cells: Cell[] = [];
        try {
          const set = { namespace, prefix: `e-${configuration.name}-c${concurrency}`, stored: [] };
          if (opts.warmup > 0) {
            const warm = {
              namespace,
              prefix: `warm-${configuration.name}-c${concurrency}`,
              stored: [],
            };
            await runWrites(client, warm, 'create', opts.warmup, concurrency, { dryRun: true });
          }
          for (const operation of operations) {
            const before = await snapshot(w);
            const write = await runWrites(client, set, operation, opts.count, concurrency);
            const after = await snapshot(w);
            cells.push({ write, observed: observe(before, after, opts.count) });
            say(
              `c=${concurrency} ${configuration.name} ${operation}: p50 ${write.p50Ms.toFixed(1)} ms, p99 ${write.p99Ms.toFixed(1)} ms, ${Math.round(write.throughput)}/s, ${write.errors} errors`,
            );
          }
        } finally {
          await client.close();
          await deleteEntries(w);
        }
        points.push({
          concurrency,
          configuration: configuration.name,
          probe,
          inForce: inForce(configuration, probe),
          cells,
        });
        if (
          configuration.name === 'webhook' &&
          deleting === undefined &&
          opts.deletingObjects > 0
        ) {
          say('objects being deleted: do their UPDATEs reach the webhook?');
          deleting = await deletingObjectsProof(w, opts.deletingObjects);
        }
        await configuration.leave(w);
      }
    }
  } finally {
    await probeClient.close();
    await webhook?.stop();
    await floor?.stop();
    await rm(floorDir, { recursive: true, force: true });
    await cp.stop();
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    loadAverageAtStart,
    loadAverageAtEnd: loadavg(),
    options: {
      concurrencies: opts.concurrencies,
      count: opts.count,
      warmup: opts.warmup,
      configurations: opts.configurations,
      protocol: opts.protocol,
      deletingObjects: opts.deletingObjects,
    },
    matchConditions,
    configurations: available,
    points,
    deleting,
  };
}
