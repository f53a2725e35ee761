// Smoke mode: a few hundred reviews against both servers over HTTP/1.1 and HTTP/2, each answer
// checked (status 200, the uid echoed, allowed or denied as the scenario says, the number of
// findings), plus a one-second pass of the load generator and the engine's verdicts. Nothing
// is timed: this is what keeps the benchmark code from rotting in `npm test`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEngineVerdicts } from './engine.ts';
import { applyLoadProcess } from './http-bench.ts';
import { scenarios, type Scenario } from './payloads.ts';
import {
  startBaseline,
  startOurs,
  writeCertificates,
  type OurEntry,
  type ServerProcess,
} from './servers.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

interface ReviewAnswer {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly response?: {
    readonly uid?: unknown;
    readonly allowed?: unknown;
    readonly status?: { readonly details?: { readonly causes?: readonly unknown[] } };
  };
}

export function postH1(agent: Agent, url: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function postH2(session: ClientHttp2Session, path: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
    });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    stream.end(body);
  });
}

/** Throws with what was wrong; `judges` is false for the baseline, which allows everything. */
export function checkAnswer(
  scenario: Scenario,
  uid: string,
  answer: Answer,
  judges: boolean,
  where: string,
): void {
  const fail = (why: string): never => {
    throw new Error(`${where} ${scenario.name}: ${why}: ${answer.body.slice(0, 300)}`);
  };
  if (answer.status !== 200) fail(`status ${answer.status}`);
  let parsed: ReviewAnswer;
  try {
    parsed = JSON.parse(answer.body) as ReviewAnswer;
  } catch {
    return fail('body is not JSON');
  }
  if (parsed.apiVersion !== 'admission.k8s.io/v1' || parsed.kind !== 'AdmissionReview')
    fail('not an AdmissionReview');
  if (parsed.response?.uid !== uid) fail(`uid not echoed (sent ${uid})`);
  const expectAllowed = judges ? scenario.expectAllowed : true;
  if (parsed.response?.allowed !== expectAllowed) fail(`expected allowed=${expectAllowed}`);
  if (judges && !scenario.expectAllowed) {
    const causes = parsed.response?.status?.details?.causes?.length;
    if (causes !== scenario.expectFindings)
      fail(`expected ${scenario.expectFindings} causes, got ${causes}`);
  }
}

/** Sends `perScenario` reviews of every scenario, concurrently in small batches, over h1 and h2. */
async function checkServer(
  server: ServerProcess,
  ca: string,
  judges: boolean,
  perScenario: number,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
  const session = http2Connect(server.url, { ca });
  let checked = 0;
  try {
    for (const scenario of scenarios) {
      for (let i = 0; i < perScenario; i += 4) {
        await Promise.all(
          [0, 1, 2, 3].map(async (j) => {
            const viaH2 = (i + j) % 2 === 1;
            const uid = randomUUID();
            const body = JSON.stringify(scenario.review(uid));
            const answer = viaH2
              ? await postH2(session, `${scenario.path}?timeout=10s`, body)
              : await postH1(agent, `${server.url}${scenario.path}?timeout=10s`, body);
            checkAnswer(scenario, uid, answer, judges, `${server.label} ${viaH2 ? 'h2' : 'h1'}`);
            checked += 1;
          }),
        );
      }
    }
  } finally {
    agent.destroy();
    session.close();
  }
  return checked;
}

export interface SmokeReport {
  readonly httpAnswersChecked: number;
  readonly engineVerdictsChecked: number;
  readonly loadRequests: number;
}

export async function runSmoke(entry: OurEntry = 'src', perScenario = 40): Promise<SmokeReport> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-bench-smoke-'));
  const servers: ServerProcess[] = [];
  try {
    const certs = await writeCertificates(dir);
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, certs.ca);
    // Not pinned: the smoke runs inside `npm test`, where pinning would only slow it down.
    const started = await Promise.allSettled([
      startBaseline({ certs, http2: true }),
      startOurs({ certs, http2: true, entry, logFile: join(dir, 'ours.log') }),
    ]);
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [baseline, ours] = servers as [ServerProcess, ServerProcess];
    let httpAnswersChecked = 0;
    httpAnswersChecked += await checkServer(baseline, certs.ca, false, perScenario);
    httpAnswersChecked += await checkServer(ours, certs.ca, true, perScenario);

    // The load generator itself, briefly, on both protocols: it must finish with no failures.
    const bodyFile = join(dir, 'review.json');
    writeFileSync(bodyFile, JSON.stringify(scenarios[0]!.review()));
    let loadRequests = 0;
    for (const protocol of ['h1', 'h2'] as const) {
      const r = await applyLoadProcess({
        protocol,
        url: `${ours.url}/validate?timeout=10s`,
        caFile,
        bodyFile,
        concurrency: 4,
        durationSeconds: 1,
        warmupSeconds: 0,
      });
      loadRequests += r.requests;
    }
    const engineVerdictsChecked = await checkEngineVerdicts(perScenario);
    return { httpAnswersChecked, engineVerdictsChecked, loadRequests };
  } finally {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
