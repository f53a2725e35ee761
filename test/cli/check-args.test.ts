// The `check` flag parser is a pure function: each usage rule is a row here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheckArgs, type CheckConfig } from '../../src/cli/check-args.ts';

const env = { HOME: '/home/ci' };

function config(argv: string[], environment: Record<string, string> = env): CheckConfig {
  const parsed = parseCheckArgs(argv, environment);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.config;
}

describe('parseCheckArgs accepts', () => {
  const cases: { name: string; argv: string[]; expect: Partial<CheckConfig> }[] = [
    {
      name: 'paths with production-safe defaults',
      argv: ['a.yaml', 'deploy/'],
      expect: {
        paths: ['a.yaml', 'deploy/'],
        output: 'text',
        references: 'error',
        defaultNamespace: 'default',
        cluster: false,
        fromCluster: false,
        kubeconfig: undefined,
        crd: undefined,
        showDefaults: false,
        warningsAsErrors: false,
      },
    },
    { name: 'stdin as -', argv: ['-'], expect: { paths: ['-'] } },
    {
      name: 'the mutating defaults: off and unasked unless said (--cluster asks)',
      argv: ['x'],
      expect: { mutatingWebhook: false, noMutatingWebhook: false },
    },
    {
      name: '--mutating-webhook and --no-mutating-webhook',
      argv: ['--cluster', '--no-mutating-webhook', 'x'],
      expect: { cluster: true, mutatingWebhook: false, noMutatingWebhook: true },
    },
    {
      name: 'paths after -- even when they look like flags',
      argv: ['--', '--odd.yaml'],
      expect: { paths: ['--odd.yaml'] },
    },
    {
      name: '--output and -o, both spellings',
      argv: ['-o', 'sarif', 'x'],
      expect: { output: 'sarif' },
    },
    { name: '--flag=value', argv: ['--output=junit', 'x'], expect: { output: 'junit' } },
    {
      name: '--references warn',
      argv: ['--references', 'warn', 'x'],
      expect: { references: 'warn' },
    },
    {
      name: '--namespace as the default namespace',
      argv: ['-n', 'team-a', 'x'],
      expect: { defaultNamespace: 'team-a' },
    },
    {
      name: '--context repeatable',
      argv: ['--context', 'a', '--context=b', 'x'],
      expect: { context: ['a', 'b'] },
    },
    {
      name: '--crd',
      argv: ['--crd', 'crd.yaml', 'x'],
      expect: { crd: 'crd.yaml', kubeconfig: undefined },
    },
    {
      name: 'switches',
      argv: ['--show-defaults', '--warnings-as-errors', 'x'],
      expect: { showDefaults: true, warningsAsErrors: true },
    },
    {
      name: '--cluster takes $HOME/.kube/config by default',
      argv: ['--cluster', 'x'],
      expect: { cluster: true, kubeconfig: '/home/ci/.kube/config' },
    },
    {
      name: '--from-cluster with repeated namespaces',
      argv: ['--from-cluster', '-n', 'a', '-n', 'b'],
      expect: { fromCluster: true, auditNamespaces: ['a', 'b'], paths: [] },
    },
    {
      name: '--kubeconfig wins',
      argv: ['--cluster', '--kubeconfig', '/k', 'x'],
      expect: { kubeconfig: '/k' },
    },
    {
      name: '--lookup-timeout',
      argv: ['--lookup-timeout', '750', 'x'],
      expect: { lookupTimeoutMs: 750 },
    },
    { name: '--help without paths', argv: ['--help'], expect: { help: true } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = config(c.argv);
      for (const [key, value] of Object.entries(c.expect))
        assert.deepEqual(got[key as keyof CheckConfig], value, key);
    });
  }

  test('$KUBECONFIG (first of the list) before ~/.kube/config', () => {
    assert.equal(config(['--from-cluster'], { KUBECONFIG: ':/a:/b', HOME: '/h' }).kubeconfig, '/a');
  });
});

describe('parseCheckArgs refuses', () => {
  const cases: { name: string; argv: string[]; message: RegExp }[] = [
    { name: 'no input at all', argv: [], message: /no input/ },
    {
      name: 'both --mutating-webhook and --no-mutating-webhook',
      argv: ['--mutating-webhook', '--no-mutating-webhook', 'x'],
      message: /contradict/,
    },
    {
      name: 'an unknown option',
      argv: ['--outptu', 'json', 'x'],
      message: /unknown option --outptu/,
    },
    {
      name: 'an unknown format',
      argv: ['-o', 'xml', 'x'],
      message: /--output must be one of text, json, junit, sarif, github/,
    },
    {
      name: 'an unknown reference mode',
      argv: ['--references', 'deny', 'x'],
      message: /--references must be one of error, warn, ignore/,
    },
    { name: 'a flag without its value', argv: ['x', '--crd'], message: /--crd needs a value/ },
    { name: 'an empty value', argv: ['--crd=', 'x'], message: /non-empty/ },
    {
      name: 'a value on a switch',
      argv: ['--cluster=yes', 'x'],
      message: /--cluster takes no value/,
    },
    { name: 'an invalid namespace', argv: ['-n', 'Team_A', 'x'], message: /not a valid namespace/ },
    { name: 'two default namespaces', argv: ['-n', 'a', '-n', 'b', 'x'], message: /once/ },
    {
      name: 'paths with --from-cluster',
      argv: ['--from-cluster', 'x.yaml'],
      message: /--from-cluster reads the cluster/,
    },
    {
      name: '--context with --from-cluster',
      argv: ['--from-cluster', '--context', 'x'],
      message: /--context/,
    },
    { name: 'stdin twice', argv: ['-', '--context', '-'], message: /only once/ },
    {
      name: 'a silly lookup timeout',
      argv: ['--lookup-timeout', '1', 'x'],
      message: /--lookup-timeout/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const parsed = parseCheckArgs(c.argv, env);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.message, c.message);
    });
  }
});
