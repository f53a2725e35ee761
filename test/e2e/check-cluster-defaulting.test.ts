// `check --cluster` defaults entries as the cluster is configured (issue #15): it asks the real
// kube-apiserver whether our MutatingWebhookConfiguration is installed and applies the mutating
// webhook's defaults only then. The entry below leaves `caBundleRef.configMapRef.key` out, which
// the CRD requires and only the mutating webhook fills in (`ca.crt`): without the webhook the
// API server refuses it, with the webhook it is admitted. Nothing calls the registered webhook
// here (no entry is created), so its URL points nowhere.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { runCheckCaptured } from '../cli/golden-cases.ts';
import { mutatingWebhookName } from '../../src/references/mutating-webhook.ts';

const manifests = [
  {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name: 'with-ca', namespace: 'team' },
    spec: {
      remoteUrl: 'https://mcp.example.com/mcp',
      transport: 'sse',
      groupRef: { name: 'tools' },
      caBundleRef: { configMapRef: { name: 'corp-ca' } },
    },
  },
  {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPGroup',
    metadata: { name: 'tools', namespace: 'team' },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'corp-ca', namespace: 'team' },
    data: { 'ca.crt': 'placeholder' },
  },
];

function webhookConfiguration(configName: string, webhookName: string, operations: string[]) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: configName },
    webhooks: [
      {
        name: webhookName,
        clientConfig: { url: 'https://127.0.0.1:9/mutate' },
        rules: [
          {
            operations,
            apiGroups: ['toolhive.stacklok.dev'],
            apiVersions: ['v1alpha1', 'v1beta1'],
            resources: ['mcpserverentries'],
            scope: 'Namespaced',
          },
        ],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Ignore',
      },
    ],
  };
}

interface Report {
  summary: { entries: number; allowed: number; denied: number };
  entries: { denials: { field: string; rule: string }[]; patch: { path: string }[] }[];
}

describe('check --cluster: the mutating defaults as the cluster is configured', () => {
  let cp: ControlPlane;
  let dir: string;
  let file: string;

  const check = async (...flags: string[]) => {
    const run = await runCheckCaptured([
      '--cluster',
      '--kubeconfig',
      cp.kubeconfigPath,
      '--output',
      'json',
      ...flags,
      file,
    ]);
    return { ...run, report: run.code === 2 ? undefined : (JSON.parse(run.stdout) as Report) };
  };
  const apply = async (object: unknown) => {
    const result = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object) });
    assert.equal(result.code, 0, result.stderr);
  };
  const remove = async (name: string) => {
    const result = await cp.kubectl(['delete', 'mutatingwebhookconfiguration', name]);
    assert.equal(result.code, 0, result.stderr);
  };

  before(async () => {
    cp = await startControlPlane({ crds: 'project' });
    dir = mkdtempSync(join(tmpdir(), 'check-cluster-defaulting-'));
    file = join(dir, 'entries.yaml');
    writeFileSync(file, manifests.map((m) => stringify(m)).join('---\n'));
  });
  after(async () => {
    await cp?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('without our MutatingWebhookConfiguration the entry is judged as written: refused', async () => {
    const run = await check();
    assert.equal(run.code, 1, run.stderr + run.stdout);
    const [entry] = run.report!.entries;
    assert.deepEqual(
      entry!.denials.map((d) => `${d.field} ${d.rule}`),
      ['spec.caBundleRef.configMapRef.key schema'],
    );
    // The patch the webhook would apply is still reported.
    assert.ok(entry!.patch.some((op) => op.path === '/spec/caBundleRef/configMapRef/key'));
  });

  test('a mutating webhook of someone else, or one not called on CREATE, is not ours', async () => {
    await apply(webhookConfiguration('other', 'default.mcpserverentries.example.com', ['CREATE']));
    await apply(webhookConfiguration('ours-on-update', mutatingWebhookName, ['UPDATE']));
    try {
      const run = await check();
      assert.equal(run.code, 1, run.stderr + run.stdout);
      assert.equal(run.report!.summary.denied, 1);
    } finally {
      await remove('other');
      await remove('ours-on-update');
    }
  });

  test('with it installed (under any configuration name) the defaults apply: admitted', async () => {
    await apply(
      webhookConfiguration('release-name-mcpentry', mutatingWebhookName, ['CREATE', 'UPDATE']),
    );
    try {
      const run = await check();
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(run.report!.summary, { ...run.report!.summary, entries: 1, allowed: 1 });
      // --no-mutating-webhook overrides what the cluster says.
      const forced = await check('--no-mutating-webhook');
      assert.equal(forced.code, 1, forced.stderr + forced.stdout);
    } finally {
      await remove('release-name-mcpentry');
    }
  });

  test('--mutating-webhook applies them without asking, on a cluster without the webhook', async () => {
    const run = await check('--mutating-webhook');
    assert.equal(run.code, 0, run.stderr + run.stdout);
  });

  test('a kubeconfig the API server refuses stops the run (exit 2) and names the way out', async () => {
    const refused = join(dir, 'refused-kubeconfig');
    writeFileSync(
      refused,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: cp.server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'not-a-valid-token' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    const run = await runCheckCaptured(['--cluster', '--kubeconfig', refused, file]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /cannot tell whether the mutating webhook is installed/);
    assert.match(run.stderr, /--mutating-webhook or --no-mutating-webhook/);
  });
});
