// helm lint --strict on the chart with its defaults and with every documented combination, and
// values.schema.json refusing bad values with a message that names the value.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chartCases } from './cases.ts';
import { chartDir, kubeVersion, startHelm, type Helm } from './helm.ts';

let helm: Helm;
// The first run on a machine builds helm (minutes, once).
before(
  async () => {
    helm = await startHelm();
  },
  { timeout: 30 * 60_000 },
);
after(() => helm?.dispose());

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('helm lint --strict', () => {
  test('the defaults', async () => {
    const result = await helm.run(['lint', '--strict', chartDir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  test('every documented combination', async () => {
    for (const c of chartCases({ caCertPem: pem, tlsCertPem: pem, tlsKeyPem: pem })) {
      const result = await helm.run([
        'lint',
        '--strict',
        chartDir,
        '--namespace',
        c.namespace,
        ...helm.valuesArgs(c.values),
      ]);
      assert.equal(result.code, 0, `${c.name}: ${result.stdout}${result.stderr}`);
    }
  });
});

test('kubeVersion: Kubernetes 1.29 is refused (matchConditions are GA in 1.30), 1.30 accepted', async () => {
  const at = (version: string) => helm.run(['template', chartDir, '--kube-version', version]);
  const old = await at('1.29.9');
  assert.notEqual(old.code, 0);
  assert.match(old.stderr, /chart requires kubeVersion: >=1\.30\.0-0/);
  const supported = await at('1.30.0');
  assert.equal(supported.code, 0, supported.stderr);
});

test('createNamespace in the release namespace is refused with the way out', async () => {
  const result = await helm.run([
    'template',
    chartDir,
    '--kube-version',
    kubeVersion,
    '--namespace',
    'mcpentry-webhook',
    ...helm.valuesArgs({ createNamespace: true }),
  ]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /createNamespace: set `namespace` to the namespace to create/);
});

describe('values.schema.json refuses bad values', () => {
  const caBundle = Buffer.from(pem).toString('base64');
  // [what, values, a part of helm's message that names the problem]
  const refused: [string, object, RegExp][] = [
    ['an unknown top-level key', { replicaCount: 3 }, /replicaCount/],
    ['a misspelt nested key', { webhook: { failurePolcy: 'Fail' } }, /failurePolcy/],
    ['an unknown failurePolicy', { webhook: { failurePolicy: 'Deny' } }, /failurePolicy/],
    ['timeoutSeconds above the API maximum', { webhook: { timeoutSeconds: 31 } }, /timeoutSeconds/],
    ['an unknown certificate source', { certificates: { source: 'vault' } }, /source/],
    [
      'a provided Secret without its CA',
      { certificates: { source: 'secret', secret: { name: 'tls' } } },
      /caBundle/,
    ],
    [
      'a caBundle that is not base64',
      { certificates: { source: 'secret', secret: { name: 'tls', caBundle: pem } } },
      /caBundle/,
    ],
    ['a namespace that is not a DNS label', { namespace: 'Team_A' }, /namespace/],
    ['an image digest that is not sha256', { image: { digest: 'md5:abc' } }, /digest/],
    ['an image repository with a tag in it', { image: { repository: 'a/b:1.0' } }, /repository/],
    ['an unknown reference policy', { referencePolicies: { secret: 'allow' } }, /secret/],
    ['an unknown Secret-access mode', { secretAccess: { mode: 'all' } }, /mode/],
    [
      'namespaces mode without namespaces',
      { secretAccess: { mode: 'namespaces', namespaces: [] } },
      /namespaces/,
    ],
    [
      'namespaces listed under another mode',
      { secretAccess: { mode: 'cluster', namespaces: ['team-a'] } },
      /namespaces/,
    ],
    ['mTLS without a client CA', { mtls: { enabled: true } }, /mtls/],
    [
      'mTLS with both an inline CA and a ConfigMap',
      { mtls: { enabled: true, clientCA: pem, existingConfigMap: 'ca' } },
      /mtls/,
    ],
    ['a client CA that is not PEM', { mtls: { enabled: true, clientCA: 'abc' } }, /clientCA/],
    ['an http webhook URL', { webhook: { url: 'http://127.0.0.1:8443' } }, /url/],
    ['a webhook URL with credentials', { webhook: { url: 'https://user:pw@example.com' } }, /url/],
    [
      'a webhook URL without the CA of its server',
      { webhook: { url: 'https://127.0.0.1:8443' } },
      /source/,
    ],
    [
      'admission policy actions Deny and Warn together',
      { admissionPolicy: { enabled: true, validationActions: ['Deny', 'Warn'] } },
      /validationActions/,
    ],
    ['an unknown log level', { logLevel: 'verbose' }, /logLevel/],
    ['zero replicas', { replicas: 0 }, /replicas/],
    [
      'a memory limit that is not a quantity',
      { resources: { limits: { memory: 'lots' } } },
      /memory/,
    ],
    ['a resources key Kubernetes does not know', { resources: { limit: {} } }, /limit/],
  ];
  for (const [what, values, message] of refused) {
    test(what, async () => {
      const result = await helm.run([
        'template',
        chartDir,
        '--kube-version',
        kubeVersion,
        ...helm.valuesArgs(values),
      ]);
      assert.notEqual(result.code, 0, `${what} was accepted`);
      assert.match(result.stderr, /values don't meet the specifications of the schema/);
      assert.match(result.stderr, message);
    });
  }

  test('the same values made right are accepted (the refusals are not blanket)', async () => {
    const accepted: object[] = [
      { webhook: { failurePolicy: 'Ignore', timeoutSeconds: 30 } },
      { certificates: { source: 'secret', secret: { name: 'tls', caBundle } } },
      { namespace: 'team-a' },
      {
        image: {
          repository: 'ghcr.io/example/mcpentry-webhook',
          digest: `sha256:${'a'.repeat(64)}`,
        },
      },
      { secretAccess: { mode: 'namespaces', namespaces: ['team-a'] } },
      { mtls: { enabled: true, clientCA: pem } },
      { mtls: { enabled: true, existingConfigMap: 'api-server-client-ca' } },
      {
        webhook: { url: 'https://127.0.0.1:8443' },
        certificates: { source: 'secret', secret: { caBundle } },
      },
      { resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
    ];
    for (const values of accepted) {
      const result = await helm.run([
        'template',
        chartDir,
        '--kube-version',
        kubeVersion,
        ...helm.valuesArgs(values),
      ]);
      assert.equal(result.code, 0, `${JSON.stringify(values)}: ${result.stderr}`);
    }
  });
});
