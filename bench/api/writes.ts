// The three writes users make to MCPServerEntry objects, each sent `count` times by
// `concurrency` workers in a closed loop (a worker sends its next request when the last one is
// answered), timed per request from send to the last byte of the answer:
// - create: POST of a new entry (what `kubectl apply` of a new file does);
// - update: a JSON merge patch that changes spec.remoteUrl (`kubectl apply` of an edit, PATCH);
// - noop:   a PUT of the object exactly as the API server last returned it, the write a
//           storage-version migration or a controller's unconditional Update makes; the API
//           server runs admission and then stores nothing.
import type { ApiClient } from './client.ts';

export const operations = ['create', 'update', 'noop'] as const;
export type Operation = (typeof operations)[number];

export const group = 'toolhive.stacklok.dev';
export const version = 'v1beta1';

export interface WriteSet {
  readonly namespace: string;
  /** Object names are `${prefix}-${index}`. */
  readonly prefix: string;
  /** The object as the API server last returned it, by index (the body a no-op PUT sends). */
  readonly stored: (string | undefined)[];
}

export interface WriteResult {
  readonly operation: Operation;
  readonly concurrency: number;
  readonly count: number;
  readonly errors: number;
  /** Up to three error answers (status and the API server's message), for the report. */
  readonly errorSamples: string[];
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** No-op PUTs whose answer carried a new resourceVersion (must stay 0: then it was a write). */
  readonly noopsThatWrote: number;
}

export function collectionPath(namespace: string): string {
  return `/apis/${group}/${version}/namespaces/${namespace}/mcpserverentries`;
}

export function remoteUrl(index: number, revision: number): string {
  return `https://mcp-${index}.tools.example.com/r${revision}/mcp`;
}

/** An entry as a user writes it: a public HTTPS server in a group that exists and is Ready. */
export function newEntry(namespace: string, name: string, index: number): unknown {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'MCPServerEntry',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'bench' } },
    spec: {
      remoteUrl: remoteUrl(index, 1),
      transport: 'streamable-http',
      groupRef: { name: 'engineering' },
    },
  };
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
  readonly expect: number;
}

function requestFor(set: WriteSet, operation: Operation, index: number): Request {
  const name = `${set.prefix}-${index}`;
  const collection = collectionPath(set.namespace);
  switch (operation) {
    case 'create':
      return {
        method: 'POST',
        path: collection,
        body: JSON.stringify(newEntry(set.namespace, name, index)),
        contentType: 'application/json',
        expect: 201,
      };
    case 'update':
      return {
        method: 'PATCH',
        path: `${collection}/${name}`,
        body: JSON.stringify({ spec: { remoteUrl: remoteUrl(index, 2) } }),
        contentType: 'application/merge-patch+json',
        expect: 200,
      };
    case 'noop': {
      const body = set.stored[index];
      if (body === undefined) throw new Error(`no stored copy of ${name} to PUT back`);
      return {
        method: 'PUT',
        path: `${collection}/${name}`,
        body,
        contentType: 'application/json',
        expect: 200,
      };
    }
  }
}

function resourceVersionOf(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as { metadata?: { resourceVersion?: string } };
    return parsed.metadata?.resourceVersion;
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, i))]!;
}

function errorText(status: number, body: string): string {
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message.slice(0, 300);
  } catch {
    // not JSON: keep the raw start
  }
  return `HTTP ${status}: ${message}`;
}

/**
 * Sends `operation` for indexes 0..count-1 of `set`. Successful answers replace the stored
 * copy, so an update followed by a no-op PUT sends the updated object back unchanged.
 */
export async function runWrites(
  client: ApiClient,
  set: WriteSet,
  operation: Operation,
  count: number,
  concurrency: number,
  opts: { readonly dryRun?: boolean } = {},
): Promise<WriteResult> {
  const latencies = new Float64Array(count);
  let done = 0;
  let errors = 0;
  let noopsThatWrote = 0;
  const errorSamples: string[] = [];
  let next = 0;
  const suffix = opts.dryRun === true ? '?dryRun=All' : '';
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      const r = requestFor(set, operation, index);
      const started = performance.now();
      let status = 0;
      let body = '';
      try {
        ({ status, body } = await client.send(r.method, r.path + suffix, r.body, r.contentType));
      } catch (error) {
        body = error instanceof Error ? error.message : String(error);
      }
      latencies[done++] = performance.now() - started;
      if (status !== r.expect) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(errorText(status, body));
        continue;
      }
      if (opts.dryRun === true) continue;
      if (operation === 'noop' && resourceVersionOf(body) !== resourceVersionOf(r.body))
        noopsThatWrote++;
      set.stored[index] = body;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.slice(0, done).sort();
  return {
    operation,
    concurrency,
    count,
    errors,
    errorSamples,
    seconds,
    throughput: count / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    noopsThatWrote,
  };
}
