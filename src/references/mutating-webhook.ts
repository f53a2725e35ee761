// Is our mutating webhook installed in a cluster? `check --cluster` asks, so that an entry is
// judged with the webhook's defaults exactly when the cluster would apply them (issue #15).
// Our webhook is known by its name, `default.mcpserverentries.mcpentry-webhook.dev`, which the
// kustomize base and the Helm chart both give it (the configuration's own name can change with
// a release name); it counts only if its rules send CREATE of mcpserverentries to it.
import type { ApiResult, KubeApi } from './kube-api.ts';
import { entryGroup } from '../model/entry.ts';
import { isRecord } from '../json-object.ts';

/** The webhook's name in deploy/base and deploy/chart (webhooks[].name). */
export const mutatingWebhookName = 'default.mcpserverentries.mcpentry-webhook.dev';

const listPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

export interface MutatingWebhookFinding {
  /** The MutatingWebhookConfiguration holding our webhook, when one does. */
  readonly configuration: string | undefined;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

const covers = (values: string[], wanted: string): boolean =>
  values.includes('*') || values.includes(wanted);

/** A rule (admissionregistration v1 RuleWithOperations) that sends entry CREATEs. */
function routesEntryCreates(rule: unknown): boolean {
  if (!isRecord(rule)) return false;
  const resources = strings(rule['resources']);
  return (
    covers(strings(rule['operations']), 'CREATE') &&
    covers(strings(rule['apiGroups']), entryGroup) &&
    (covers(resources, 'mcpserverentries') || resources.includes('*/*'))
  );
}

/**
 * Our mutating webhook among `list` (a MutatingWebhookConfigurationList), or undefined. The
 * webhook's namespaceSelector, objectSelector and matchConditions are not evaluated: they
 * exclude only the webhook's own namespace, kube-system, deleted objects and unchanged specs.
 */
export function findMutatingWebhook(list: unknown): MutatingWebhookFinding {
  const items = isRecord(list) && Array.isArray(list['items']) ? list['items'] : [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const webhooks = Array.isArray(item['webhooks']) ? item['webhooks'] : [];
    const ours = webhooks.some(
      (w) =>
        isRecord(w) &&
        w['name'] === mutatingWebhookName &&
        Array.isArray(w['rules']) &&
        w['rules'].some(routesEntryCreates),
    );
    if (ours) {
      const metadata = isRecord(item['metadata']) ? item['metadata'] : {};
      const name = metadata['name'];
      return { configuration: typeof name === 'string' ? name : '' };
    }
  }
  return { configuration: undefined };
}

/**
 * Lists the cluster's MutatingWebhookConfigurations and looks for ours. A cluster that does not
 * serve admissionregistration.k8s.io/v1 has none; any other failure (RBAC, network) is returned
 * for the caller to report: guessing either way would judge entries against the wrong object.
 */
export async function discoverMutatingWebhook(
  api: KubeApi,
  signal: AbortSignal,
): Promise<ApiResult<MutatingWebhookFinding>> {
  const answer = await api.getJson(listPath, signal);
  if (!answer.ok) {
    if (answer.failure === 'not-served') return { ok: true, value: { configuration: undefined } };
    return answer;
  }
  return { ok: true, value: findMutatingWebhook(answer.value) };
}
