// The CEL cost the API server charges the generated policies, computed by the API server's own
// admission packages (test/tools/celcost: k8s.io/apiserver 0.34.2 compiles the policy as its
// validating admission plugin does and evaluates it under the same budget). The API server
// keeps no static estimate for a ValidatingAdmissionPolicy; it enforces the cost at run time:
// 10^6 per expression (PerCallLimit) and 10^7 per evaluation (RuntimeCELCostBudget), shared by
// the validations and the messageExpressions, which it evaluates on every request. A policy
// over a limit fails the request (failurePolicy: Fail), so these budgets, documented in
// docs/admission-policy.md ("CEL cost"), are what keeps the policy from refusing good entries.
// The test prints the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensureTool } from '../harness/binaries.ts';
import { admissionPolicy, defaultPolicyName } from '../../src/admission-policy/policy-document.ts';
import { policyCases } from './policy-cases.ts';
import { hostListConfigMap } from './host-list-cases.ts';

const toolsetDir = new URL('../tools/celcost/', import.meta.url);

interface CostResult {
  readonly name: string;
  readonly matchConditions: number;
  readonly validations: number;
  readonly messages: number;
  readonly perValidation: readonly number[];
  readonly errors?: readonly string[];
}
interface CostOutput {
  readonly perCallLimit: number;
  readonly runtimeCelCostBudget: number;
  readonly results: readonly CostResult[];
}

// The documented budgets (docs/admission-policy.md, "CEL cost"). Measured figures are printed.
const budgets = {
  /** Any case of the project's tables: whole evaluation, and the costliest validation. */
  casesTotal: 20_000,
  casesValidation: 10_000,
  /** A remoteUrl at the 4096-character limit: whole evaluation. */
  longUrlTotal: 250_000,
  /** A 1 MiB remoteUrl (refused as too long): whole evaluation. */
  hugeUrlTotal: 4_000_000,
  /** 64 plaintext headers with 64-character names: whole evaluation. */
  headers64Total: 300_000,
};

const entry = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name, namespace: 'default' },
  spec: { transport: 'sse', groupRef: { name: 'g' }, ...spec },
});
const headers = (count: number): Record<string, unknown> => ({
  addPlaintextHeaders: Object.fromEntries(
    [...Array(count).keys()].map((i) => [`X-H${i}-`.padEnd(64, 'a'), 'v'.repeat(100)]),
  ),
});
const worstCases: Record<string, Record<string, unknown>> = {
  'url-4096-path': entry('w', { remoteUrl: 'https://mcp.example.com/' + 'x'.repeat(4072) }),
  'url-4096-labels': entry('w', { remoteUrl: 'https://' + 'a.'.repeat(2040) + 'com' }),
  'url-4096-ipv6': entry('w', {
    remoteUrl: 'https://[::ffff:169.254.169.254]/' + 'x'.repeat(4000),
  }),
  'url-4096-http': entry('w', { remoteUrl: 'http://' + 'a1.'.repeat(1300) + 'com' }),
  'url-1MiB': entry('w', { remoteUrl: 'https://' + 'a'.repeat(1 << 20) }),
  'headers-64': entry('w', { remoteUrl: 'https://mcp.example.com', headerForward: headers(64) }),
  'headers-256': entry('w', { remoteUrl: 'https://mcp.example.com', headerForward: headers(256) }),
  'headers-1024': entry('w', {
    remoteUrl: 'https://mcp.example.com',
    headerForward: headers(1024),
  }),
};

test('celcost is built from the main.go in the repository (toolset.sh names its hash)', () => {
  const toolset = readFileSync(new URL('toolset.sh', toolsetDir), 'utf8');
  const named = /^MAIN_GO_SHA256=([0-9a-f]{64})$/m.exec(toolset)?.[1];
  const actual = createHash('sha256')
    .update(readFileSync(new URL('main.go', toolsetDir)))
    .digest('hex');
  assert.equal(named, actual, 'update MAIN_GO_SHA256 in test/tools/celcost/toolset.sh');
});

test('the generated policies stay inside the documented CEL cost budgets', async () => {
  const celcost = `${await ensureTool('celcost')}/celcost`;
  const { documents } = admissionPolicy({
    name: defaultPolicyName,
    validationActions: ['Deny'],
    hostLists: { namespace: 'default', name: hostListConfigMap.metadata.name },
  });
  const policies = documents.filter((d) => d['kind'] === 'ValidatingAdmissionPolicy');
  assert.equal(policies.length, 3);
  const objects = [
    ...policyCases().map((c) => ({ name: c.name, object: c.object })),
    ...Object.entries(worstCases).map(([name, object]) => ({ name, object })),
  ].map((o) => ({ ...o, operation: 'CREATE', params: hostListConfigMap }));
  const lines: string[] = [];
  for (const policy of policies) {
    const name = (policy['metadata'] as { name: string }).name;
    const run = spawnSync(celcost, [], {
      input: JSON.stringify({ policy, objects }),
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as CostOutput;
    assert.equal(out.perCallLimit, 1_000_000);
    assert.equal(out.runtimeCelCostBudget, 10_000_000);
    const total = (r: CostResult): number => r.matchConditions + r.validations + r.messages;
    const costliest = (r: CostResult): number => Math.max(...r.perValidation);
    const byName = new Map(out.results.map((r) => [r.name, r]));
    const cases = out.results.filter((r) => r.name.startsWith('case-'));
    for (const r of cases) assert.deepEqual(r.errors ?? [], [], `${name} ${r.name}`);
    const casesTotal = Math.max(...cases.map(total));
    const casesValidation = Math.max(...cases.map(costliest));
    lines.push(
      `# ${name}: ${policy['spec'] === undefined ? 0 : (policy['spec'] as { validations: unknown[] }).validations.length} validations`,
      `#   the ${cases.length} table cases: at most ${casesTotal} per evaluation, ${casesValidation} for one validation`,
    );
    assert.ok(casesTotal <= budgets.casesTotal, `${name}: ${casesTotal}`);
    assert.ok(casesValidation <= budgets.casesValidation, `${name}: ${casesValidation}`);
    for (const worst of Object.keys(worstCases)) {
      const r = byName.get(worst);
      assert.ok(r !== undefined);
      lines.push(
        `#   ${worst}: ${total(r)} per evaluation (validations ${r.validations}, messages ${r.messages}), ${costliest(r)} for one validation${(r.errors ?? []).length > 0 ? ', OVER THE PER-EXPRESSION LIMIT' : ''}`,
      );
      const errors = r.errors ?? [];
      if (worst === 'headers-1024' && name === defaultPolicyName) {
        // Documented: the duplicate-name check is quadratic; ~1000 headers exceed 10^6.
        assert.ok(
          errors.length > 0 && errors.every((e) => e.includes('cost limit exceeded')),
          `${worst}: ${errors.join('; ')}`,
        );
        continue;
      }
      assert.deepEqual(errors, [], `${name} ${worst}`);
      const limit = worst.startsWith('url-4096')
        ? budgets.longUrlTotal
        : worst === 'url-1MiB'
          ? budgets.hugeUrlTotal
          : worst === 'headers-64'
            ? budgets.headers64Total
            : out.runtimeCelCostBudget;
      assert.ok(total(r) <= limit, `${name} ${worst}: ${total(r)} > ${limit}`);
      assert.ok(costliest(r) <= out.perCallLimit, `${name} ${worst}: ${costliest(r)}`);
    }
  }
  console.log(lines.join('\n'));
});
