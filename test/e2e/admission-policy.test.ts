// The generated ValidatingAdmissionPolicy on a real kube-apiserver, with no webhook installed
// (the state of a cluster whose webhook is down or not yet deployed): the project's own
// remoteUrl and headerForward case tables are created with `kubectl create --dry-run=server`,
// and every verdict must equal the engine's, except exactly the cases docs/admission-policy.md
// lists as not covered. The API server's denial message must also be the one the CLI's own
// evaluator (`check --admission-policy`) computes for the same object.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { renderPolicy } from '../../src/cli/policy-command.ts';
import { admissionPolicy, defaultPolicyName } from '../../src/admission-policy/policy-document.ts';
import {
  evaluateAdmissionPolicy,
  evaluateWarningPolicy,
} from '../../src/admission-policy/evaluate.ts';
import {
  policyCases,
  engineDenies,
  documentedUncovered,
  type PolicyCase,
} from '../admission-policy/policy-cases.ts';
import { hostListCases, hostListConfigMap } from '../admission-policy/host-list-cases.ts';
import { createAll, waitForVerdict } from './support/dry-run-cases.ts';
import { waitForPoliciesSettled } from './support/policy-settled.ts';

const startTimeout = { timeout: 30 * 60_000 };

describe('the generated ValidatingAdmissionPolicy on a real API server (no webhook)', () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane();
    await cp.kubectl(['apply', '-f', '-'], {
      input: renderPolicy({ actions: ['Deny'], name: defaultPolicyName, output: 'yaml' }),
    });
    const probe = policyCases().find((c) => c.name === 'case-probe');
    assert.ok(probe !== undefined);
    await waitForVerdict(cp, probe, true, 'the policy');
    await waitForPoliciesSettled(cp.kubectl);
  }, startTimeout);

  after(async () => {
    await cp?.stop();
  });

  test('the API server accepted the policy and its binding as generated', async () => {
    // (Type-checking warnings would appear in status.typeChecking, which the
    // kube-controller-manager writes; this control plane runs none. The policy's expressions
    // are compiled by the API server itself when it loads them: a rejected one would fail every
    // case below.)
    const { stdout } = await cp.kubectl([
      'get',
      'validatingadmissionpolicy',
      defaultPolicyName,
      '-o',
      'json',
    ]);
    const stored = JSON.parse(stdout) as { spec: { validations: unknown[]; variables: unknown[] } };
    const { documents } = admissionPolicy({ name: defaultPolicyName, validationActions: ['Deny'] });
    const generated = documents[0] as { spec: { validations: unknown[]; variables: unknown[] } };
    assert.deepEqual(stored.spec.validations, generated.spec.validations);
    assert.deepEqual(stored.spec.variables, generated.spec.variables);
  });

  test('every case gets the engine verdict, except exactly the documented ones', async () => {
    const cases = policyCases();
    const { denied, messages } = await createAll(cp, cases);
    const differing: string[] = [];
    for (const c of cases) {
      if (denied.has(c.name) !== engineDenies(c)) differing.push(c.label);
    }
    assert.deepEqual(differing.sort(), [...documentedUncovered()].sort());
    // The offline evaluator says what the API server says.
    let compared = 0;
    for (const c of cases) {
      const offline = evaluateAdmissionPolicy({ object: c.object, operation: 'CREATE' });
      const line = messages.get(c.name);
      if (offline.length === 0 || line === undefined || !line.includes('ValidatingAdmissionPolicy'))
        continue;
      const first = offline[0]?.message ?? '';
      assert.ok(line.endsWith(`denied request: ${first}`), `${c.label}\n${line}\n${first}`);
      compared++;
    }
    assert.ok(compared > 150, `only ${compared} messages compared`);
  });

  test("the operator's host lists through paramKind: the ConfigMap the webhook reads", async () => {
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hostListConfigMap) });
    await cp.kubectl(['apply', '-f', '-'], {
      input: renderPolicy({
        actions: ['Deny'],
        name: defaultPolicyName,
        output: 'yaml',
        hostLists: {
          namespace: hostListConfigMap.metadata.namespace,
          name: hostListConfigMap.metadata.name,
        },
      }),
    });
    const cases = hostListCases.map(([url, denied], i) => ({
      ...hostListCase(i, url),
      expected: denied,
    }));
    const probe = cases.find((c) => c.remoteUrl === 'https://other.example.com');
    assert.ok(probe !== undefined);
    await waitForVerdict(cp, probe, true, 'the host-list policy');
    await waitForPoliciesSettled(cp.kubectl);
    const { denied } = await createAll(cp, cases);
    for (const c of cases) assert.equal(denied.has(c.name), c.expected, c.remoteUrl);
  });

  test("the warnings policy: kubectl shows the webhook's warnings; matchConditions skip no-op updates and deletions", async () => {
    const warningsPolicy = `warnings.${defaultPolicyName}`;
    const object = {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPServerEntry',
      metadata: { name: 'plain-http', namespace: 'default' },
      spec: {
        remoteUrl: 'http://mcp.example.com/mcp',
        transport: 'streamable-http',
        groupRef: { name: 'research' },
        headerForward: { addPlaintextHeaders: { 'X-API-Key': 'k', 'X-Trace': 't' } },
      },
    };
    // The warnings counter: the API server counts each failed Warn validation, and only those,
    // so a request the policy did not evaluate leaves it unchanged.
    const warned = async (): Promise<number> => {
      const { stdout } = await cp.kubectl(['get', '--raw', '/metrics']);
      let total = 0;
      for (const line of stdout.split('\n')) {
        if (
          line.startsWith('apiserver_validating_admission_policy_check_total{') &&
          line.includes(`policy="${warningsPolicy}"`) &&
          line.includes('enforcement_action="warn"')
        )
          total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return total;
    };
    const expected = evaluateWarningPolicy({ object, operation: 'CREATE' }).map(
      (f) =>
        `Warning: Validation failed for ValidatingAdmissionPolicy '${warningsPolicy}' with binding '${warningsPolicy}': ${f.message}`,
    );
    assert.equal(expected.length, 2);
    const before = await warned();
    const created = await cp.kubectl(['create', '-f', '-'], { input: JSON.stringify(object) });
    const warnings = created.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
    assert.deepEqual(warnings.sort(), expected.sort());
    assert.equal(await warned(), before + 2);

    // A label, an annotation: spec unchanged, the policy is not evaluated (no warning, no count).
    const labelled = await cp.kubectl(['label', 'mcpserverentries', 'plain-http', 'team=a']);
    assert.doesNotMatch(labelled.stderr, /Warning/);
    assert.equal(await warned(), before + 2);
    // A spec change is evaluated again.
    const patched = await cp.kubectl([
      'patch',
      'mcpserverentries',
      'plain-http',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { transport: 'sse' } }),
    ]);
    assert.match(patched.stderr, /Warning: Validation failed .*plain http/);
    assert.equal(await warned(), before + 4);
    // Being deleted (held by a finalizer): even a spec change is not evaluated.
    await cp.kubectl([
      'patch',
      'mcpserverentries',
      'plain-http',
      '--type=merge',
      '-p',
      JSON.stringify({ metadata: { finalizers: ['example.com/hold'] } }),
    ]);
    await cp.kubectl(['delete', 'mcpserverentries', 'plain-http', '--wait=false']);
    const whileDeleting = await cp.kubectl([
      'patch',
      'mcpserverentries',
      'plain-http',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { transport: 'streamable-http' } }),
    ]);
    assert.doesNotMatch(whileDeleting.stderr, /Warning/);
    assert.equal(await warned(), before + 4);
    await cp.kubectl([
      'patch',
      'mcpserverentries',
      'plain-http',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'remove', path: '/metadata/finalizers' }]),
    ]);
  });
});

function hostListCase(i: number, remoteUrl: string): PolicyCase {
  const name = `case-${1000 + i}`;
  return {
    name,
    label: remoteUrl,
    remoteUrl,
    allowPrivateEndpoint: false,
    headerForward: undefined,
    object: {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPServerEntry',
      metadata: { name, namespace: 'default' },
      spec: { remoteUrl, transport: 'streamable-http', groupRef: { name: 'research' } },
    },
  };
}
