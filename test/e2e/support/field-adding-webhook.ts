// A stand-in for someone else's mutating webhook that adds a field the MCPServerEntry schema
// does not declare. It answers every review with the same JSON patch and counts the calls, so
// a test can tell "not active yet" from "active, and the field vanished". It exists to check
// contract §1.11: the API server prunes unknown fields only when it encodes the object for
// storage, so validating webhooks may still see what a mutating webhook added.
import type { Kubectl } from '../../harness/kubectl.ts';
import { startLoopbackWebhook } from './loopback-webhook.ts';

export const addedField = 'addedByAnotherWebhook';
export const optInLabel = 'e2e.mcpentry.dev/add-unknown-field';
const configurationName = 'zz-e2e-field-adder';

export interface FieldAddingWebhook {
  calls(): number;
  /** Registers a MutatingWebhookConfiguration for entries carrying `optInLabel: "true"`. */
  register(kubectl: Kubectl): Promise<void>;
  unregister(kubectl: Kubectl): Promise<void>;
  close(): Promise<void>;
}

export async function startFieldAddingWebhook(): Promise<FieldAddingWebhook> {
  let calls = 0;
  const patch = Buffer.from(
    JSON.stringify([{ op: 'add', path: `/spec/${addedField}`, value: 'surprise' }]),
  ).toString('base64');
  const webhook = await startLoopbackWebhook('e2e field adder', () => {
    calls += 1;
    return { allowed: true, patchType: 'JSONPatch', patch };
  });

  return {
    calls: () => calls,
    register: async (kubectl) => {
      await kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          // Sorted after ours ("mcpentry-webhook"), so our defaulting has already run.
          metadata: { name: configurationName },
          webhooks: [
            {
              name: 'add-field.e2e.mcpentry-webhook.dev',
              clientConfig: {
                url: webhook.url('/mutate'),
                caBundle: webhook.caBundle,
              },
              rules: [
                {
                  operations: ['CREATE'],
                  apiGroups: ['toolhive.stacklok.dev'],
                  apiVersions: ['*'],
                  resources: ['mcpserverentries'],
                },
              ],
              objectSelector: { matchLabels: { [optInLabel]: 'true' } },
              failurePolicy: 'Fail',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              timeoutSeconds: 5,
            },
          ],
        }),
      });
    },
    unregister: async (kubectl) => {
      await kubectl(['delete', 'mutatingwebhookconfiguration', configurationName]);
    },
    close: () => webhook.close(),
  };
}
