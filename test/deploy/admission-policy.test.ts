// The ValidatingAdmissionPolicy kustomize component: the generator's output, current, and
// composable with the installs (cluster-scoped, so a namespace setting leaves it alone).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderPolicy } from '../../src/cli/policy-command.ts';
import { defaultPolicyName } from '../../src/admission-policy/policy-document.ts';
import { findObject, renderComposition, renderOverlay } from './rendered.ts';

describe('admission-policy component', () => {
  test('is the current output of `mcpentry-webhook policy` (regenerate it when a rule table changes)', () => {
    const committed = readFileSync(
      new URL('../../deploy/components/admission-policy/admission-policy.yaml', import.meta.url),
      'utf8',
    );
    const generated = renderPolicy({ actions: ['Deny'], name: defaultPolicyName, output: 'yaml' });
    assert.ok(
      committed === generated,
      'run: node src/main.ts policy > deploy/components/admission-policy/admission-policy.yaml',
    );
  });

  test('the add-on overlay renders the policy (Deny) and the warnings policy (Warn) only', () => {
    const objects = renderOverlay('overlays/admission-policy');
    assert.deepEqual(objects.map((o) => `${o.kind} ${o.metadata.name ?? ''}`).sort(), [
      'ValidatingAdmissionPolicy mcpserverentries.mcpentry-webhook.dev',
      'ValidatingAdmissionPolicy warnings.mcpserverentries.mcpentry-webhook.dev',
      'ValidatingAdmissionPolicyBinding mcpserverentries.mcpentry-webhook.dev',
      'ValidatingAdmissionPolicyBinding warnings.mcpserverentries.mcpentry-webhook.dev',
    ]);
    const actions = objects
      .filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')
      .map((o) => (o['spec'] as { validationActions: string[] }).validationActions.join());
    assert.deepEqual(actions, ['Deny', 'Warn']);
  });

  test('composes with an install without being put in a namespace', () => {
    const objects = renderComposition(['overlays/self-signed'], ['components/admission-policy']);
    const policy = findObject(objects, 'ValidatingAdmissionPolicy', defaultPolicyName);
    assert.equal(policy.metadata.namespace, undefined);
    assert.ok(objects.some((o) => o.kind === 'Deployment'));
  });
});
