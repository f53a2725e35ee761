// Loads for the node cluster's e2e scenarios (test/e2e/node-cluster.test.ts):
// - a create load through the API server: entries that must be admitted and entries our
//   validating webhook must deny, alternating, each outcome classified;
// - reviews sent straight to one pod (its bridge address), each on a connection of its own,
//   classified by whether the server had accepted the connection when it failed.
import { request } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { validatingWebhookName } from './activation.ts';

export const entryGroup = 'load';

export interface CreateLoadResult {
  readonly admitted: number;
  readonly denied: number;
  /** Entries that should have been admitted and were not, or requests that failed. */
  readonly failedAdmissions: readonly string[];
  /** Entries our webhook must deny that the API server stored. */
  readonly wronglyAdmitted: readonly string[];
}

export interface CreateLoad {
  readonly stop: () => Promise<CreateLoadResult>;
  /** Requests answered so far (admitted + denied + failed). */
  readonly answered: () => number;
}

interface ApiTarget {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

function entry(namespace: string, name: string, good: boolean): string {
  return JSON.stringify({
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name, namespace },
    spec: {
      groupRef: { name: entryGroup },
      // The bad one points at the cloud metadata address, which the webhook always denies.
      remoteUrl: good
        ? `https://${name}.mcp.example.com/mcp`
        : 'https://169.254.169.254/latest/meta-data',
      transport: 'streamable-http',
    },
  });
}

function post(
  target: ApiTarget,
  path: string,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.server);
    const req = request(
      url,
      {
        method: 'POST',
        ca: target.caPem,
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': 'application/json',
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? '';
  } catch {
    return '';
  }
}

/**
 * `workers` loops of creates until stopped: even requests carry a good entry (must be
 * 201), odd ones a bad entry (must be our webhook's denial). Anything else is recorded.
 */
export function startCreateLoad(
  target: ApiTarget,
  namespace: string,
  opts: { workers?: number; prefix: string },
): CreateLoad {
  let stopping = false;
  let admitted = 0;
  let denied = 0;
  const failedAdmissions: string[] = [];
  const wronglyAdmitted: string[] = [];
  const path = `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${namespace}/mcpserverentries`;
  const startedAt = Date.now();
  // When it was sent and how long it took: a failure is then placed among the test's steps.
  const when = (sentAt: number): string =>
    `sent at +${sentAt - startedAt} ms, answered after ${Date.now() - sentAt} ms`;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stopping; i++) {
      const good = i % 2 === 0;
      const name = `${opts.prefix}-${w}-${i}`;
      const sentAt = Date.now();
      try {
        const { status, body } = await post(target, path, entry(namespace, name, good));
        if (good) {
          if (status === 201) admitted++;
          else
            failedAdmissions.push(
              `${name} (${when(sentAt)}): HTTP ${status} ${body.slice(0, 1000)}`,
            );
        } else if (status === 201) {
          wronglyAdmitted.push(name);
        } else if (
          status === 403 &&
          statusMessage(body).startsWith(
            `admission webhook "${validatingWebhookName}" denied the request: spec.remoteUrl:`,
          )
        ) {
          denied++;
        } else {
          // Refused, but not by our verdict (e.g. "failed calling webhook"): an outage.
          failedAdmissions.push(
            `${name} (bad, ${when(sentAt)}): HTTP ${status} ${body.slice(0, 1000)}`,
          );
        }
      } catch (error) {
        failedAdmissions.push(`${name} (${when(sentAt)}): ${(error as Error).message}`);
      }
    }
  };
  const running = Array.from({ length: opts.workers ?? 3 }, (_, w) => worker(w));
  return {
    answered: () => admitted + denied + failedAdmissions.length + wronglyAdmitted.length,
    stop: async () => {
      stopping = true;
      await Promise.all(running);
      return { admitted, denied, failedAdmissions, wronglyAdmitted };
    },
  };
}

/** The serving certificate a pod presents right now (SHA-256 fingerprint). */
export function servedFingerprint(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host,
        port,
        rejectUnauthorized: false,
        servername: 'mcpentry-webhook.mcpentry-webhook.svc',
      },
      () => {
        const cert: PeerCertificate = socket.getPeerCertificate();
        socket.end();
        resolve(cert.fingerprint256);
      },
    );
    socket.setTimeout(5000, () => socket.destroy(new Error(`TLS to ${host}:${port} timed out`)));
    socket.on('error', reject);
  });
}

export interface DirectResult {
  readonly answered: number;
  /** Answered after `markAt` was called (e.g. after SIGTERM). */
  readonly answeredAfterMark: number;
  /** The connection was refused: the server was no longer accepting (not in flight). */
  readonly refused: number;
  /** Answered 503: shed under overload (the server's CPU is starved on a busy machine). */
  readonly shed: number;
  /**
   * Failed after the server accepted the connection, with the ms since `mark` at which the
   * request was sent (negative: before). At the instant the server closes its listener, a
   * connection whose handshake is done but whose request has not arrived yet counts as idle
   * and is closed; that is not an in-flight request, so callers look at the send times.
   */
  readonly dropped: readonly { readonly sentAfterMarkMs: number; readonly error: string }[];
}

/**
 * Reviews POSTed to one pod, each on a fresh connection, by `workers` loops until stopped.
 * A request counts as dropped when it fails after its TLS handshake completed.
 */
export function startDirectReviews(
  host: string,
  port: number,
  caPem: string,
  review: string,
  opts: { workers?: number } = {},
): { mark: () => void; stop: () => Promise<DirectResult> } {
  let stopping = false;
  let markedAt: number | undefined;
  let answered = 0;
  let answeredAfterMark = 0;
  let refused = 0;
  let shed = 0;
  const dropped: { sentAfterMarkMs: number; error: string }[] = [];
  const drop = (sentAt: number, error: string): void => {
    dropped.push({ sentAfterMarkMs: sentAt - (markedAt ?? Number.POSITIVE_INFINITY), error });
  };
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = Date.now();
      let accepted = false;
      const req = request(
        {
          host,
          port,
          path: '/validate',
          method: 'POST',
          ca: caPem,
          servername: 'mcpentry-webhook.mcpentry-webhook.svc',
          agent: false,
          headers: { 'content-type': 'application/json' },
          timeout: 15_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) {
              answered++;
              if (markedAt !== undefined && sentAt >= markedAt) answeredAfterMark++;
            } else if (res.statusCode === 503) {
              // The server's overload answer (load shedding): an answer, not a dropped request.
              shed++;
            } else drop(sentAt, `HTTP ${res.statusCode}`);
            resolve();
          });
          res.on('error', (error) => {
            drop(sentAt, `response: ${error.message}`);
            resolve();
          });
        },
      );
      req.on('socket', (socket) => socket.once('secureConnect', () => (accepted = true)));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!accepted) refused++;
        else drop(sentAt, `${error.code ?? ''} ${error.message}`);
        resolve();
      });
      req.end(review);
    });
  const worker = async (): Promise<void> => {
    while (!stopping) {
      await once();
      if (!stopping && refused > 0) await new Promise((r) => setTimeout(r, 50));
    }
  };
  const running = Array.from({ length: opts.workers ?? 4 }, () => worker());
  return {
    mark: () => (markedAt = Date.now()),
    stop: async () => {
      stopping = true;
      await Promise.all(running);
      return { answered, answeredAfterMark, refused, shed, dropped };
    },
  };
}

/**
 * One review whose body is sent in two halves: the first at once, the second only when
 * `closed()` says the server has stopped accepting connections (or after `maxWaitMs`). The
 * request is therefore in flight while the server shuts down.
 */
export async function reviewAcrossShutdown(
  host: string,
  port: number,
  caPem: string,
  review: string,
  closed: () => Promise<boolean>,
  maxWaitMs: number,
): Promise<{ status: number; body: string; closedBeforeBodyEnd: boolean }> {
  const body = Buffer.from(review);
  const half = Math.floor(body.length / 2);
  let resolveResponse: (value: { status: number; body: string }) => void = () => undefined;
  let rejectResponse: (error: Error) => void = () => undefined;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const req = request(
    {
      host,
      port,
      path: '/validate',
      method: 'POST',
      ca: caPem,
      servername: 'mcpentry-webhook.mcpentry-webhook.svc',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
      res.on('error', rejectResponse);
    },
  );
  req.on('error', rejectResponse);
  await new Promise<void>((resolve) => req.write(body.subarray(0, half), () => resolve()));
  const deadline = Date.now() + maxWaitMs;
  let closedBeforeBodyEnd = false;
  while (Date.now() < deadline) {
    if (await closed()) {
      closedBeforeBodyEnd = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  req.end(body.subarray(half));
  return { ...(await response), closedBeforeBodyEnd };
}
