// The admission configurations compared in one run. Each is put in force before its points and
// removed after them, and each proves it is in force with the same bad entry (a remoteUrl at the
// cloud metadata address, otherwise valid): with no admission the API server stores it, with our
// webhooks or the generated policy it is refused, and the refusal must name who refused it.
import { deployPath, renderKustomization } from '../../deploy/kustomize-render.ts';
import { isWebhookConfiguration } from '../../deploy/webhook-client-config.ts';
import {
  registerDevUrlWebhooks,
  validatingWebhookName,
  waitForWebhookActive,
} from '../../test/e2e/support/activation.ts';
import type { WebhookProcess } from '../../test/e2e/support/webhook-process.ts';
import type { ControlPlane } from '../../test/harness/control-plane.ts';
import type { ServerProcess } from '../servers.ts';
import type { ApiClient } from './client.ts';
import { parseMetrics, total } from './prometheus.ts';
import { collectionPath, group, version } from './writes.ts';

export interface World {
  readonly cp: ControlPlane;
  readonly webhook: WebhookProcess;
  /** The floor: bench/baseline-server.ts, answering "allowed" to every review, and its CA. */
  readonly floor: ServerProcess & { readonly caPem: string };
  readonly namespace: string;
  /** A client outside the measured load, for probes and clean-up. */
  readonly client: ApiClient;
}

export const configurationNames = ['none', 'floor', 'webhook', 'policy'] as const;
export type ConfigurationName = (typeof configurationNames)[number];

export interface Configuration {
  readonly name: ConfigurationName;
  readonly description: string;
  /** The bad entry's expected fate under this configuration. */
  readonly expect: 'admitted' | 'denied';
  /** Text the refusal must contain (who refused), when `expect` is denied. */
  readonly deniedBy?: string;
  /** Puts the configuration in force; returns once the API server applies it. */
  enter(w: World): Promise<void>;
  /** Takes it out again; returns once the API server no longer applies it. */
  leave(w: World): Promise<void>;
}

export interface Verdict {
  readonly admitted: boolean;
  /** The API server's message on a refusal (empty when admitted). */
  readonly message: string;
}

export function badEntry(namespace: string): unknown {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'MCPServerEntry',
    metadata: { name: 'bench-probe-metadata', namespace },
    spec: {
      remoteUrl: 'https://169.254.169.254/latest/meta-data/',
      transport: 'streamable-http',
      groupRef: { name: 'engineering' },
    },
  };
}

/** A server-side dry-run create of the bad entry: what this configuration does with it. */
export async function probeBadEntry(w: World): Promise<Verdict> {
  const answer = await w.client.send(
    'POST',
    `${collectionPath(w.namespace)}?dryRun=All`,
    JSON.stringify(badEntry(w.namespace)),
  );
  if (answer.status === 201) return { admitted: true, message: '' };
  let message = answer.body;
  try {
    const parsed = JSON.parse(answer.body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // keep the raw body
  }
  return { admitted: false, message: `HTTP ${answer.status}: ${message}` };
}

export function inForce(c: Configuration, v: Verdict): boolean {
  if (c.expect === 'admitted') return v.admitted;
  return !v.admitted && (c.deniedBy === undefined || v.message.includes(c.deniedBy));
}

/** Polls the probe until `c` is in force (admission configuration reaches the API server's
 * admission plugins through an informer, so a change is not immediate). */
export async function waitInForce(
  w: World,
  c: Configuration,
  timeoutMs = 30_000,
): Promise<Verdict> {
  const started = Date.now();
  for (;;) {
    const verdict = await probeBadEntry(w);
    if (inForce(c, verdict)) return verdict;
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `configuration ${c.name} not in force after ${timeoutMs} ms: the bad entry was ${
          verdict.admitted ? 'admitted' : `refused (${verdict.message})`
        }`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const noAdmission: Configuration = {
  name: 'none',
  description: 'no admission webhook or policy for MCPServerEntry',
  expect: 'admitted',
  enter: async (w) => void (await waitInForce(w, noAdmission)),
  leave: () => Promise.resolve(),
};

const webhookConfigurationKinds = [
  'validatingwebhookconfiguration/mcpentry-webhook',
  'mutatingwebhookconfiguration/mcpentry-webhook',
];

/** Webhook calls the API server has made so far (both types, every webhook). */
export async function webhookCallsSoFar(w: World): Promise<number> {
  const answer = await w.client.send('GET', '/metrics');
  const family = 'apiserver_admission_webhook_admission_duration_seconds_count';
  return total([...parseMetrics(answer.body, [family]).values()], family);
}

/**
 * Deletes the shipped webhook configurations and waits until a probe write calls no webhook at
 * all (validating and mutating configurations reach the admission plugins separately).
 */
async function removeWebhooks(w: World, timeoutMs = 30_000): Promise<void> {
  await w.cp.kubectl(['delete', '--ignore-not-found', ...webhookConfigurationKinds]);
  const started = Date.now();
  for (;;) {
    const before = await webhookCallsSoFar(w);
    await probeBadEntry(w);
    if ((await webhookCallsSoFar(w)) === before) return;
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `webhooks still called ${timeoutMs} ms after their configurations were deleted`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Our validating and mutating webhooks as shipped (deploy/overlays/dev-url: URL mode). */
export const ourWebhooks: Configuration = {
  name: 'webhook',
  description:
    'our validating (failurePolicy Fail) and mutating webhooks as shipped, URL mode to our server on this host',
  expect: 'denied',
  deniedBy: `admission webhook "${validatingWebhookName}" denied the request`,
  async enter(w) {
    await registerDevUrlWebhooks(w.cp.kubectl, { port: w.webhook.port, caPem: w.webhook.caPem });
    // The activation probe proves both webhooks are called (its refusal text can only come from
    // the validating webhook after the mutating one defaulted a required key).
    await waitForWebhookActive(w.cp.kubectl, w.namespace);
    await waitInForce(w, ourWebhooks);
  },
  leave: (w) => removeWebhooks(w),
};

/**
 * The same shipped configurations (rules, failurePolicy, timeouts, matchConditions) pointed at
 * the floor, a server that answers "allowed" without looking: what any webhook costs here, the
 * API server's serialisation, TLS and HTTP/2 round trips and the scheduling of one more process,
 * before our review does any work. It admits the bad entry, so its proof is that writes reach it.
 */
export const floorWebhooks: Configuration = {
  name: 'floor',
  description:
    'the same webhook configurations pointed at bench/baseline-server.ts, which allows every review without reading it',
  expect: 'admitted',
  async enter(w) {
    await registerDevUrlWebhooks(w.cp.kubectl, { port: w.floor.port, caPem: w.floor.caPem });
    const started = Date.now();
    for (;;) {
      const before = await webhookCallsSoFar(w);
      const verdict = await probeBadEntry(w);
      // Both webhooks answered (mutating and validating): the floor is in the path.
      if (verdict.admitted && (await webhookCallsSoFar(w)) - before >= 2) return;
      if (Date.now() - started > 30_000) throw new Error('the floor webhooks were never called');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  },
  leave: (w) => removeWebhooks(w),
};

/**
 * The matchConditions of each shipped webhook, by webhook name (empty lists where there are
 * none). With conditions that leave out no-op UPDATEs, those writes must never reach our server.
 */
export function shippedMatchConditions(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const object of renderKustomization(deployPath('base/webhook-configurations'))) {
    if (!isWebhookConfiguration(object)) continue;
    for (const webhook of object.webhooks) {
      const conditions = Array.isArray(webhook['matchConditions'])
        ? (webhook['matchConditions'] as { name?: unknown }[])
        : [];
      out.set(
        webhook.name,
        conditions.map((c) => String(c.name)),
      );
    }
  }
  return out;
}
