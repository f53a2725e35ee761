// Which MutatingWebhookConfiguration is ours (src/references/mutating-webhook.ts): the webhook's
// name, and rules that send CREATE of mcpserverentries to it. The e2e tier asks a real
// kube-apiserver (test/e2e/check-cluster-defaulting.test.ts); these are the shapes around it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findMutatingWebhook, mutatingWebhookName } from '../../src/references/mutating-webhook.ts';

const rule = (over: Record<string, unknown> = {}) => ({
  operations: ['CREATE', 'UPDATE'],
  apiGroups: ['toolhive.stacklok.dev'],
  apiVersions: ['v1beta1'],
  resources: ['mcpserverentries'],
  ...over,
});
const list = (...items: unknown[]) => ({ kind: 'MutatingWebhookConfigurationList', items });
const configuration = (name: string, webhookName: string, rules: unknown[]) => ({
  metadata: { name },
  webhooks: [
    { name: 'first.example.com', rules: [rule()] },
    { name: webhookName, rules },
  ],
});

describe('findMutatingWebhook', () => {
  const cases: { name: string; list: unknown; want: string | undefined }[] = [
    { name: 'none installed', list: list(), want: undefined },
    { name: 'not a list at all', list: 'nope', want: undefined },
    {
      name: 'ours, under a release-specific configuration name',
      list: list(
        configuration('other', 'x.example.com', [rule()]),
        configuration('rel-mcpentry', mutatingWebhookName, [rule()]),
      ),
      want: 'rel-mcpentry',
    },
    {
      name: 'wildcards route entry CREATEs too',
      list: list(
        configuration('w', mutatingWebhookName, [
          rule({ operations: ['*'], apiGroups: ['*'], resources: ['*'] }),
        ]),
      ),
      want: 'w',
    },
    {
      name: '*/* (every resource and subresource)',
      list: list(configuration('w', mutatingWebhookName, [rule({ resources: ['*/*'] })])),
      want: 'w',
    },
    {
      name: 'our name, but only on UPDATE',
      list: list(configuration('u', mutatingWebhookName, [rule({ operations: ['UPDATE'] })])),
      want: undefined,
    },
    {
      name: 'our name, but another group',
      list: list(configuration('g', mutatingWebhookName, [rule({ apiGroups: ['example.com'] })])),
      want: undefined,
    },
    {
      name: 'our name, but only a subresource',
      list: list(
        configuration('s', mutatingWebhookName, [rule({ resources: ['mcpserverentries/status'] })]),
      ),
      want: undefined,
    },
    {
      name: 'same rules under another webhook name',
      list: list(configuration('o', 'default.mcpserverentries.example.com', [rule()])),
      want: undefined,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(findMutatingWebhook(c.list).configuration, c.want);
    });
  }
});
