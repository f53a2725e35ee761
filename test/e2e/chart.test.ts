// The Helm chart on a real kube-apiserver: every documented rendering (chart and kustomize
// alike) passes a server-side dry run; `helm install` registers webhooks that kubectl's
// writes really go through (URL mode, to a local server); `helm upgrade` changes them in
// place and keeps the chart-generated certificate; `helm uninstall` leaves no webhook
// configuration behind (a leftover failurePolicy Fail webhook would refuse every entry write).
//
// Like test/e2e/deploy.test.ts, this control plane has no controller-manager, kubelet or
// cert-manager: Deployments get no pods, Namespaces never finish deleting, and cert-manager /
// Prometheus Operator kinds are stored through stand-in CRDs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toYamlStream, type KubeObject } from '../../deploy/kustomize-render.ts';
import { generateCertificates } from '../../certs/generate.ts';
import { chartCases, type Certificates } from '../chart/cases.ts';
import { chartDir, startHelm, type Helm } from '../chart/helm.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { applyThirdPartyCrds } from './support/third-party-crds.ts';
import { entry } from '../support/reviews.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { denialPrefix, waitForDryRunAdmitted, waitForWebhookActive } from './support/activation.ts';

// The first run on a machine builds the control plane and helm (minutes, once).
const startTimeout = { timeout: 30 * 60_000 };

let cp: ControlPlane;
let helm: Helm;
let server: TestServer;
let serverStopped = false;
let certDir: string;
let certs: Certificates;

before(async () => {
  cp = await startControlPlane({ crds: 'toolhive' });
  helm = await startHelm();
  await applyThirdPartyCrds(cp);
  certDir = await mkdtemp(join(tmpdir(), 'mcpentry-chart-e2e-'));
  certs = await generateCertificates({
    service: 'mcpentry-webhook',
    namespace: 'mcpentry-webhook',
    outDir: certDir,
  });
  server = await startTestServer();
}, startTimeout);

after(async () => {
  await cp?.stop();
  if (!serverStopped) await server?.stop();
  helm?.dispose();
  if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
});

/** helm against the control plane. */
const helmOn = (args: string[]) => helm.run([...args, '--kubeconfig', cp.kubeconfigPath]);

const ensureNamespaces = async (names: readonly string[]): Promise<void> => {
  const objects = names.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }));
  await cp.kubectl(['apply', '-f', '-'], { input: toYamlStream(objects) });
};

const ourWebhookConfigurations = async (): Promise<string[]> => {
  const result = await cp.kubectl([
    'get',
    'validatingwebhookconfigurations,mutatingwebhookconfigurations',
    '-l',
    'app.kubernetes.io/part-of=mcpentry-webhook',
    '-o',
    'name',
  ]);
  return result.stdout.split('\n').filter((line) => line !== '');
};

const badEntry = (namespace: string): Record<string, unknown> =>
  entry(
    { remoteUrl: 'https://169.254.169.254/latest/meta-data' },
    { name: 'chart-e2e-bad', namespace },
  );

describe('every documented rendering passes a server-side dry run', () => {
  const names = chartCases({ caCertPem: '', tlsCertPem: '', tlsKeyPem: '' }).map((c) => c.name);
  for (const name of names) {
    test(name, async () => {
      const c = chartCases(certs).find((x) => x.name === name);
      assert.ok(c);
      const renderings: [string, KubeObject[]][] = [
        ['helm template', await helm.template(c.values, c.namespace)],
        ['kustomize', c.kustomize()],
      ];
      for (const [source, objects] of renderings) {
        // A dry run creates nothing, so the namespaces objects live in must exist first.
        const namespaces = new Set<string>([c.namespace]);
        for (const o of objects)
          if (o.metadata.namespace !== undefined) namespaces.add(o.metadata.namespace);
        await ensureNamespaces([...namespaces]);
        const rest = objects.filter((o) => o.kind !== 'Namespace');
        const result = await cp.kubectl(
          [
            'apply',
            '--server-side',
            '--field-manager=chart-e2e',
            '--dry-run=server',
            '-o',
            'name',
            '-f',
            '-',
          ],
          { input: toYamlStream(rest), allowFailure: true },
        );
        assert.equal(result.code, 0, `${source}: ${result.stderr}`);
        assert.equal(
          result.stdout.trim().split('\n').length,
          rest.length,
          `${source}: ${result.stdout}`,
        );
      }
    });
  }
});

test('helm install (URL mode): kubectl verdicts; upgrade; uninstall leaves no webhook', async () => {
  const values = {
    webhook: { url: server.url },
    certificates: {
      source: 'secret',
      secret: { caBundle: Buffer.from(server.ca).toString('base64') },
    },
  };
  const install = await helmOn([
    'install',
    'mcpentry-webhook',
    chartDir,
    '--namespace',
    'mcpentry-webhook',
    '--create-namespace',
    ...helm.valuesArgs(values),
  ]);
  assert.equal(install.code, 0, install.stderr);
  assert.deepEqual((await ourWebhookConfigurations()).sort(), [
    'mutatingwebhookconfiguration.admissionregistration.k8s.io/mcpentry-webhook',
    'validatingwebhookconfiguration.admissionregistration.k8s.io/mcpentry-webhook',
  ]);
  await waitForWebhookActive(cp.kubectl, 'default');

  const denied = await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify(badEntry('default')),
    allowFailure: true,
  });
  assert.notEqual(denied.code, 0);
  assert.ok(denied.stderr.includes(`${denialPrefix}spec.remoteUrl`), denied.stderr);
  const allowed = await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify(entry({}, { name: 'chart-e2e-good', namespace: 'default' })),
    allowFailure: true,
  });
  assert.equal(allowed.code, 0, allowed.stderr);

  // Upgrade: leave namespace `default` out. The API server stops sending its entries to us
  // (the bad entry is then stored as far as admission goes: a dry run is enough to see it).
  const upgrade = await helmOn([
    'upgrade',
    'mcpentry-webhook',
    chartDir,
    '--namespace',
    'mcpentry-webhook',
    ...helm.valuesArgs({
      ...values,
      webhook: { ...values.webhook, excludedNamespaces: ['kube-system', 'default'] },
    }),
  ]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  await waitForDryRunAdmitted(cp.kubectl, badEntry('default'));
  await ensureNamespaces(['chart-e2e']);
  await waitForWebhookActive(cp.kubectl, 'chart-e2e');

  // With the server gone, the API server's own metrics show what the alerts of
  // deploy/components/prometheusrule select: failed calls to the validating webhook (Fail:
  // refused) and fail-open skips of the defaulting one (Ignore), by our webhooks' names.
  await server.stop();
  serverStopped = true;
  const refused = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], {
    input: JSON.stringify(badEntry('chart-e2e')),
    allowFailure: true,
  });
  assert.match(
    refused.stderr,
    /failed calling webhook "validate\.mcpserverentries\.mcpentry-webhook\.dev"/,
  );
  const metrics = (await cp.kubectl(['get', '--raw', '/metrics'])).stdout.split('\n');
  const series = (metric: string, labels: Record<string, string>): boolean =>
    metrics.some(
      (line) =>
        line.startsWith(`${metric}{`) &&
        Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
    );
  const validate = 'validate.mcpserverentries.mcpentry-webhook.dev';
  const mutate = 'default.mcpserverentries.mcpentry-webhook.dev';
  // The rules select webhooks by name=~".+\.mcpentry-webhook\.dev".
  for (const name of [validate, mutate]) assert.match(name, /^.+\.mcpentry-webhook\.dev$/);
  assert.ok(
    series('apiserver_admission_webhook_admission_duration_seconds_bucket', { name: validate }),
  );
  assert.ok(
    series('apiserver_admission_webhook_rejection_count', {
      name: validate,
      error_type: 'no_error',
    }),
  );
  assert.ok(
    series('apiserver_admission_webhook_rejection_count', {
      name: validate,
      error_type: 'calling_webhook_error',
    }),
  );
  assert.ok(series('apiserver_admission_webhook_fail_open_count', { name: mutate }));

  const uninstall = await helmOn([
    'uninstall',
    'mcpentry-webhook',
    '--namespace',
    'mcpentry-webhook',
  ]);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  assert.deepEqual(await ourWebhookConfigurations(), []);
  // Nothing calls our server any more: the bad entry passes admission everywhere.
  await waitForDryRunAdmitted(cp.kubectl, badEntry('chart-e2e'));
});

test('helm install of the whole chart: upgrade keeps the generated certificate; uninstall cleans up', async () => {
  const namespace = 'chart-self-signed';
  const values = {
    createNamespace: true,
    namespace,
    certificates: { source: 'self-signed' },
    deleteProtection: { enabled: true },
    serviceMonitor: { enabled: true },
    prometheusRule: { enabled: true },
    grafanaDashboard: { enabled: true },
  };
  // The chart creates its Namespace (Pod Security restricted); Helm's release record lives in
  // an existing one.
  const install = await helmOn([
    'install',
    'mcpentry-webhook',
    chartDir,
    '--namespace',
    'default',
    ...helm.valuesArgs(values),
  ]);
  assert.equal(install.code, 0, install.stderr);
  const labels = await cp.kubectl([
    'get',
    'namespace',
    namespace,
    '-o',
    'jsonpath={.metadata.labels}',
  ]);
  assert.match(labels.stdout, /"pod-security.kubernetes.io\/enforce":"restricted"/);

  const servingCertificate = async (): Promise<string> =>
    (
      await cp.kubectl([
        '-n',
        namespace,
        'get',
        'secret',
        'mcpentry-webhook-tls',
        '-o',
        'jsonpath={.data.tls\\.crt}',
      ])
    ).stdout;
  const caBundle = async (): Promise<string> =>
    (
      await cp.kubectl([
        'get',
        'validatingwebhookconfiguration',
        'mcpentry-webhook',
        '-o',
        'jsonpath={.webhooks[0].clientConfig.caBundle}',
      ])
    ).stdout;
  const installed = { cert: await servingCertificate(), ca: await caBundle() };
  assert.ok(installed.cert.length > 0 && installed.ca.length > 0);

  const upgrade = await helmOn([
    'upgrade',
    'mcpentry-webhook',
    chartDir,
    '--namespace',
    'default',
    ...helm.valuesArgs({ ...values, logLevel: 'debug' }),
  ]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.equal(await servingCertificate(), installed.cert, 'the upgrade re-issued the certificate');
  assert.equal(await caBundle(), installed.ca, 'the upgrade changed caBundle');
  const level = await cp.kubectl([
    '-n',
    namespace,
    'get',
    'deployment',
    'mcpentry-webhook',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="MCPENTRY_LOG_LEVEL")].value}',
  ]);
  assert.equal(level.stdout, 'debug');

  const uninstall = await helmOn(['uninstall', 'mcpentry-webhook', '--namespace', 'default']);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  assert.deepEqual(await ourWebhookConfigurations(), []);
  const clusterWide = await cp.kubectl([
    'get',
    'clusterroles,clusterrolebindings',
    '-l',
    'app.kubernetes.io/part-of=mcpentry-webhook',
    '-o',
    'name',
  ]);
  assert.equal(clusterWide.stdout.trim(), '');
});
