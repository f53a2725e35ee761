// The one cluster client, used by the lookups, by crd/ (the installed CRD) and by the CLI (the
// audit's list of stored entries). The few API calls they make (GET one object, LIST a page,
// WATCH a stream), over
// client-node's KubeConfig (client certificates, token files, exec plugins, in-cluster) and its
// fetch. Two reasons not to use the generated API classes: every call here must stop when the
// caller's deadline aborts it, and the generated models would deserialise whole objects (a
// Secret's data included) into classes we would throw away. Failures are values, classified
// once here so every lookup words them the same way.
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  RequestContext,
} from '@kubernetes/client-node';
import { isRecord } from '../json-object.ts';

export type ApiFailureClass =
  | 'not-found' // the object does not exist
  | 'not-served' // the resource type itself is unknown (CRD not installed, wrong version)
  | 'forbidden' // RBAC said no
  | 'unauthorized' // credentials refused
  | 'gone' // resourceVersion too old (watch/list continuation expired)
  | 'server-error' // 5xx, 429 and anything else unexpected
  | 'timeout' // the caller's deadline passed first
  | 'unreachable' // no HTTP answer at all (refused, reset, DNS, TLS)
  | 'bad-response'; // an answer that is not the JSON the API promises

export interface ApiFailure {
  readonly ok: false;
  readonly failure: ApiFailureClass;
  readonly status?: number;
  /** One line, bounded: safe to show users (it never contains object data). */
  readonly message: string;
}

export type ApiResult<T> = { readonly ok: true; readonly value: T } | ApiFailure;

export interface WatchStream {
  /** One JSON document per line, as the API server writes watch events. */
  readonly lines: AsyncIterable<string>;
}

const maxMessageLength = 300;

function oneLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > maxMessageLength ? `${line.slice(0, maxMessageLength - 3)}...` : line;
}

/** Classify an HTTP error answer, using the Status object the API server puts in the body. */
export function classifyStatus(status: number, bodyText: string): ApiFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const apiStatus = isRecord(parsed) && parsed['kind'] === 'Status' ? parsed : undefined;
  const text =
    typeof apiStatus?.['message'] === 'string'
      ? apiStatus['message']
      : `HTTP ${status} ${bodyText.slice(0, 100)}`;
  const message = oneLine(text);
  const details = isRecord(apiStatus?.['details']) ? apiStatus['details'] : undefined;
  if (status === 404) {
    // A missing object is a 404 whose details name it; a missing resource type (CRD not
    // installed, version not served) is a bare 404 "the server could not find the requested
    // resource". Treating the second as "missing" would deny every entry while a CRD upgrade
    // is in flight, so it is a failure instead.
    const named = typeof details?.['name'] === 'string' && details['name'] !== '';
    return { ok: false, failure: named ? 'not-found' : 'not-served', status, message };
  }
  const failure: ApiFailureClass =
    status === 403
      ? 'forbidden'
      : status === 401
        ? 'unauthorized'
        : status === 410
          ? 'gone'
          : 'server-error';
  return { ok: false, failure, status, message };
}

/** A thrown fetch error (or abort) as a failure value. */
export function classifyThrown(err: unknown, signal: AbortSignal): ApiFailure {
  if (signal.aborted) {
    return { ok: false, failure: 'timeout', message: 'no answer before the deadline' };
  }
  // undici reports network trouble as TypeError('fetch failed') with the socket error as cause.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const text = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return { ok: false, failure: 'unreachable', message: oneLine(text) };
}

/**
 * Settle with `onAbort()` as soon as `signal` aborts, even if `work` never settles (an exec
 * credential plugin that hangs). The abandoned promise keeps a handler, so it cannot surface
 * later as an unhandled rejection.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => T): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function* splitLines(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') yield line;
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') yield pending;
}

export class KubeApi {
  readonly server: string;
  private readonly config: KubeConfig;
  private readonly http = new IsomorphicFetchHttpLibrary();
  // KubeConfig builds a new connection pool (undici Agent) for every request it authenticates;
  // reusing the first one keeps one warm TLS connection instead of a handshake per lookup.
  private dispatcher: ReturnType<RequestContext['getDispatcher']>;
  private dispatcherTaken = false;

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    this.config = config;
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** GET `path` (which may carry a query) and parse the JSON answer. */
  async getJson(path: string, signal: AbortSignal): Promise<ApiResult<unknown>> {
    const timeout = (): ApiFailure => classifyThrown(undefined, signal);
    return raceAbort(this.request(path, signal, 'json'), signal, timeout);
  }

  /** Open a watch (or any streaming GET); lines arrive until the server or `signal` ends it. */
  async openStream(path: string, signal: AbortSignal): Promise<ApiResult<WatchStream>> {
    const timeout = (): ApiFailure => classifyThrown(undefined, signal);
    return raceAbort(this.request(path, signal, 'stream'), signal, timeout) as Promise<
      ApiResult<WatchStream>
    >;
  }

  private async request(
    path: string,
    signal: AbortSignal,
    mode: 'json' | 'stream',
  ): Promise<ApiResult<unknown> | ApiResult<WatchStream>> {
    try {
      const ctx = new RequestContext(`${this.server}${path}`, HttpMethod.GET);
      // Asked per request: token files (in-cluster tokens rotate) and exec plugins refresh here.
      await this.config.applySecurityAuthentication(ctx);
      if (!this.dispatcherTaken) {
        this.dispatcher = ctx.getDispatcher();
        this.dispatcherTaken = true;
      }
      if (this.dispatcher !== undefined) ctx.setDispatcher(this.dispatcher);
      ctx.setHeaderParam('Accept', 'application/json');
      ctx.setSignal(signal);
      const response = await this.http.send(ctx).toPromise();
      const status = response.httpStatusCode;
      if (status !== 200) return classifyStatus(status, await response.body.text());
      if (mode === 'stream') {
        const body = response.body.stream();
        if (body === null)
          return { ok: false, failure: 'bad-response', status, message: 'empty watch body' };
        return { ok: true, value: { lines: splitLines(body) } };
      }
      const text = await response.body.text();
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        return { ok: false, failure: 'bad-response', status, message: 'answer is not JSON' };
      }
    } catch (err) {
      return classifyThrown(err, signal);
    }
  }
}

/** Credentials from a kubeconfig file, or the pod's service account when none is given. */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig === undefined) kc.loadFromCluster();
  else kc.loadFromFile(kubeconfig);
  return kc;
}

/** The client for the cluster of `kubeconfig` (in-cluster credentials when undefined). */
export const connectKubeApi = (kubeconfig: string | undefined): KubeApi =>
  new KubeApi(loadKubeConfig(kubeconfig));
