// The version matrix: the oldest Kubernetes minor the chart supports (Chart.yaml's kubeVersion,
// 1.30) runs the generated ValidatingAdmissionPolicy and the webhook's verdicts too, since the
// CEL libraries and admission code differ between minors. Its kube-apiserver is built the same
// way as 1.34's (test/tools/controlplane-1.30); etcd and kubectl are the controlplane
// toolset's. One control plane start: the policy alone first (every case of the project's
// tables, as test/e2e/admission-policy.test.ts does on 1.34), then, with the policy removed,
// the webhook over URL-mode configurations (the shipped dev-url overlay) judging the cases it
// can judge without Secrets, through kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { renderPolicy } from '../../src/cli/policy-command.ts';
import { defaultPolicyName } from '../../src/admission-policy/policy-document.ts';
import { evaluateWarningPolicy } from '../../src/admission-policy/evaluate.ts';
import {
  documentedUncovered,
  engineDenies,
  policyCases,
  type PolicyCase,
} from '../admission-policy/policy-cases.ts';
import { createAll, waitForVerdict } from './support/dry-run-cases.ts';
import { waitForPoliciesSettled } from './support/policy-settled.ts';
import {
  denialPrefix,
  registerDevUrlWebhooks,
  waitForWebhookActive,
} from './support/activation.ts';
import { startWebhookProcess, type WebhookProcess } from './support/webhook-process.ts';

// A cold build of the 1.30 kube-apiserver took 57 minutes on a loaded two-core machine.
const startTimeout = { timeout: 90 * 60_000 };

const minors = [{ minor: '1.30', toolset: 'controlplane-1.30', gitVersion: 'v1.30.14' }];

/** Cases the webhook judges with no lookups beyond the MCPGroup (no Secret references). */
function lookupFreeCases(): PolicyCase[] {
  return policyCases().filter((c) => !JSON.stringify(c.headerForward ?? {}).includes('Secret'));
}

test("the matrix's oldest minor is the chart's kubeVersion", async () => {
  const chart = await readFile(
    new URL('../../deploy/chart/mcpentry-webhook/Chart.yaml', import.meta.url),
    'utf8',
  );
  const kubeVersion = /^kubeVersion: '>=(\d+\.\d+)\.0-0'$/m.exec(chart)?.[1];
  assert.equal(kubeVersion, minors[0]?.minor);
});

for (const { minor, toolset, gitVersion } of minors) {
  describe(`Kubernetes ${minor}: the policy and the webhook on its API server`, () => {
    let cp: ControlPlane;
    let webhook: WebhookProcess | undefined;

    before(async () => {
      cp = await startControlPlane({ apiServerToolset: toolset });
    }, startTimeout);

    after(async () => {
      await webhook?.stop();
      await cp?.stop();
    });

    test(`the API server is ${gitVersion}`, async () => {
      const { stdout } = await cp.kubectl(['version', '-o', 'json']);
      const version = JSON.parse(stdout) as { serverVersion: { gitVersion: string } };
      assert.equal(version.serverVersion.gitVersion, gitVersion);
    });

    test('the policy alone: every case gets the engine verdict, except the documented ones', async () => {
      await cp.kubectl(['apply', '-f', '-'], {
        input: renderPolicy({ actions: ['Deny'], name: defaultPolicyName, output: 'yaml' }),
      });
      const probe = policyCases().find((c) => c.name === 'case-probe');
      assert.ok(probe !== undefined);
      await waitForVerdict(cp, probe, true, 'the policy');
      await waitForPoliciesSettled(cp.kubectl);
      const cases = policyCases();
      const { denied, messages, stderr } = await createAll(cp, cases);
      const differing = cases.filter((c) => denied.has(c.name) !== engineDenies(c));
      assert.deepEqual(differing.map((c) => c.label).sort(), [...documentedUncovered()].sort());
      // The warnings policy's warnings, as on 1.34: one per admitted case the offline
      // evaluator says it warns about.
      const expectedWarnings = cases
        .filter((c) => !denied.has(c.name))
        .flatMap((c) => evaluateWarningPolicy({ object: c.object, operation: 'CREATE' }));
      const warningLines = stderr
        .split('\n')
        .filter((l) => l.startsWith(`Warning: Validation failed for ValidatingAdmissionPolicy`));
      assert.ok(expectedWarnings.length > 3, `${expectedWarnings.length} warnings expected`);
      assert.deepEqual(
        warningLines.map((l) => l.slice(l.indexOf("': ") + 3)).sort(),
        expectedWarnings.map((f) => f.message).sort(),
      );
      // Denials come from the policy (or the CRD schema), not a CEL error on this minor.
      for (const [name, line] of messages)
        assert.doesNotMatch(line, /expression|no such|no matching overload|compil/i, name);
      for (const name of [defaultPolicyName, `warnings.${defaultPolicyName}`]) {
        await cp.kubectl(['delete', 'validatingadmissionpolicybinding', name]);
        await cp.kubectl(['delete', 'validatingadmissionpolicy', name]);
      }
      await waitForVerdict(cp, probe, false, 'removing the policy');
    });

    test('the webhook (URL mode) alone: every lookup-free case gets the engine verdict', async () => {
      await cp.kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPGroup',
          metadata: { name: 'research', namespace: 'default' },
          spec: { description: 'version matrix' },
        }),
      });
      webhook = await startWebhookProcess({ kubeconfigPath: cp.kubeconfigPath });
      await registerDevUrlWebhooks(cp.kubectl, { port: webhook.port, caPem: webhook.caPem });
      await waitForWebhookActive(cp.kubectl, 'default');
      const cases = lookupFreeCases();
      assert.ok(cases.length > 300, `only ${cases.length} cases`);
      const { denied, stderr } = await createAll(cp, cases);
      const differing = cases.filter((c) => denied.has(c.name) !== engineDenies(c));
      assert.deepEqual(
        differing.map((c) => c.label),
        [],
      );
      // Every denial is the webhook's or the CRD schema's (no failed call to the webhook).
      const lines = stderr.split('\n');
      const byWebhook = lines.filter((l) => l.includes(denialPrefix)).length;
      const bySchema = lines.filter((l) => / is invalid: /.test(l)).length;
      assert.equal(byWebhook + bySchema, denied.size, stderr);
      assert.ok(
        byWebhook > 100 && denied.size < cases.length,
        `${byWebhook} denied by the webhook`,
      );
    });
  });
}
