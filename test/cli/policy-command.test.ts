// `mcpentry-webhook policy`: argument parsing and the printed documents.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { parsePolicyArgs, renderPolicy, runPolicyCommand } from '../../src/cli/policy-command.ts';

function capture(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runPolicyCommand(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('policy command', () => {
  test('prints the policy and its binding, Deny by default, then the warnings pair (Warn)', () => {
    const { code, stdout } = capture([]);
    assert.equal(code, 0);
    interface Doc {
      kind: string;
      metadata: { name: string };
      spec: { policyName?: string; validationActions?: string[]; failurePolicy?: string };
    }
    const [policy, binding, warnings, warningsBinding, ...rest] = parseAllDocuments(stdout).map(
      (d) => d.toJS() as Doc,
    );
    assert.equal(rest.length, 0);
    assert.equal(warnings?.metadata.name, `warnings.${policy?.metadata.name ?? ''}`);
    assert.equal(warningsBinding?.spec.policyName, warnings?.metadata.name);
    assert.deepEqual(warningsBinding?.spec.validationActions, ['Warn']);
    assert.equal(policy?.kind, 'ValidatingAdmissionPolicy');
    assert.equal(binding?.kind, 'ValidatingAdmissionPolicyBinding');
    assert.equal(binding?.spec.policyName, policy?.metadata.name);
    assert.deepEqual(binding?.spec.validationActions, ['Deny']);
    assert.equal(policy?.spec.failurePolicy, 'Fail');
  });

  test('--action selects Warn, Audit or a combination; Deny with Warn is refused', () => {
    const parsed = parsePolicyArgs(['--action', 'warn,Audit']);
    assert.equal(parsed.kind, 'run');
    if (parsed.kind === 'run') assert.deepEqual(parsed.options.actions, ['Warn', 'Audit']);
    assert.equal(parsePolicyArgs(['--action=Deny,Warn']).kind, 'error');
    assert.equal(parsePolicyArgs(['--action', 'Block']).kind, 'error');
    const { code, stderr } = capture(['--action', 'Block']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown action "Block"/);
  });

  test('--name names the documents; Audit alone makes the warnings audit only', () => {
    const out = renderPolicy({ actions: ['Audit'], name: 'mcp.example.com', output: 'json' });
    const list = JSON.parse(out) as {
      items: { metadata: { name: string }; spec: { validationActions?: string[] } }[];
    };
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      [
        'mcp.example.com',
        'mcp.example.com',
        'warnings.mcp.example.com',
        'warnings.mcp.example.com',
      ],
    );
    assert.deepEqual(list.items[3]?.spec.validationActions, ['Audit']);
    assert.equal(parsePolicyArgs(['--name', 'Not_A_Name']).kind, 'error');
  });

  test('--help prints usage and exits 0', () => {
    const { code, stdout } = capture(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: mcpentry-webhook policy/);
  });

  test('--host-lists-configmap adds a second policy whose parameter is the ConfigMap', () => {
    const out = renderPolicy({
      actions: ['Deny'],
      name: 'p.example',
      output: 'json',
      hostLists: { namespace: 'ops', name: 'hosts' },
    });
    const items = (
      JSON.parse(out) as {
        items: { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
      }
    ).items;
    assert.deepEqual(
      items.map((i) => [i.kind, i.metadata.name]),
      [
        ['ValidatingAdmissionPolicy', 'p.example'],
        ['ValidatingAdmissionPolicyBinding', 'p.example'],
        ['ValidatingAdmissionPolicy', 'warnings.p.example'],
        ['ValidatingAdmissionPolicyBinding', 'warnings.p.example'],
        ['ValidatingAdmissionPolicy', 'host-lists.p.example'],
        ['ValidatingAdmissionPolicyBinding', 'host-lists.p.example'],
      ],
    );
    assert.equal(items[0]?.spec['paramKind'], undefined, 'the main policy needs no ConfigMap');
    assert.deepEqual(items[4]?.spec['paramKind'], { apiVersion: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(items[5]?.spec['paramRef'], {
      namespace: 'ops',
      name: 'hosts',
      parameterNotFoundAction: 'Allow',
    });
    assert.equal(parsePolicyArgs(['--host-lists-configmap', 'no-slash']).kind, 'error');
  });
});
