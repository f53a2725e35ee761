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
import { evaluateAdmissionPolicy } from '../../src/admission-policy/evaluate.ts';
import {
  policyCases,
  engineDenies,
  documentedUncovered,
  type PolicyCase,
} from '../admission-policy/policy-cases.ts';
import { hostListCases, hostListConfigMap } from '../admission-policy/host-list-cases.ts';

const startTimeout = { timeout: 30 * 60_000 };

interface Created {
  readonly denied: ReadonlySet<string>;
  /** The API server's message for each denied object, keyed by name. */
  readonly messages: ReadonlyMap<string, string>;
}

/** Creates every case in one kubectl run (server-side dry run) and reads who was denied. */
async function createAll(cp: ControlPlane, cases: readonly PolicyCase[]): Promise<Created> {
  const list = { apiVersion: 'v1', kind: 'List', items: cases.map((c) => c.object) };
  const result = await cp.kubectl(
    ['create', '--dry-run=server', '--validate=false', '-o', 'name', '-f', '-'],
    {
      input: JSON.stringify(list),
      allowFailure: true,
    },
  );
  const created = new Set(
    result.stdout
      .split('\n')
      .filter((l) => l.includes('/'))
      .map((l) => l.slice(l.indexOf('/') + 1)),
  );
  const messages = new Map<string, string>();
  for (const line of result.stderr.split('\n')) {
    const name = /"(case-\d+)"/.exec(line)?.[1];
    if (name !== undefined && !messages.has(name)) messages.set(name, line);
  }
  const denied = new Set(cases.map((c) => c.name).filter((n) => !created.has(n)));
  return { denied, messages };
}

describe('the generated ValidatingAdmissionPolicy on a real API server (no webhook)', () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane();
    await cp.kubectl(['apply', '-f', '-'], {
      input: renderPolicy({ actions: ['Deny'], name: defaultPolicyName, output: 'yaml' }),
    });
    // A policy takes effect once the API server's informer has compiled it: poll with a case
    // it must deny.
    const probe = policyCases().find((c) => c.name === 'case-probe');
    assert.ok(probe !== undefined);
    for (let i = 0; ; i++) {
      const { denied } = await createAll(cp, [probe]);
      if (denied.size === 1) break;
      if (i > 100) throw new Error('the policy never took effect');
      await new Promise((r) => setTimeout(r, 200));
    }
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
    for (let i = 0; ; i++) {
      if ((await createAll(cp, [probe])).denied.size === 1) break;
      if (i > 100) throw new Error('the host-list policy never took effect');
      await new Promise((r) => setTimeout(r, 200));
    }
    const { denied } = await createAll(cp, cases);
    for (const c of cases) assert.equal(denied.has(c.name), c.expected, c.remoteUrl);
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
