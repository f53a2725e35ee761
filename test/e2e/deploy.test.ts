// Every shipped rendering, applied to a real kube-apiserver: first with --dry-run=server,
// then for real. The API server is the judge of what the unit tests in test/deploy/ only
// read: PodDisruptionBudget and NetworkPolicy fields, webhook configuration validation
// (C29), RBAC that actually authorises the ServiceAccount, and the restricted Pod Security
// level enforced on the pod the Deployment would create.
//
// This control plane has no controller-manager and no cert-manager: the Deployment never
// gets pods, Namespaces never finish deleting (so the webhook namespace is created once and
// reused), and cert-manager.io / monitoring.coreos.com kinds are stored through stand-in
// CRDs (test/deploy/fixtures/third-party-crds.yaml) without anyone issuing certificates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseObjects,
  renderKustomizationText,
  deployPath,
  toYamlStream,
  type KubeObject,
} from '../../deploy/kustomize-render.ts';
import { renderDevUrlWebhooks } from '../../deploy/render-dev-url.ts';
import { renderSelfSigned } from '../../deploy/render-self-signed.ts';
import { generateCertificates } from '../../certs/generate.ts';
import {
  deleteProtectionPermissions,
  requiredPermissions,
  type RequiredPermission,
} from '../../src/references/required-permissions.ts';
import { deploymentOf, renderComposition, renderOverlay } from '../deploy/rendered.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { applyThirdPartyCrds } from './support/third-party-crds.ts';

const webhookNamespace = 'mcpentry-webhook';
const serviceAccount = `system:serviceaccount:${webhookNamespace}:mcpentry-webhook`;

describe('deploy manifests on a real API server (ToolHive CRDs)', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let certDir: string;
  let selfSigned: KubeObject[];

  const kubectlWithInput = (args: string[], objects: readonly KubeObject[]) =>
    cp.kubectl(args, { input: toYamlStream(objects), allowFailure: true });

  /** Applies server-side (dry run first), asserting every object is accepted both times. */
  const applyAll = async (objects: readonly KubeObject[]): Promise<void> => {
    const base = ['apply', '--server-side', '--field-manager=deploy-e2e', '-o', 'name', '-f', '-'];
    // A dry run creates nothing, so the Namespace its other objects live in must exist first.
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    if (namespaces.length > 0) {
      const created = await kubectlWithInput(base, namespaces);
      assert.equal(created.code, 0, created.stderr);
    }
    const dryRun = await kubectlWithInput([...base, '--dry-run=server'], objects);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.equal(dryRun.stdout.trim().split('\n').length, objects.length, dryRun.stdout);
    const real = await kubectlWithInput(base, objects);
    assert.equal(real.code, 0, real.stderr);
    assert.equal(real.stdout.trim().split('\n').length, objects.length, real.stdout);
  };

  /** Removes what a variant applied, except the Namespace (it could never finish deleting). */
  const deleteAll = async (objects: readonly KubeObject[]): Promise<void> => {
    const removable = objects.filter((o) => o.kind !== 'Namespace');
    const result = await kubectlWithInput(['delete', '--ignore-not-found', '-f', '-'], removable);
    assert.equal(result.code, 0, result.stderr);
  };

  const getJson = async (resource: string, name: string): Promise<Record<string, unknown>> => {
    const result = await cp.kubectl(['get', resource, name, '-o', 'json']);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  before(async () => {
    cp = await startControlPlane({ crds: 'toolhive' });
    await applyThirdPartyCrds(cp);
    certDir = await mkdtemp(join(tmpdir(), 'mcpentry-deploy-e2e-'));
    const certs = await generateCertificates({
      service: 'mcpentry-webhook',
      namespace: webhookNamespace,
      outDir: certDir,
    });
    selfSigned = parseObjects(
      renderSelfSigned({
        caCertPem: certs.caCertPem,
        tlsCertPem: certs.tlsCertPem,
        tlsKeyPem: certs.tlsKeyPem,
      }),
    );
  });

  after(async () => {
    await cp?.stop();
    if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
  });

  const installs: { name: string; render: () => KubeObject[] }[] = [
    { name: 'self-signed (rendered by install.sh)', render: () => selfSigned },
    { name: 'cert-manager', render: () => renderOverlay('overlays/cert-manager') },
    {
      name: 'cert-manager + delete-protection + servicemonitor',
      render: () =>
        renderComposition(
          ['overlays/cert-manager'],
          ['components/delete-protection', 'components/servicemonitor'],
        ),
    },
  ];

  for (const install of installs) {
    test(`${install.name}: every object is accepted, dry run and for real`, async () => {
      const objects = install.render();
      await applyAll(objects);
      // What the API server stored is what we rendered: no field was dropped or defaulted
      // differently on the webhook configurations.
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        const rendered = objects.find((o) => o.kind === kind);
        assert.ok(rendered);
        const stored = await getJson(`${kind.toLowerCase()}s`, rendered.metadata.name);
        const names = (o: Record<string, unknown>) =>
          (o['webhooks'] as { name: string; timeoutSeconds: number; failurePolicy: string }[]).map(
            (w) => `${w.name} ${w.timeoutSeconds} ${w.failurePolicy}`,
          );
        assert.deepEqual(names(stored), names(rendered));
      }
      await deleteAll(objects);
    });
  }

  test('the pod the Deployment would create passes the enforced restricted level', async () => {
    await applyAll(selfSigned.filter((o) => o.kind === 'Namespace'));
    const pod = (spec: unknown): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pod-security-probe', namespace: webhookNamespace },
      spec,
    });
    const template = deploymentOf(selfSigned).spec.template.spec;
    const accepted = await kubectlWithInput(
      ['create', '--dry-run=server', '-f', '-'],
      [pod(template)],
    );
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.doesNotMatch(accepted.stderr, /PodSecurity/);

    // The namespace label really enforces: the same pod with capabilities kept is refused.
    const weakened = structuredClone(template);
    for (const container of weakened.containers) delete container.securityContext?.capabilities;
    const refused = await kubectlWithInput(
      ['create', '--dry-run=server', '-f', '-'],
      [pod(weakened)],
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/);
  });

  describe('RBAC, as the ServiceAccount', () => {
    const canI = async (verb: string, resource: string, namespace?: string): Promise<boolean> => {
      const scope = namespace === undefined ? ['--all-namespaces'] : ['-n', namespace];
      const result = await cp.kubectl(
        ['auth', 'can-i', verb, resource, `--as=${serviceAccount}`, ...scope],
        { allowFailure: true },
      );
      return result.code === 0;
    };
    const resourceArg = (p: RequiredPermission, name?: string): string =>
      `${p.resource}${p.apiGroup === '' ? '' : `.${p.apiGroup}`}${name === undefined ? '' : `/${name}`}`;

    const checkGranted = async (permissions: readonly RequiredPermission[]): Promise<void> => {
      for (const permission of permissions) {
        for (const verb of permission.verbs) {
          for (const name of permission.resourceNames ?? [undefined]) {
            assert.ok(
              await canI(verb, resourceArg(permission, name)),
              `${verb} ${permission.resource}`,
            );
          }
        }
      }
    };

    test('can do every call in requiredPermissions, across namespaces', async () => {
      await applyAll(selfSigned);
      await checkGranted(requiredPermissions);
    });

    test('cannot do more: no list of Secrets, no writes, no other CRD', async () => {
      assert.equal(await canI('list', 'secrets'), false);
      assert.equal(await canI('watch', 'configmaps'), false);
      assert.equal(await canI('create', 'mcpgroups.toolhive.stacklok.dev', 'default'), false);
      assert.equal(
        await canI('delete', 'mcpexternalauthconfigs.toolhive.stacklok.dev', 'default'),
        false,
      );
      assert.equal(await canI('list', 'mcpserverentries.toolhive.stacklok.dev'), false);
      assert.equal(
        await canI(
          'get',
          'customresourcedefinitions.apiextensions.k8s.io/mcpgroups.toolhive.stacklok.dev',
        ),
        false,
      );
      assert.equal(
        await canI('patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io'),
        false,
      );
      await deleteAll(selfSigned);
    });

    test('the delete-protection component adds list/watch on entries', async () => {
      const objects = renderComposition(
        ['overlays/cert-manager'],
        ['components/delete-protection'],
      );
      await applyAll(objects);
      await checkGranted([...requiredPermissions, ...deleteProtectionPermissions]);
      await deleteAll(objects);
    });
  });

  describe('dev-url', () => {
    test('the rendered configurations are stored with the loopback URLs and CA', async () => {
      const certs = await generateCertificates({
        service: 'mcpentry-webhook',
        namespace: webhookNamespace,
        outDir: join(certDir, 'dev'),
      });
      const objects = parseObjects(
        renderDevUrlWebhooks({ port: 18443, caBundlePem: certs.caCertPem, deleteProtection: true }),
      );
      await applyAll(objects);
      const stored = await getJson('validatingwebhookconfigurations', 'mcpentry-webhook');
      const webhooks = stored['webhooks'] as { clientConfig: { url: string; caBundle: string } }[];
      assert.deepEqual(
        webhooks.map((w) => w.clientConfig.url),
        ['https://127.0.0.1:18443/validate', 'https://127.0.0.1:18443/validate-delete'],
      );
      for (const webhook of webhooks) {
        assert.equal(
          Buffer.from(webhook.clientConfig.caBundle, 'base64').toString(),
          certs.caCertPem,
        );
      }
      await deleteAll(objects);
    });

    test('C29: an http URL, a query, or a two-segment name is refused with Invalid', async () => {
      const caPem = (await readFile(join(certDir, 'ca.crt'), 'utf8')).toString();
      const validating = (): KubeObject[] =>
        parseObjects(renderDevUrlWebhooks({ port: 18443, caBundlePem: caPem })).filter(
          (o) => o.kind === 'ValidatingWebhookConfiguration',
        );
      type Hooks = { name: string; clientConfig: { url: string } }[];
      const breakages: [string, (hooks: Hooks) => void][] = [
        ['http URL', (h) => void (h[0]!.clientConfig.url = 'http://127.0.0.1:18443/validate')],
        ['query', (h) => void (h[0]!.clientConfig.url = 'https://127.0.0.1:18443/validate?q=1')],
        ['two-segment name', (h) => void (h[0]!.name = 'mcpentry.dev')],
      ];
      for (const [what, breakIt] of breakages) {
        const objects = validating();
        breakIt(objects[0]!['webhooks'] as Hooks);
        const result = await kubectlWithInput(['create', '--dry-run=server', '-f', '-'], objects);
        assert.notEqual(result.code, 0, what);
        assert.match(result.stderr, /is invalid/, what);
      }
    });
  });

  test('unrendered overlays are refused, so a webhook nobody trusts is never registered', async () => {
    for (const overlay of ['overlays/self-signed', 'overlays/dev-url']) {
      const configs = parseObjects(renderKustomizationText(deployPath(overlay))).filter((o) =>
        o.kind.endsWith('WebhookConfiguration'),
      );
      const result = await kubectlWithInput(['create', '--dry-run=server', '-f', '-'], configs);
      assert.notEqual(result.code, 0, overlay);
      assert.match(result.stderr, /illegal base64/, overlay);
    }
  });
});
