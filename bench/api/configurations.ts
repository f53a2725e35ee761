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
import type { ApiClient } from './client.ts';
import { collectionPath, group, version } from './writes.ts';

export interface World {
  readonly cp: ControlPlane;
  readonly webhook: WebhookProcess;
  readonly namespace: string;
  /** A client outside the measured load, for probes and clean-up. */
  readonly client: ApiClient;
}

export type ConfigurationName = 'none' | 'webhook' | 'policy';

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
  async leave(w) {
    await w.cp.kubectl(['delete', '--ignore-not-found', ...webhookConfigurationKinds]);
    await waitInForce(w, noAdmission);
  },
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
