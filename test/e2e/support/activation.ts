// Registering the shipped dev-url webhook configurations and waiting until the API server
// really calls them. Activation is asynchronous (the admission plugins learn about new
// configurations through an informer), so a test that creates an entry right after
// `kubectl apply` of the configuration races it (contract C28). We never sleep and hope: we
// poll a server-side dry-run create until our webhook's own answer comes back.
import { renderDevUrlWebhooks } from '../../../deploy/render-dev-url.ts';
import type { Kubectl } from '../../harness/kubectl.ts';

export const validatingWebhookName = 'validate.mcpserverentries.mcpentry-webhook.dev';
export const mutatingWebhookName = 'default.mcpserverentries.mcpentry-webhook.dev';

/** What kubectl prints when our validating webhook denies: `<prefix><field>: <message>`. */
export const denialPrefix = `admission webhook "${validatingWebhookName}" denied the request: `;

/** Applies deploy/overlays/dev-url rendered for this port and CA (the objects we ship). */
export async function registerDevUrlWebhooks(
  kubectl: Kubectl,
  opts: { readonly port: number; readonly caPem: string },
): Promise<void> {
  await kubectl(['apply', '-f', '-'], {
    input: renderDevUrlWebhooks({ port: opts.port, caBundlePem: opts.caPem }),
  });
}

/**
 * A probe that proves both webhooks are active: its caBundleRef has no key, which the CRD
 * schema requires, so without our mutating webhook (which defaults the key) the API server
 * answers 422 before any validating webhook; with it, our validating webhook denies the
 * metadata address. Only the denial text therefore shows that both are in the path.
 */
function probeEntry(namespace: string): string {
  return JSON.stringify({
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name: 'activation-probe', namespace },
    spec: {
      groupRef: { name: 'activation-probe' },
      remoteUrl: 'https://169.254.169.254/latest/meta-data',
      transport: 'streamable-http',
      caBundleRef: { configMapRef: { name: 'activation-probe' } },
    },
  });
}

/**
 * Repeats a server-side dry-run create of `input` until `accepted` says the answer is the
 * awaited one; returns the milliseconds it took, or throws with the last answer.
 */
async function pollDryRunCreate(
  kubectl: Kubectl,
  input: string,
  accepted: (result: { code: number; stderr: string }) => boolean,
  timeoutMs: number,
  failure: string,
): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      input,
      allowFailure: true,
    });
    if (accepted(result)) return Date.now() - started;
    last = result.stderr.trim() || result.stdout.trim();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${failure} after ${timeoutMs} ms; last answer: ${last}`);
}

/** Polls until the probe is denied by our webhook; returns the milliseconds it took. */
export function waitForWebhookActive(
  kubectl: Kubectl,
  namespace: string,
  timeoutMs = 30_000,
): Promise<number> {
  return pollDryRunCreate(
    kubectl,
    probeEntry(namespace),
    (r) => r.code !== 0 && r.stderr.includes(`${denialPrefix}spec.remoteUrl`),
    timeoutMs,
    'webhooks not active',
  );
}

/**
 * Polls until a dry-run create of `object` succeeds: after a configuration is deleted the
 * API server keeps calling it until its informer notices.
 */
export function waitForDryRunAdmitted(
  kubectl: Kubectl,
  object: unknown,
  timeoutMs = 30_000,
): Promise<number> {
  return pollDryRunCreate(
    kubectl,
    JSON.stringify(object),
    (r) => r.code === 0,
    timeoutMs,
    'dry-run create still refused',
  );
}
