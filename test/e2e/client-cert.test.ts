// Client-certificate authentication of the API server on a real control plane: kube-apiserver
// gets an admission configuration whose kubeconfig presents a client certificate to one webhook
// host, and our server runs with --client-ca. kubectl apply then works through the webhooks;
// pointed at a second server of ours for which the API server has no certificate, every call
// fails at the TLS layer and, with the validating webhook's failurePolicy Fail, nothing is
// written. docs/security.md shows the same configuration for a cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { createCertificateAuthority, issueCertificate } from '../../src/tls/certificates.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { entry } from '../support/reviews.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  denialPrefix,
  registerDevUrlWebhooks,
  waitForWebhookActive,
} from './support/activation.ts';

// The first run on a machine builds kube-apiserver, kubectl and etcd (minutes, once).
const startTimeout = { timeout: 30 * 60_000 };

let dir: string;
let presented: TestServer;
let unknownHost: TestServer;
let cp: ControlPlane;

/** The admission configuration of docs/security.md, for one URL webhook host. */
function writeAdmissionConfiguration(host: string, cert: string, key: string): string {
  writeFileSync(join(dir, 'client.crt'), cert);
  writeFileSync(join(dir, 'client.key'), key, { mode: 0o600 });
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    // For a URL webhook the entry is named after the URL's host:port; a Service webhook's
    // would be <service>.<namespace>.svc.
    users: [
      {
        name: host,
        user: {
          'client-certificate': join(dir, 'client.crt'),
          'client-key': join(dir, 'client.key'),
        },
      },
    ],
  };
  writeFileSync(join(dir, 'webhook-kubeconfig.yaml'), stringify(kubeconfig));
  const plugin = (name: string): object => ({
    name,
    configuration: {
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'WebhookAdmissionConfiguration',
      kubeConfigFile: join(dir, 'webhook-kubeconfig.yaml'),
    },
  });
  const admission = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [plugin('ValidatingAdmissionWebhook'), plugin('MutatingAdmissionWebhook')],
  };
  const path = join(dir, 'admission.yaml');
  writeFileSync(path, stringify(admission));
  return path;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpentry-e2e-mtls-'));
  const clientCa = await createCertificateAuthority({ commonName: 'webhook client CA' });
  const apiServerClient = await issueCertificate(clientCa, {
    commonName: 'kube-apiserver-webhook-client',
    usage: 'client',
  });
  writeFileSync(join(dir, 'client-ca.crt'), clientCa.certPem);
  // Both servers require a client certificate from the same CA; the API server has one only
  // for the first server's host.
  presented = await startTestServer(['--client-ca', join(dir, 'client-ca.crt')]);
  unknownHost = await startTestServer(['--client-ca', join(dir, 'client-ca.crt')]);
  const admissionConfig = writeAdmissionConfiguration(
    `127.0.0.1:${presented.server.port}`,
    apiServerClient.certPem,
    apiServerClient.keyPem,
  );
  cp = await startControlPlane({
    extraApiServerArgs: [`--admission-control-config-file=${admissionConfig}`],
  });
}, startTimeout);

after(async () => {
  await cp?.stop();
  await presented?.stop();
  await unknownHost?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const manifest = (name: string, spec: Record<string, unknown> = {}): string =>
  JSON.stringify(entry(spec, { name, namespace: 'default' }));

test('with a client certificate presented, kubectl apply goes through both webhooks', async () => {
  await registerDevUrlWebhooks(cp.kubectl, { port: presented.server.port, caPem: presented.ca });
  await waitForWebhookActive(cp.kubectl, 'default');

  const applied = await cp.kubectl(['apply', '-f', '-'], { input: manifest('mtls-allowed') });
  assert.equal(applied.code, 0, applied.stderr);
  const stored = await cp.kubectl([
    'get',
    'mcpserverentries',
    'mtls-allowed',
    '-n',
    'default',
    '-o',
    'json',
  ]);
  assert.equal(stored.code, 0, stored.stderr);

  const denied = await cp.kubectl(['apply', '-f', '-'], {
    // A rule only the webhook enforces (the CRD schema would refuse a bad transport first).
    input: manifest('mtls-denied', { remoteUrl: 'https://169.254.169.254/latest/meta-data' }),
    allowFailure: true,
  });
  assert.notEqual(denied.code, 0);
  assert.match(
    denied.stderr,
    new RegExp(`${denialPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*spec\\.remoteUrl`),
  );

  // The reviews arrived over the authenticated connection and were judged by our server.
  const reviewed = presented.logs.filter(
    (l) => l['msg'] === 'review' && l['name'] === 'mtls-allowed',
  );
  assert.ok(reviewed.length >= 2, 'validating and mutating reviews of the entry');
});

test('without a client certificate for the host, calls fail at TLS and nothing is written', async () => {
  await registerDevUrlWebhooks(cp.kubectl, {
    port: unknownHost.server.port,
    caPem: unknownHost.ca,
  });
  // Wait until the API server calls the new URL: the answer turns into a call failure.
  let last = '';
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    const r = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: manifest('mtls-probe'),
      allowFailure: true,
    });
    last = r.stderr;
    if (
      r.code !== 0 &&
      /failed calling webhook/.test(r.stderr) &&
      r.stderr.includes(String(unknownHost.server.port))
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.match(last, /failed calling webhook/);
  // Go's wording of the failure depends on the TLS version and its HTTP/2 transport ("tls:
  // certificate required", "connection reset by peer", "http2: client conn could not be
  // established"). Our side of the handshake knows: no certificate, refused at TLS, and no
  // HTTP request ever reached the handler.
  const refusals = unknownHost.logs.filter((l) => l['msg'] === 'tls handshake failed');
  assert.ok(refusals.length >= 1, 'the server logged the refused handshake');
  assert.equal(refusals[0]?.['reason'], 'client-certificate');
  assert.equal(refusals[0]?.['code'], 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  const counted = await unknownHost.server.metrics.registry
    .getSingleMetric('mcpentry_webhook_tls_handshake_failures_total')
    ?.get();
  const byClientCertificate = counted?.values.find(
    (v) => v.labels['reason'] === 'client-certificate',
  );
  assert.ok((byClientCertificate?.value ?? 0) >= 1);
  assert.equal(unknownHost.logs.filter((l) => l['msg'] === 'review').length, 0);

  const applied = await cp.kubectl(['apply', '-f', '-'], {
    input: manifest('mtls-refused'),
    allowFailure: true,
  });
  assert.notEqual(applied.code, 0);
  assert.match(applied.stderr, /failed calling webhook/);
  const stored = await cp.kubectl(['get', 'mcpserverentries', 'mtls-refused', '-n', 'default'], {
    allowFailure: true,
  });
  assert.notEqual(stored.code, 0, 'failurePolicy Fail: the entry was never written');
  assert.match(stored.stderr, /NotFound|not found/);
  assert.equal(
    unknownHost.logs.filter((l) => l['msg'] === 'review').length,
    0,
    'no review reached the server without a certificate',
  );
});
