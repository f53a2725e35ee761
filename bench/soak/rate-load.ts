// Open-loop HTTPS/1.1 load: requests leave at a fixed rate whatever the server does, as the API
// server's traffic does, so an overloaded server shows up as queueing and refusals rather than
// as a politely slower client (autocannon's closed loop). Latency counts from the moment a
// request was due, so client-side queueing is not hidden (no coordinated omission).
//   node bench/soak/rate-load.ts '<RateLoadSpec JSON>'
// Prints one JSON line per report window and per phase (a LoadWindow).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

export interface Phase {
  readonly label: string;
  readonly rate: number;
  readonly seconds: number;
}

export interface RateLoadSpec {
  readonly url: string;
  readonly caFile: string;
  readonly bodyFile: string;
  readonly connections: number;
  readonly phases: readonly Phase[];
  readonly reportEverySeconds: number;
  /** A request unanswered this long counts as a timeout (the API server's webhook timeout). */
  readonly timeoutMs: number;
  /** Requests waiting for a connection beyond this are not sent and counted as dropped. */
  readonly maxOutstanding: number;
}

export interface LoadWindow {
  readonly kind: 'window' | 'phase';
  readonly label: string;
  /** Seconds since the phase began, at the end of the window. */
  readonly t: number;
  readonly seconds: number;
  readonly sent: number;
  readonly byStatus: Record<string, number>;
  readonly transportErrors: number;
  readonly timeouts: number;
  readonly droppedByClient: number;
  readonly okP50Ms: number;
  readonly okP99Ms: number;
  readonly shedP50Ms: number;
  readonly shedP99Ms: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

class Tally {
  sent = 0;
  byStatus: Record<string, number> = {};
  transportErrors = 0;
  timeouts = 0;
  dropped = 0;
  ok: number[] = [];
  shed: number[] = [];

  summary(kind: LoadWindow['kind'], label: string, t: number, seconds: number): LoadWindow {
    return {
      kind,
      label,
      t,
      seconds,
      sent: this.sent,
      byStatus: this.byStatus,
      transportErrors: this.transportErrors,
      timeouts: this.timeouts,
      droppedByClient: this.dropped,
      okP50Ms: percentile(this.ok, 50),
      okP99Ms: percentile(this.ok, 99),
      shedP50Ms: percentile(this.shed, 50),
      shedP99Ms: percentile(this.shed, 99),
    };
  }
}

export async function runRateLoad(
  spec: RateLoadSpec,
  emit: (w: LoadWindow) => void,
): Promise<void> {
  const body = readFileSync(spec.bodyFile);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: spec.connections,
    ca: readFileSync(spec.caFile, 'utf8'),
    ALPNProtocols: ['http/1.1'],
  });
  const url = new URL(spec.url);
  let outstanding = 0;

  const fire = (due: number, tallies: Tally[]): void => {
    for (const t of tallies) t.sent += 1;
    if (outstanding >= spec.maxOutstanding) {
      for (const t of tallies) t.dropped += 1;
      return;
    }
    outstanding += 1;
    let settled = false;
    const settle = (record: (t: Tally) => void): void => {
      if (settled) return;
      settled = true;
      outstanding -= 1;
      for (const t of tallies) record(t);
    };
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        timeout: spec.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - due;
          const status = String(res.statusCode ?? 0);
          settle((t) => {
            t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
            if (status === '200') t.ok.push(ms);
            else if (status === '503' || status === '429') t.shed.push(ms);
          });
        });
      },
    );
    req.on('timeout', () => {
      settle((t) => (t.timeouts += 1));
      req.destroy();
    });
    req.on('error', () => settle((t) => (t.transportErrors += 1)));
    req.end(body);
  };

  // Phases follow each other without a pause (an overload phase's backlog meets the next
  // phase's load, as it would in a cluster); phase totals are emitted once everything settled.
  const phaseTallies: [Phase, Tally][] = [];
  for (const phase of spec.phases) {
    const phaseTally = new Tally();
    phaseTallies.push([phase, phaseTally]);
    let window = new Tally();
    const start = performance.now();
    let windowStart = start;
    let fired = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        const elapsed = Math.min(now - start, phase.seconds * 1000);
        const due = Math.floor((elapsed / 1000) * phase.rate);
        for (; fired < due; fired++)
          fire(start + (fired / phase.rate) * 1000, [phaseTally, window]);
        const done = elapsed >= phase.seconds * 1000;
        if (done || now - windowStart >= spec.reportEverySeconds * 1000) {
          emit(
            window.summary('window', phase.label, (now - start) / 1000, (now - windowStart) / 1000),
          );
          window = new Tally();
          windowStart = now;
        }
        if (done) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
  }
  const drainUntil = performance.now() + spec.timeoutMs + 500;
  while (outstanding > 0 && performance.now() < drainUntil)
    await new Promise((r) => setTimeout(r, 50));
  for (const [phase, tally] of phaseTallies)
    emit(tally.summary('phase', phase.label, phase.seconds, phase.seconds));
  agent.destroy();
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as RateLoadSpec;
  await runRateLoad(spec, (w) => process.stdout.write(`${JSON.stringify(w)}\n`));
}
