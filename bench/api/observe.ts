// What the API server and our server say about one measured step: two scrapes of each /metrics
// and the CPU time of kube-apiserver, etcd and our server from /proc, before and after.
import { request } from 'node:https';
import { cpuTimesOf } from '../servers.ts';
import type { World } from './configurations.ts';
import {
  difference,
  histogramQuantile,
  parseMetrics,
  sumBy,
  total,
  type Sample,
  type Scrape,
} from './prometheus.ts';

const apiServerFamilies = [
  'apiserver_admission_webhook_admission_duration_seconds',
  'apiserver_admission_webhook_request_total',
  'apiserver_admission_match_condition_exclusions_total',
  'apiserver_admission_step_admission_duration_seconds',
  'apiserver_request_duration_seconds_sum',
  'apiserver_request_duration_seconds_count',
];
const ourFamilies = ['mcpentry_webhook_reviews_total', 'mcpentry_webhook_review_duration_seconds'];

interface CpuMicros {
  /** Our server. */
  readonly webhook: number;
  /** The floor server (bench/baseline-server.ts). */
  readonly floor: number;
  readonly apiServer: number;
  readonly etcd: number;
}

export interface Snapshot {
  readonly apiServer: Scrape;
  readonly ours: Scrape;
  readonly cpu: CpuMicros;
}

/** What happened between two snapshots, per write where it says "per". */
export interface Observation {
  /** Webhook calls the API server made, by our webhook type: `validating` and `admit` (mutating). */
  readonly webhookCalls: Record<string, number>;
  /** Their mean and bucket-estimated p99 duration as the API server timed them, ms. */
  readonly webhookMeanMs: Record<string, number>;
  readonly webhookP99Ms: Record<string, number>;
  /** Calls the API server did not make because a matchCondition was false. */
  readonly matchConditionExclusions: number;
  /**
   * Whole admission phases per write (in-tree plugins, webhooks, policies), mean ms. The
   * policy's own cost shows only here: kube-apiserver 1.34 counts a ValidatingAdmissionPolicy
   * evaluation (apiserver_validating_admission_policy_check_*) only when it denies, warns or
   * audits, never when it allows.
   */
  readonly mutatingPhaseMeanMs: number;
  readonly validatingPhaseMeanMs: number;
  /** The API server's own time for the writes (apiserver_request_duration_seconds), mean ms. */
  readonly apiServerMeanMs: number;
  /** Reviews our server answered (mcpentry_webhook_reviews_total), by path label (`validate`, `mutate`). */
  readonly ourReviews: Record<string, number>;
  /** Our server's own time per review (parsed request to encoded answer), mean ms, by path. */
  readonly ourReviewMeanMs: Record<string, number>;
  /**
   * CPU of the webhook servers (ours and the floor; the idle one adds next to nothing) per
   * webhook call the API server made, µs (NaN when it made none).
   */
  readonly serverCpuMicrosPerCall: number;
  /** CPU per write of each process, µs. */
  readonly cpuMicrosPerWrite: CpuMicros;
}

async function scrape(
  url: string,
  token: string | undefined,
  ca: string | undefined,
): Promise<string> {
  // fetch takes no per-request CA, so the API server (whose CA only we trust) gets node:https.
  if (ca === undefined) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.text();
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        agent: false,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const t = cpuTimesOf(pid);
  return t.userMicros + t.systemMicros;
}

export async function snapshot(w: World): Promise<Snapshot> {
  const ids = w.cp.processIds();
  const [apiText, ourText] = await Promise.all([
    scrape(`${w.cp.server}/metrics`, w.cp.adminToken, w.cp.caPem),
    scrape(w.webhook.metricsUrl, undefined, undefined),
  ]);
  return {
    apiServer: parseMetrics(apiText, apiServerFamilies),
    ours: parseMetrics(ourText, ourFamilies),
    cpu: {
      webhook: cpuOf(w.webhook.pid()),
      floor: cpuOf(w.floor.pid),
      apiServer: cpuOf(ids.kubeApiServer),
      etcd: cpuOf(ids.etcd),
    },
  };
}

const ms = (seconds: number): number => seconds * 1000;

function mean(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): number {
  return total(samples, `${name}_sum`, where) / total(samples, `${name}_count`, where);
}

export function observe(before: Snapshot, after: Snapshot, writes: number): Observation {
  const api = difference(before.apiServer, after.apiServer);
  const ours = difference(before.ours, after.ours);
  const webhookFamily = 'apiserver_admission_webhook_admission_duration_seconds';
  const calls = sumBy(api, `${webhookFamily}_count`, 'type');
  const webhookCalls: Record<string, number> = {};
  const webhookMeanMs: Record<string, number> = {};
  const webhookP99Ms: Record<string, number> = {};
  for (const type of ['admit', 'validating']) {
    webhookCalls[type] = calls.get(type) ?? 0;
    webhookMeanMs[type] = ms(mean(api, webhookFamily, { type }));
    webhookP99Ms[type] = ms(histogramQuantile(api, webhookFamily, 0.99, { type }));
  }
  const ourReviews = Object.fromEntries(sumBy(ours, 'mcpentry_webhook_reviews_total', 'path'));
  const allCalls = (webhookCalls['admit'] ?? 0) + (webhookCalls['validating'] ?? 0);
  const serverCpu = after.cpu.webhook - before.cpu.webhook + (after.cpu.floor - before.cpu.floor);
  const stepFamily = 'apiserver_admission_step_admission_duration_seconds';
  const requestWhere = { resource: 'mcpserverentries', dry_run: '' };
  const cpu = (key: keyof CpuMicros): number => (after.cpu[key] - before.cpu[key]) / writes;
  return {
    webhookCalls,
    webhookMeanMs,
    webhookP99Ms,
    matchConditionExclusions: total(api, 'apiserver_admission_match_condition_exclusions_total'),
    mutatingPhaseMeanMs: ms(total(api, `${stepFamily}_sum`, { type: 'admit' }) / writes),
    validatingPhaseMeanMs: ms(total(api, `${stepFamily}_sum`, { type: 'validate' }) / writes),
    apiServerMeanMs: ms(mean(api, 'apiserver_request_duration_seconds', requestWhere)),
    ourReviews,
    ourReviewMeanMs: Object.fromEntries(
      ['mutate', 'validate'].map((path) => [
        path,
        ms(mean(ours, 'mcpentry_webhook_review_duration_seconds', { path })),
      ]),
    ),
    serverCpuMicrosPerCall: allCalls === 0 ? Number.NaN : serverCpu / allCalls,
    cpuMicrosPerWrite: {
      webhook: cpu('webhook'),
      floor: cpu('floor'),
      apiServer: cpu('apiServer'),
      etcd: cpu('etcd'),
    },
  };
}
