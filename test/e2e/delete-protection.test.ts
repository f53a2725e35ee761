// Delete protection as users meet it: a real kube-apiserver + etcd with ToolHive's CRDs, our
// real `serve --delete-protection` process, the shipped dev-url-delete-protection webhook
// configurations, and kubectl. Deleting an MCPGroup or MCPExternalAuthConfig that an
// MCPServerEntry still references is refused with the entry named; anything else goes.
//
// Contract C4 says a DELETE issued by deletecollection reaches webhooks with request.name "",
// so the webhook must take the name from oldObject. A second, record-only webhook shows what
// the API server really sends for `kubectl delete --all` and for a real deletecollection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDevUrlWebhooks } from '../../deploy/render-dev-url.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import type { Kubectl } from '../harness/kubectl.ts';
import { entry } from '../support/reviews.ts';
import { waitForWebhookActive } from './support/activation.ts';
import { startLoopbackWebhook } from './support/loopback-webhook.ts';
import { startWebhookProcess, type WebhookProcess } from './support/webhook-process.ts';

const group = 'toolhive.stacklok.dev';
const protectDenial =
  'admission webhook "protect.references.mcpentry-webhook.dev" denied the request: ';
// The first run on a machine builds kube-apiserver, kubectl and etcd (minutes, once).
const startTimeout = { timeout: 30 * 60_000 };

// Three namespaces so that each way of deleting starts from the same objects.
const single = 'dp-single';
const all = 'dp-all';
const collection = 'dp-collection';

const groupObject = (namespace: string, name: string): object => ({
  apiVersion: `${group}/v1beta1`,
  kind: 'MCPGroup',
  metadata: { name, namespace },
  spec: {},
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Our refusal naming one entry, as kubectl prints it. The finding has no field path, so its
 * text starts with the finding type, "Forbidden: ".
 */
const refusedFor = (kind: string, name: string, namespace: string, entryName: string): RegExp =>
  new RegExp(
    escape(
      `${protectDenial}Forbidden: ${kind} "${name}" is still referenced by 1 MCPServerEntry in namespace "${namespace}": "${entryName}"`,
    ),
  );

async function groupNames(kubectl: Kubectl, namespace: string): Promise<string[]> {
  const out = await kubectl(['get', `mcpgroups.${group}`, '-n', namespace, '-o', 'name']);
  return out.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^.*\//, ''))
    .sort();
}

// ---- a record-only webhook: what the API server sends for each DELETE of an MCPGroup ----

interface SeenDelete {
  readonly namespace: string;
  /** request.name exactly as sent (undefined when the field was omitted). */
  readonly requestName: string | undefined;
  readonly oldObjectName: string | undefined;
  readonly dryRun: boolean;
}

interface Recorder {
  readonly seen: SeenDelete[];
  register(kubectl: Kubectl): Promise<void>;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const seen: SeenDelete[] = [];
  const webhook = await startLoopbackWebhook('e2e delete recorder', (request) => {
    const oldObject = request['oldObject'] as { metadata?: { name?: string } } | undefined;
    seen.push({
      namespace: String(request['namespace']),
      requestName: request['name'] as string | undefined,
      oldObjectName: oldObject?.metadata?.name,
      dryRun: request['dryRun'] === true,
    });
    return { allowed: true };
  });
  return {
    seen,
    register: async (kubectl) => {
      await kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'zz-e2e-delete-recorder' },
          webhooks: [
            {
              name: 'record-delete.e2e.mcpentry-webhook.dev',
              clientConfig: {
                url: webhook.url('/record'),
                caBundle: webhook.caBundle,
              },
              rules: [
                {
                  operations: ['DELETE'],
                  apiGroups: [group],
                  apiVersions: ['*'],
                  resources: ['mcpgroups'],
                },
              ],
              // Only a witness: it must never change what the test observes.
              failurePolicy: 'Ignore',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              timeoutSeconds: 5,
            },
          ],
        }),
      });
    },
    close: () => webhook.close(),
  };
}

// ---- the scenarios ----------------------------------------------------------------------

describe('delete protection on a real control plane (ToolHive CRDs)', () => {
  let cp: ControlPlane;
  let webhook: WebhookProcess | undefined;
  let recorder: Recorder | undefined;

  /** Real (not dry-run) DELETE reviews the recorder saw in `namespace`. */
  const deletesSeen = (namespace: string): SeenDelete[] =>
    (recorder?.seen ?? []).filter((s) => s.namespace === namespace && !s.dryRun);

  before(async () => {
    const started = Date.now();
    cp = await startControlPlane({ crds: 'toolhive' });
    try {
      // Every namespace: groups "a-free", "b-used" (referenced by entry "weather"), "c-free",
      // and auth config "anonymous" (referenced by "weather" too). Created before the webhook
      // starts, so its /readyz (entry cache synced) already covers them.
      const objects: object[] = [];
      for (const namespace of [single, all, collection]) {
        objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        for (const name of ['a-free', 'b-used', 'c-free'])
          objects.push(groupObject(namespace, name));
        objects.push({
          apiVersion: `${group}/v1beta1`,
          kind: 'MCPExternalAuthConfig',
          metadata: { name: 'anonymous', namespace },
          spec: { type: 'unauthenticated' },
        });
        objects.push(
          entry(
            { groupRef: { name: 'b-used' }, externalAuthConfigRef: { name: 'anonymous' } },
            { name: 'weather', namespace },
          ),
        );
      }
      await cp.kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      });

      webhook = await startWebhookProcess({
        kubeconfigPath: cp.kubeconfigPath,
        extraArgs: ['--delete-protection'],
      });
      recorder = await startRecorder();
      const registered = Date.now();
      // The shipped overlay, rendered for this port and CA by the same code developers use.
      await cp.kubectl(['apply', '-f', '-'], {
        input: renderDevUrlWebhooks({
          port: webhook.port,
          caBundlePem: webhook.caPem,
          deleteProtection: true,
        }),
      });
      await recorder.register(cp.kubectl);
      await waitForWebhookActive(cp.kubectl, single);
      await waitForDeleteWebhooksActive();
      console.log(
        `# delete webhooks active ${Date.now() - registered} ms after registration, ready at ${Date.now() - started} ms`,
      );
    } catch (error) {
      await recorder?.close();
      await webhook?.stop();
      await cp.stop();
      throw error;
    }
  }, startTimeout);

  after(async () => {
    await recorder?.close();
    await webhook?.stop();
    await cp?.stop();
  });

  /**
   * The API server learns about new webhook configurations through an informer, so poll a
   * server-side dry-run delete until both ours (refusal) and the recorder (a review) answer.
   */
  async function waitForDeleteWebhooksActive(timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    let last = '';
    while (Date.now() - started < timeoutMs) {
      const result = await cp.kubectl(
        ['delete', `mcpgroups.${group}`, 'b-used', '-n', single, '--dry-run=server'],
        { allowFailure: true },
      );
      last = result.stderr.trim() || result.stdout.trim();
      const refused = result.code !== 0 && result.stderr.includes(protectDenial);
      if (refused && (recorder?.seen.length ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`delete webhooks not active after ${timeoutMs} ms; last answer: ${last}`);
  }

  test('deleting a referenced MCPGroup is refused, naming the entry', async () => {
    const result = await cp.kubectl(['delete', 'mcpgroup', 'b-used', '-n', single], {
      allowFailure: true,
    });
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, refusedFor('MCPGroup', 'b-used', single, 'weather'));
    assert.deepEqual(await groupNames(cp.kubectl, single), ['a-free', 'b-used', 'c-free']);
  });

  test('deleting an unreferenced MCPGroup succeeds', async () => {
    const result = await cp.kubectl(['delete', 'mcpgroup', 'a-free', '-n', single]);
    assert.match(result.stdout, /mcpgroup\.toolhive\.stacklok\.dev "a-free" deleted/);
    assert.deepEqual(await groupNames(cp.kubectl, single), ['b-used', 'c-free']);
  });

  test('deleting a referenced MCPExternalAuthConfig is refused, naming the entry', async () => {
    const result = await cp.kubectl(
      ['delete', 'mcpexternalauthconfig', 'anonymous', '-n', single],
      {
        allowFailure: true,
      },
    );
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(
      result.stderr,
      refusedFor('MCPExternalAuthConfig', 'anonymous', single, 'weather'),
    );
    await cp.kubectl(['get', `mcpexternalauthconfigs.${group}`, 'anonymous', '-n', single]);
  });

  test('kubectl delete mcpgroups --all: the referenced group stays, the others go', async () => {
    const result = await cp.kubectl(['delete', 'mcpgroups', '--all', '-n', all], {
      allowFailure: true,
    });
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, refusedFor('MCPGroup', 'b-used', all, 'weather'));
    assert.deepEqual(await groupNames(cp.kubectl, all), ['b-used']);
    // Not a deletecollection: kubectl lists the groups and deletes them one by one, so each
    // review carries its request.name. (C4 does not apply to `kubectl delete --all`.)
    assert.deepEqual(
      deletesSeen(all)
        .map((s) => [s.requestName, s.oldObjectName])
        .sort(),
      [
        ['a-free', 'a-free'],
        ['b-used', 'b-used'],
        ['c-free', 'c-free'],
      ],
    );
  });

  test('C4: a real deletecollection sends no request.name and is still refused', async () => {
    // What `kubectl delete --all` is not: one DELETE on the collection URL, as client-go's
    // DeleteCollection (and controllers using it) issues.
    const result = await cp.kubectl(
      ['delete', '--raw', `/apis/${group}/v1beta1/namespaces/${collection}/mcpgroups`],
      { allowFailure: true },
    );
    assert.notEqual(result.code, 0, result.stdout);
    // Refused by name although the review has no request.name: we read oldObject (C4).
    assert.match(result.stderr, refusedFor('MCPGroup', 'b-used', collection, 'weather'));
    // C4 holds, with one precision: the name is "" in the API server, and the JSON field is
    // then omitted (omitempty), so the webhook finds no request.name at all.
    // The API server deletes the listed items in name order and stops at the first refusal
    // (one delete-collection worker by default): "a-free" went, "c-free" was never reviewed.
    assert.deepEqual(
      deletesSeen(collection).map((s) => [s.requestName, s.oldObjectName]),
      [
        [undefined, 'a-free'],
        [undefined, 'b-used'],
      ],
    );
    assert.deepEqual(await groupNames(cp.kubectl, collection), ['b-used', 'c-free']);
  });
});
