// Faults on a real control plane while reviews flow: the API server restarts, the webhook is
// SIGKILLed and restarted, and one of two webhook replicas dies under a client that fails over.
// What must hold: no review is answered wrongly (a good entry is never denied by us, a bad one
// is never stored), the failure policy is applied whole (a refused create writes nothing), the
// webhook's caches are right after the API server comes back, and with a second replica nothing
// is refused at all.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { registerDevUrlWebhooks, waitForWebhookActive } from './support/activation.ts';
import { startWebhookProcess, type WebhookProcess } from './support/webhook-process.ts';

const group = 'toolhive.stacklok.dev';
const ns = 'faults';
const startTimeout = { timeout: 30 * 60_000 };

let cp: ControlPlane;
let webhook: WebhookProcess;
let api: CustomObjectsApi;

type Outcome = 'created' | 'denied' | 'failed';
interface Attempt {
  readonly name: string;
  readonly good: boolean;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly at: number;
}

async function setGroup(name: string, phase: 'Ready' | undefined): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: `${group}/v1beta1`,
      kind: 'MCPGroup',
      metadata: { name, namespace: ns },
      spec: {},
    }),
  });
  if (phase !== undefined) {
    await cp.kubectl([
      'patch',
      `mcpgroups.${group}`,
      name,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { phase } }),
    ]);
  }
}

function entryObject(name: string, good: boolean, groupName = 'engineering'): Json {
  return entry(
    {
      groupRef: { name: groupName },
      ...(good ? {} : { remoteUrl: 'https://169.254.169.254/latest/meta-data' }),
    },
    { name, namespace: ns },
  );
}

async function create(name: string, good: boolean, groupName?: string): Promise<Attempt> {
  const at = Date.now();
  try {
    await api.createNamespacedCustomObject({
      group,
      version: 'v1beta1',
      namespace: ns,
      plural: 'mcpserverentries',
      body: entryObject(name, good, groupName),
    });
    return { name, good, outcome: 'created', detail: '', at };
  } catch (err) {
    const body = err instanceof ApiException ? String(err.body) : String(err);
    const ours =
      err instanceof ApiException && err.code === 403 && body.includes('denied the request');
    return { name, good, outcome: ours ? 'denied' : 'failed', detail: body.slice(0, 300), at };
  }
}

/** Names of the entries stored now, listed once (one kubectl per check would take minutes). */
async function storedNames(): Promise<Set<string>> {
  const r = await cp.kubectl([
    'get',
    `mcpserverentries.${group}`,
    '-n',
    ns,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return new Set(r.stdout.split(/\s+/).filter((n) => n !== ''));
}

/** Creates alternately good and bad entries from `workers` loops until `stop()` resolves. */
async function flow(
  prefix: string,
  workers: number,
  during: () => Promise<void>,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const i = n++;
      const a = await create(`${prefix}-${i}`, i % 2 === 0);
      attempts.push(a);
      // While the API server or the webhook is down, do not spin on instant failures.
      if (a.outcome === 'failed') await new Promise((r) => setTimeout(r, 100));
    }
  });
  await during();
  running = false;
  await Promise.all(loops);
  return attempts;
}

before(async () => {
  cp = await startControlPlane({});
  await cp.kubectl(['create', 'namespace', ns]);
  await setGroup('engineering', 'Ready');
  webhook = await startWebhookProcess({ kubeconfigPath: cp.kubeconfigPath });
  await registerDevUrlWebhooks(cp.kubectl, webhook);
  await waitForWebhookActive(cp.kubectl, ns);
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  api = kc.makeApiClient(CustomObjectsApi);
}, startTimeout);

after(async () => {
  await webhook?.stop();
  await cp?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('faults while reviews flow', () => {
  test('API server restart: no wrong answer, and the caches are right afterwards', async () => {
    const attempts = await flow('restart', 3, async () => {
      await sleep(1_500);
      await cp.restartApiServer();
      await sleep(2_000);
    });
    assert.ok(attempts.filter((a) => a.outcome === 'created').length > 0);
    const stored = await storedNames();
    for (const a of attempts) {
      if (a.good) assert.notEqual(a.outcome, 'denied', `${a.name} wrongly denied: ${a.detail}`);
      else assert.notEqual(a.outcome, 'created', `${a.name} wrongly admitted`);
      // A request cut by the restart may or may not have been stored; a bad one never is.
      if (!a.good) assert.equal(stored.has(a.name), false, `${a.name} stored`);
      if (a.outcome === 'created') assert.equal(stored.has(a.name), true, `${a.name} lost`);
    }

    // The webhook's watches resumed: a group created after the restart is seen, and one
    // deleted after it is missed.
    await setGroup('after-restart', 'Ready');
    await setGroup('doomed', 'Ready');
    await cp.kubectl(['delete', `mcpgroups.${group}`, 'doomed', '-n', ns]);
    let late: Attempt | undefined;
    let gone: Attempt | undefined;
    for (let i = 0; i < 50; i++) {
      late = await create(`late-${i}`, true, 'after-restart');
      gone = await create(`gone-${i}`, true, 'doomed');
      if (late.outcome === 'created' && gone.outcome === 'denied') break;
      await sleep(200);
    }
    assert.equal(late?.outcome, 'created', late?.detail);
    assert.equal(gone?.outcome, 'denied', gone?.detail);
    assert.match(gone?.detail ?? '', /spec\.groupRef\.name/);
  });

  test('webhook SIGKILLed mid-load and restarted: failurePolicy Fail, never a partial write', async () => {
    const attempts = await flow('kill', 3, async () => {
      await sleep(1_000);
      await webhook.kill();
      await sleep(2_000);
      await webhook.start();
      await waitForWebhookActive(cp.kubectl, ns);
      await sleep(1_000);
    });
    const failed = attempts.filter((a) => a.outcome === 'failed');
    assert.ok(failed.length > 0, 'some creates met the outage');
    const stored = await storedNames();
    for (const a of failed) {
      assert.match(a.detail, /failed calling webhook/, a.detail);
      assert.equal(stored.has(a.name), false, `${a.name} written although the webhook failed`);
    }
    for (const a of attempts) {
      if (a.good) assert.notEqual(a.outcome, 'denied', `${a.name}: ${a.detail}`);
      else assert.notEqual(a.outcome, 'created', `${a.name} wrongly admitted`);
    }
    const lastFailure = Math.max(...failed.map((a) => a.at));
    assert.ok(
      attempts.some((a) => a.outcome === 'created' && a.at > lastFailure),
      'creates succeed again after the restart',
    );
  });
});

describe('two replicas behind a client that fails over', () => {
  let second: WebhookProcess;
  before(async () => {
    second = await startWebhookProcess({ kubeconfigPath: cp.kubeconfigPath });
  });
  after(async () => {
    await second?.stop();
  });

  function postReview(
    port: number,
    ca: string,
    body: string,
  ): Promise<{ status: number; allowed: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/validate?timeout=10s',
          method: 'POST',
          ca,
          agent: false,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            try {
              const parsed = JSON.parse(text) as { response?: { allowed?: boolean } };
              resolve({ status: res.statusCode ?? 0, allowed: parsed.response?.allowed === true });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  test('one replica SIGKILLed mid-load: every review still gets its verdict from the other', async () => {
    const replicas = [webhook, second];
    const verdicts: { good: boolean; status: number; allowed: boolean; via: number }[] = [];
    let running = true;
    let n = 0;
    const client = async (): Promise<void> => {
      while (running) {
        const i = n++;
        const good = i % 2 === 0;
        const body = JSON.stringify(review('CREATE', entryObject(`replica-${i}`, good)));
        // Like a Service with two endpoints: try one, fail over to the other on a dead socket.
        for (let attempt = 0; attempt < replicas.length; attempt++) {
          const r = replicas[(i + attempt) % replicas.length]!;
          try {
            verdicts.push({ good, via: r.port, ...(await postReview(r.port, r.caPem, body)) });
            break;
          } catch {
            if (attempt === replicas.length - 1) throw new Error('both replicas failed');
          }
        }
      }
    };
    const clients = [client(), client(), client()];
    await sleep(1_000);
    await webhook.kill();
    await sleep(2_000);
    running = false;
    await Promise.all(clients);
    await webhook.start();

    assert.ok(verdicts.length > 20, `${verdicts.length} reviews`);
    for (const v of verdicts) {
      assert.equal(v.status, 200);
      assert.equal(v.allowed, v.good);
    }
    assert.ok(
      verdicts.some((v) => v.via === second.port),
      'the second replica answered',
    );
  });
});
