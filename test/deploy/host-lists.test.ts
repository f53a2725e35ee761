// The host-lists kustomize component: one ConfigMap the webhook mounts (--host-lists) and the
// generated host-lists policy takes as its parameter, so the engine, the CLI and the API server
// honour the same lists.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderPolicy } from '../../src/cli/policy-command.ts';
import { defaultPolicyName } from '../../src/admission-policy/policy-document.ts';
import { readHostListsFile } from '../../src/references/host-lists-file.ts';
import {
  argValue,
  deploymentOf,
  findObject,
  renderComposition,
  webhookContainer,
} from './rendered.ts';

/** The last two documents of `policy --host-lists-configmap mcpentry-webhook/mcpentry-host-lists`. */
export function hostListsPolicyFile(): string {
  const full = renderPolicy({
    actions: ['Deny'],
    name: defaultPolicyName,
    output: 'yaml',
    hostLists: { namespace: 'mcpentry-webhook', name: 'mcpentry-host-lists' },
  });
  const docs = full.slice(full.indexOf('\n') + 1).split('---\n');
  return `# Generated: the last two documents of \`mcpentry-webhook policy --host-lists-configmap mcpentry-webhook/mcpentry-host-lists\`; do not edit.\n${docs.slice(-2).join('---\n')}`;
}

describe('host-lists component', () => {
  test('its policy is the current generator output (regenerate it when a rule table changes)', () => {
    const committed = readFileSync(
      new URL('../../deploy/components/host-lists/host-lists-policy.yaml', import.meta.url),
      'utf8',
    );
    assert.ok(
      committed === hostListsPolicyFile(),
      'regenerate deploy/components/host-lists/host-lists-policy.yaml (see test/deploy/host-lists.test.ts)',
    );
  });

  test('the webhook mounts the ConfigMap the policy takes as its parameter', () => {
    const objects = renderComposition(['overlays/self-signed'], ['components/host-lists']);
    const configMap = findObject(objects, 'ConfigMap', 'mcpentry-host-lists');
    assert.equal(configMap.metadata.namespace, 'mcpentry-webhook');
    const container = webhookContainer(deploymentOf(objects));
    const dir = argValue(container, '--host-lists');
    assert.equal(dir, '/etc/mcpentry-webhook/host-lists');
    const deployment = findObject(objects, 'Deployment', 'mcpentry-webhook') as unknown as {
      spec: {
        template: {
          spec: {
            volumes: { name: string; configMap?: { name: string } }[];
            containers: { volumeMounts: { name: string; mountPath: string }[] }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    const mount = pod.containers[0]?.volumeMounts.find((m) => m.mountPath === dir);
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    assert.equal(volume?.configMap?.name, configMap.metadata.name);
    const binding = findObject(
      objects,
      'ValidatingAdmissionPolicyBinding',
      `host-lists.${defaultPolicyName}`,
    );
    assert.deepEqual((binding['spec'] as { paramRef: unknown }).paramRef, {
      namespace: configMap.metadata.namespace,
      name: configMap.metadata.name,
      parameterNotFoundAction: 'Allow',
    });
    // The shipped ConfigMap, as the webhook reads it: empty lists, nothing refused.
    assert.deepEqual(
      readHostListsFile(
        new URL('../../deploy/components/host-lists/configmap.yaml', import.meta.url).pathname,
      ),
      { allowed: [], denied: [] },
    );
  });
});
