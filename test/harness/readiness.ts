// Polling a health endpoint until it answers 200, while watching the process that should
// serve it: if the process dies, waiting on is pointless and the caller wants its log.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ManagedProcess } from './processes.ts';

export interface ProbeResult {
  readonly status: number;
  readonly body: string;
}

export function probe(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'GET',
        agent: false,
        timeout: opts.timeoutMs ?? 2000,
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

export type WaitOutcome =
  { readonly ready: true } | { readonly ready: false; readonly reason: string };

export async function waitUntilHealthy(
  url: string,
  proc: ManagedProcess,
  opts: { ca?: string; timeoutMs: number },
): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.hasExited())
      return { ready: false, reason: `${proc.name} exited (${String(await proc.exited)})` };
    try {
      const { status, body } = await probe(url, opts.ca === undefined ? {} : { ca: opts.ca });
      if (status === 200) return { ready: true };
      last = `HTTP ${status}: ${body.slice(0, 500)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ready: false, reason: `${url} not ready after ${opts.timeoutMs} ms (last: ${last})` };
}
