// The webhook as users meet it: a real kube-apiserver + etcd, our real `serve` process over
// real TLS, the shipped dev-url webhook configurations, and `kubectl apply` (the kubectl built
// with the API server) or @kubernetes/client-node as the client. Each scenario runs once with
// the project's CRDs (deploy/crds/) and once with ToolHive's real CRDs: the webhook must work
// with both. A scenario that cannot run fails; none is skipped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { addedField, optInLabel, startFieldAddingWebhook } from './support/field-adding-webhook.ts';
import { crdFiles, type CrdSource } from '../harness/crds.ts';
import type { KubectlResult } from '../harness/kubectl.ts';
import { entry, type Json } from '../support/reviews.ts';
import {
  denialPrefix,
  mutatingWebhookName,
  registerDevUrlWebhooks,
  validatingWebhookName,
  waitForDryRunAdmitted,
  waitForWebhookActive,
} from './support/activation.ts';
import {
  reviewCounts,
  reviewsBetween,
  startWebhookProcess,
  type WebhookProcess,
} from './support/webhook-process.ts';

const group = 'toolhive.stacklok.dev';
const examplesDir = fileURLToPath(
  new URL('../../../shared/reference/toolhive-examples/', import.meta.url),
);
// The first run on a machine builds kube-apiserver, kubectl and etcd (minutes, once).
const startTimeout = { timeout: 30 * 60_000 };

// ---- summary ---------------------------------------------------------------------------

const tally = new Map<string, { passed: number; failed: string[] }>();

after(() => {
  const lines = [...tally].map(
    ([block, t]) =>
      `#   ${block}: ${t.passed} passed, ${t.failed.length} failed` +
      (t.failed.length > 0 ? ` (${t.failed.join('; ')})` : ''),
  );
  console.log(['# e2e webhook scenarios', ...lines].join('\n'));
});

// ---- small helpers ---------------------------------------------------------------------

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** kubectl's rendering of our denial for one finding (other findings may surround it). */
function ourDenial(field: string, message: RegExp): RegExp {
  return new RegExp(
    `${escapeRegExp(denialPrefix)}(.*; )?${escapeRegExp(field)}: ${message.source}`,
  );
}

/** Every describe block builds one of these in `before` and the scenarios share it. */
interface World {
  readonly crds: CrdSource;
  readonly cp: ControlPlane;
  readonly webhook: WebhookProcess;
  readonly ns: string;
  readonly customObjects: CustomObjectsApi;
}

function apply(w: World, object: unknown, args: string[] = []): Promise<KubectlResult> {
  return w.cp.kubectl(['apply', '-f', '-', ...args], {
    input: JSON.stringify(object),
    allowFailure: true,
  });
}

/** The stored object, or undefined when the API server says NotFound. */
async function stored(
  w: World,
  name: string,
  opts: { namespace?: string; version?: string } = {},
): Promise<Json | undefined> {
  const resource =
    opts.version === undefined
      ? `mcpserverentries.${group}`
      : `mcpserverentries.${opts.version}.${group}`;
  const result = await w.cp.kubectl(
    ['get', resource, name, '-n', opts.namespace ?? w.ns, '-o', 'json'],
    { allowFailure: true },
  );
  if (result.code !== 0) {
    assert.match(result.stderr, /NotFound/, result.stderr);
    return undefined;
  }
  return JSON.parse(result.stdout) as Json;
}

const specOf = (object: Json | undefined): Json => (object?.['spec'] ?? {}) as Json;

function entryIn(w: World, name: string, spec: Json = {}, version?: string): Json {
  return entry(spec, { name, namespace: w.ns, ...(version === undefined ? {} : { version }) });
}

async function createGroup(
  w: World,
  name: string,
  phase: 'Ready' | 'Pending' | undefined,
  namespace = w.ns,
): Promise<void> {
  await w.cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: `${group}/v1beta1`,
      kind: 'MCPGroup',
      metadata: { name, namespace },
      spec: { description: 'e2e' },
    }),
  });
  if (phase === undefined) return;
  // status is a subresource: a plain apply would drop it, so it is written through /status,
  // the way ToolHive's operator reports a group's phase.
  await w.cp.kubectl([
    'patch',
    `mcpgroups.${group}`,
    name,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { phase } }),
  ]);
}

/** The neighbours every entry scenario names; created before the first entry. */
async function createNeighbours(w: World): Promise<void> {
  await createGroup(w, 'engineering', undefined);
  // One group's phase through client-node's status call, as an operator written in TS would.
  const current = (await w.customObjects.getNamespacedCustomObject({
    group,
    version: 'v1beta1',
    namespace: w.ns,
    plural: 'mcpgroups',
    name: 'engineering',
  })) as Json;
  await w.customObjects.replaceNamespacedCustomObjectStatus({
    group,
    version: 'v1beta1',
    namespace: w.ns,
    plural: 'mcpgroups',
    name: 'engineering',
    body: { ...current, status: { phase: 'Ready' } },
  });
  await createGroup(w, 'staging', 'Pending');
  const neighbours = [
    {
      apiVersion: `${group}/v1beta1`,
      kind: 'MCPExternalAuthConfig',
      metadata: { name: 'anonymous', namespace: w.ns },
      spec: { type: 'unauthenticated' },
    },
    {
      apiVersion: `${group}/v1beta1`,
      kind: 'MCPExternalAuthConfig',
      metadata: { name: 'static-bearer', namespace: w.ns },
      spec: {
        type: 'bearerToken',
        bearerToken: { tokenSecretRef: { name: 'api-credentials', key: 'token' } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'corp-ca', namespace: w.ns },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'api-credentials', namespace: w.ns },
      stringData: { token: 'not-a-real-token' },
    },
  ];
  await w.cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: neighbours }),
  });
}

// ---- the scenarios ---------------------------------------------------------------------

interface DenialCase {
  readonly name: string;
  readonly spec: Json;
  readonly field: string;
  readonly message: RegExp;
}

const denialCases: readonly DenialCase[] = [
  {
    name: 'remoteUrl: the cloud metadata address',
    spec: { remoteUrl: 'https://169.254.169.254/latest/meta-data' },
    field: 'spec.remoteUrl',
    message: /Invalid value: "https:\/\/169\.254\.169\.254\/latest\/meta-data": .*metadata/,
  },
  {
    name: 'remoteUrl: loopback spelled in octal (Go parsers miss it, ToolHive would accept it)',
    spec: { remoteUrl: 'https://0177.0.0.1/mcp' },
    field: 'spec.remoteUrl',
    message: /Invalid value: "https:\/\/0177\.0\.0\.1\/mcp": .*127\.0\.0\.1.*loopback/,
  },
  {
    name: 'header rules: a restricted header name',
    spec: { headerForward: { addPlaintextHeaders: { Host: 'internal.example.com' } } },
    field: 'spec.headerForward.addPlaintextHeaders[Host]',
    message: /Forbidden: "Host"/,
  },
  {
    name: 'header rules: CRLF in a value (header injection)',
    spec: { headerForward: { addPlaintextHeaders: { 'X-Tenant': 'a\r\nX-Injected: 1' } } },
    field: 'spec.headerForward.addPlaintextHeaders[X-Tenant]',
    message: /Invalid value: .*U\+000D/,
  },
  {
    name: 'missing MCPGroup',
    spec: { groupRef: { name: 'no-such-group' } },
    field: 'spec.groupRef.name',
    message: /Not found: "no-such-group": MCPGroup does not exist/,
  },
  {
    name: 'missing MCPExternalAuthConfig',
    spec: { externalAuthConfigRef: { name: 'no-such-auth' } },
    field: 'spec.externalAuthConfigRef.name',
    message: /Not found: "no-such-auth": MCPExternalAuthConfig does not exist/,
  },
  {
    name: 'unsupported auth type (bearerToken)',
    spec: { externalAuthConfigRef: { name: 'static-bearer' } },
    field: 'spec.externalAuthConfigRef.name',
    message:
      /MCPExternalAuthConfig "static-bearer" has type "bearerToken", which an MCPServerEntry cannot use/,
  },
  {
    name: 'missing CA-bundle ConfigMap',
    spec: { caBundleRef: { configMapRef: { name: 'no-such-ca', key: 'ca.crt' } } },
    field: 'spec.caBundleRef.configMapRef.name',
    message: /Not found: "no-such-ca": ConfigMap does not exist/,
  },
  {
    name: 'CA-bundle ConfigMap without the key',
    spec: { caBundleRef: { configMapRef: { name: 'corp-ca', key: 'bundle.pem' } } },
    field: 'spec.caBundleRef.configMapRef.key',
    message: /Not found: "bundle\.pem": ConfigMap "corp-ca" has no such key/,
  },
  {
    name: 'missing header Secret',
    spec: {
      headerForward: {
        addHeadersFromSecret: [
          { headerName: 'X-Api-Key', valueSecretRef: { name: 'no-such-secret', key: 'token' } },
        ],
      },
    },
    field: 'spec.headerForward.addHeadersFromSecret[0].valueSecretRef.name',
    message: /Not found: "no-such-secret": Secret does not exist/,
  },
  {
    name: 'header Secret without the key',
    spec: {
      headerForward: {
        addHeadersFromSecret: [
          { headerName: 'X-Api-Key', valueSecretRef: { name: 'api-credentials', key: 'api-key' } },
        ],
      },
    },
    field: 'spec.headerForward.addHeadersFromSecret[0].valueSecretRef.key',
    message: /Not found: "api-key": Secret "api-credentials" has no such key/,
  },
];

function defineWebhookScenarios(crds: CrdSource, label: string): void {
  describe(`webhook e2e with ${label}`, () => {
    let w: World;
    const counts = { passed: 0, failed: [] as string[] };
    tally.set(label, counts);
    let activationMs = 0;

    const scenario = (name: string, body: () => Promise<void>): void => {
      test(name, async () => {
        try {
          await body();
          counts.passed += 1;
        } catch (error) {
          counts.failed.push(name);
          throw error;
        }
      });
    };

    before(async () => {
      const started = Date.now();
      const cp = await startControlPlane({ crds, auditLog: true });
      const cpMs = Date.now() - started;
      try {
        const webhook = await startWebhookProcess({ kubeconfigPath: cp.kubeconfigPath });
        const kc = new KubeConfig();
        kc.loadFromFile(cp.kubeconfigPath);
        w = {
          crds,
          cp,
          webhook,
          ns: 'e2e-entries',
          customObjects: kc.makeApiClient(CustomObjectsApi),
        };
        await cp.kubectl(['create', 'namespace', w.ns]);
        await registerDevUrlWebhooks(cp.kubectl, webhook);
        activationMs = await waitForWebhookActive(cp.kubectl, w.ns);
        await createNeighbours(w);
      } catch (error) {
        await w?.webhook.stop();
        await cp.stop();
        throw error;
      }
      console.log(
        `# ${label}: control plane ${cpMs} ms, webhook active ${activationMs} ms after registration, ready at ${Date.now() - started} ms`,
      );
    }, startTimeout);

    after(async () => {
      await w?.webhook.stop();
      await w?.cp.stop();
    });

    scenario(
      'the shipped configurations are registered and answered (activation probe, C28)',
      async () => {
        const validating = JSON.parse(
          (
            await w.cp.kubectl([
              'get',
              'validatingwebhookconfiguration',
              'mcpentry-webhook',
              '-o',
              'json',
            ])
          ).stdout,
        ) as { webhooks: { name: string; failurePolicy: string; clientConfig: { url: string } }[] };
        const mutating = JSON.parse(
          (
            await w.cp.kubectl([
              'get',
              'mutatingwebhookconfiguration',
              'mcpentry-webhook',
              '-o',
              'json',
            ])
          ).stdout,
        ) as { webhooks: { name: string; failurePolicy: string; clientConfig: { url: string } }[] };
        assert.equal(validating.webhooks[0]?.name, validatingWebhookName);
        assert.equal(validating.webhooks[0]?.failurePolicy, 'Fail');
        assert.equal(
          validating.webhooks[0]?.clientConfig.url,
          `https://127.0.0.1:${w.webhook.port}/validate`,
        );
        assert.equal(mutating.webhooks[0]?.name, mutatingWebhookName);
        assert.equal(mutating.webhooks[0]?.failurePolicy, 'Ignore');
        assert.equal(
          mutating.webhooks[0]?.clientConfig.url,
          `https://127.0.0.1:${w.webhook.port}/mutate`,
        );
        // The probe reached both paths of the real process: patched (the key), then denied.
        const counts = await reviewCounts(w.webhook);
        assert.ok((counts.get('mutate/CREATE/v1beta1/patched') ?? 0) >= 1, 'probe never patched');
        assert.ok((counts.get('validate/CREATE/v1beta1/denied') ?? 0) >= 1, 'probe never denied');
      },
    );

    scenario('a valid entry is created with the mutating defaults stored (kubectl)', async () => {
      const result = await apply(
        w,
        entryIn(w, 'complete', {
          caBundleRef: { configMapRef: { name: 'corp-ca' } },
          externalAuthConfigRef: { name: 'anonymous' },
          headerForward: {
            addPlaintextHeaders: { 'X-Tenant-ID': 'tenant-123' },
            addHeadersFromSecret: [
              {
                headerName: 'X-Api-Key',
                valueSecretRef: { name: 'api-credentials', key: 'token' },
              },
            ],
          },
        }),
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /mcpserverentry\.toolhive\.stacklok\.dev\/complete created/);
      assert.doesNotMatch(result.stderr, /Warning:/);
      const spec = specOf(await stored(w, 'complete'));
      // The key came from our mutating webhook: the CRD requires `key` and has no default for
      // it, so without the patch the API server would have answered 422.
      assert.deepEqual(spec['caBundleRef'], { configMapRef: { name: 'corp-ca', key: 'ca.crt' } });
      // Both CRDs declare `default: false` on v1beta1, and the API server applies it at decode,
      // before any webhook (C5): our patch finds it already set. Observable either way: false.
      assert.equal(spec['allowPrivateEndpoint'], false);
    });

    scenario(
      'a valid entry is created through @kubernetes/client-node, defaults included',
      async () => {
        const created = (await w.customObjects.createNamespacedCustomObject({
          group,
          version: 'v1beta1',
          namespace: w.ns,
          plural: 'mcpserverentries',
          body: entryIn(w, 'from-client-node', {
            caBundleRef: { configMapRef: { name: 'corp-ca' } },
          }),
        })) as Json;
        assert.deepEqual(specOf(created)['caBundleRef'], {
          configMapRef: { name: 'corp-ca', key: 'ca.crt' },
        });
        // A denial reaches client-node as an ApiException carrying our 403 and message.
        const denied = await w.customObjects
          .createNamespacedCustomObject({
            group,
            version: 'v1beta1',
            namespace: w.ns,
            plural: 'mcpserverentries',
            body: entryIn(w, 'client-node-denied', { groupRef: { name: 'no-such-group' } }),
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        assert.ok(
          denied instanceof ApiException,
          `expected an ApiException, got ${String(denied)}`,
        );
        assert.equal(denied.code, 403);
        const status = JSON.parse(String(denied.body)) as { message: string; reason: string };
        assert.equal(status.reason, 'Forbidden');
        assert.match(status.message, ourDenial('spec.groupRef.name', /Not found: "no-such-group"/));
        assert.equal(await stored(w, 'client-node-denied'), undefined);
      },
    );

    scenario(
      'schema: the API server refuses a schema-invalid entry with 422 before our webhook',
      async () => {
        const before = await reviewCounts(w.webhook);
        const result = await apply(w, entryIn(w, 'bad-transport', { transport: 'carrier-pigeon' }));
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          /The MCPServerEntry "bad-transport" is invalid: spec\.transport: Unsupported value: "carrier-pigeon"/,
        );
        assert.doesNotMatch(result.stderr, /admission webhook/);
        assert.equal(await stored(w, 'bad-transport'), undefined);
        // CRD validation runs after mutating and before validating admission (contract 1.11):
        // our mutating path saw the entry, our validating path never did.
        assert.deepEqual(reviewsBetween(before, await reviewCounts(w.webhook)), {
          'mutate/CREATE/v1beta1/allowed': 1,
        });
      },
    );

    scenario(
      'schema: unknown fields never reach the webhooks (strict decode 400, or pruned)',
      async () => {
        const withUnknown = entryIn(w, 'unknown-field', { shadowUrl: 'https://evil.example.com/' });
        const strict = await apply(w, withUnknown);
        assert.equal(strict.code, 1);
        assert.match(
          strict.stderr,
          /BadRequest.*strict decoding error: unknown field "spec\.shadowUrl"/,
        );
        assert.equal(await stored(w, 'unknown-field'), undefined);
        // With client-side validation off the field is pruned at decode; the object is admitted
        // and stored without it.
        const pruned = await apply(w, withUnknown, ['--validate=false']);
        assert.equal(pruned.code, 0, pruned.stderr);
        assert.equal(specOf(await stored(w, 'unknown-field'))['shadowUrl'], undefined);
      },
    );

    for (const c of denialCases) {
      scenario(`denied: ${c.name}`, async () => {
        const name = `denied-${denialCases.indexOf(c)}`;
        const result = await apply(w, entryIn(w, name, c.spec));
        assert.equal(result.code, 1, `admitted: ${result.stdout}`);
        assert.match(result.stderr, /Error from server \(Forbidden\): error when creating/);
        assert.match(result.stderr, ourDenial(c.field, c.message));
        assert.equal(await stored(w, name), undefined, 'a denied entry was stored');
      });
    }

    scenario('auditAnnotations land in the audit log as "<webhook name>/<key>" (C22)', async () => {
      const name = 'audited-denial';
      const result = await apply(w, entryIn(w, name, { remoteUrl: 'https://169.254.169.254/' }));
      assert.equal(result.code, 1, result.stdout);
      // The audit backend writes each event as a JSON line once the request completes.
      let annotations: Record<string, string> | undefined;
      for (let i = 0; i < 50 && annotations === undefined; i++) {
        const lines = (await readFile(w.cp.auditLogPath ?? '', 'utf8')).split('\n');
        for (const line of lines) {
          if (!line.includes(`"${name}"`)) continue;
          const event = JSON.parse(line) as {
            verb?: string;
            stage?: string;
            objectRef?: { name?: string };
            annotations?: Record<string, string>;
          };
          if (
            event.verb === 'create' &&
            event.objectRef?.name === name &&
            event.stage === 'ResponseComplete'
          ) {
            annotations = event.annotations;
          }
        }
        if (annotations === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(annotations !== undefined, 'no audit event for the denied create');
      assert.equal(annotations[`${validatingWebhookName}/decision`], 'denied');
      assert.match(annotations[`${validatingWebhookName}/rules`] ?? '', /remote-url\.metadata/);
    });

    scenario(
      'warnings reach kubectl stderr: plain http and a group that is not Ready',
      async () => {
        const http = await apply(
          w,
          entryIn(w, 'plain-http', { remoteUrl: 'http://mcp.example.com/mcp' }),
        );
        assert.equal(http.code, 0, http.stderr);
        assert.match(http.stderr, /^Warning: spec\.remoteUrl: .*plain http/m);
        const pending = await apply(
          w,
          entryIn(w, 'pending-group', { groupRef: { name: 'staging' } }),
        );
        assert.equal(pending.code, 0, pending.stderr);
        assert.match(
          pending.stderr,
          /^Warning: spec\.groupRef\.name: MCPGroup "staging" is Pending, not Ready/m,
        );
        assert.ok((await stored(w, 'pending-group')) !== undefined);
      },
    );

    scenario('--dry-run=server runs both webhooks and stores nothing', async () => {
      const before = await reviewCounts(w.webhook);
      const allowed = await apply(
        w,
        entryIn(w, 'dry-run', { caBundleRef: { configMapRef: { name: 'corp-ca' } } }),
        ['--dry-run=server', '-o', 'json'],
      );
      assert.equal(allowed.code, 0, allowed.stderr);
      // The answer is the object as it would be stored: mutated by our webhook.
      const wouldStore = specOf(JSON.parse(allowed.stdout) as Json);
      assert.deepEqual(wouldStore['caBundleRef'], {
        configMapRef: { name: 'corp-ca', key: 'ca.crt' },
      });
      const denied = await apply(w, entryIn(w, 'dry-run', { remoteUrl: 'https://127.0.0.1/' }), [
        '--dry-run=server',
      ]);
      assert.equal(denied.code, 1);
      assert.match(
        denied.stderr,
        ourDenial('spec.remoteUrl', /Invalid value: "https:\/\/127\.0\.0\.1\/"/),
      );
      assert.equal(await stored(w, 'dry-run'), undefined);
      assert.deepEqual(reviewsBetween(before, await reviewCounts(w.webhook)), {
        'mutate/CREATE/v1beta1/patched': 1,
        'mutate/CREATE/v1beta1/allowed': 1,
        'validate/CREATE/v1beta1/allowed': 1,
        'validate/CREATE/v1beta1/denied': 1,
      });
    });

    scenario(
      'UPDATE: an edit is reviewed (allowed change stored, bad change refused)',
      async () => {
        assert.equal((await apply(w, entryIn(w, 'editable', { transport: 'sse' }))).code, 0);
        const edited = await apply(w, entryIn(w, 'editable', { transport: 'streamable-http' }));
        assert.equal(edited.code, 0, edited.stderr);
        assert.match(edited.stdout, /configured/);
        assert.equal(specOf(await stored(w, 'editable'))['transport'], 'streamable-http');
        const bad = await apply(
          w,
          entryIn(w, 'editable', { remoteUrl: 'https://[::ffff:169.254.169.254]/' }),
        );
        assert.equal(bad.code, 1);
        // kubectl apply on an existing object says "error when applying patch", then our text.
        assert.match(bad.stderr, /error when applying patch/);
        assert.match(bad.stderr, ourDenial('spec.remoteUrl', /Invalid value/));
        assert.equal(
          specOf(await stored(w, 'editable'))['remoteUrl'],
          'https://mcp.example.com/mcp',
        );
      },
    );

    scenario('UPDATE: changing only labels is allowed', async () => {
      assert.equal((await apply(w, entryIn(w, 'labelled'))).code, 0);
      const before = await reviewCounts(w.webhook);
      const labelled = await w.cp.kubectl(
        ['label', `mcpserverentries.${group}`, 'labelled', '-n', w.ns, 'team=platform'],
        { allowFailure: true },
      );
      assert.equal(labelled.code, 0, labelled.stderr);
      const meta = (await stored(w, 'labelled'))?.['metadata'] as { labels?: Json };
      assert.equal(meta.labels?.['team'], 'platform');
      // Not even sent: the spec did not change, so the configurations' matchConditions keep the
      // UPDATE from our webhooks (the server would allow it at once as well).
      assert.deepEqual(reviewsBetween(before, await reviewCounts(w.webhook)), {});
    });

    scenario(
      'UPDATE: an entry whose group was deleted since can still be edited (ratcheting, with a warning)',
      async () => {
        await createGroup(w, 'short-lived', 'Ready');
        assert.equal(
          (await apply(w, entryIn(w, 'orphan', { groupRef: { name: 'short-lived' } }))).code,
          0,
        );
        await w.cp.kubectl(['delete', `mcpgroups.${group}`, 'short-lived', '-n', w.ns]);
        // The webhook reads groups through its cache; wait until a new entry naming the group is
        // refused, so the edit below is judged on a missing group, not a stale one.
        const started = Date.now();
        for (;;) {
          const probe = await apply(
            w,
            entryIn(w, 'orphan-probe', { groupRef: { name: 'short-lived' } }),
            ['--dry-run=server'],
          );
          if (probe.code !== 0) {
            assert.match(probe.stderr, ourDenial('spec.groupRef.name', /Not found: "short-lived"/));
            break;
          }
          assert.ok(Date.now() - started < 15_000, 'the deleted group still counts as present');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const edited = await apply(
          w,
          entryIn(w, 'orphan', { groupRef: { name: 'short-lived' }, transport: 'sse' }),
        );
        assert.equal(edited.code, 0, edited.stderr);
        assert.match(
          edited.stderr,
          /^Warning: spec\.groupRef\.name: Not found: "short-lived".*\(unchanged on update, so not enforced\)/m,
        );
        assert.equal(specOf(await stored(w, 'orphan'))['transport'], 'sse');
      },
    );

    scenario(
      'v1alpha1: an entry applied in the deprecated version is reviewed and stored',
      async () => {
        const before = await reviewCounts(w.webhook);
        const result = await apply(w, entryIn(w, 'alpha', { transport: 'sse' }, 'v1alpha1'));
        assert.equal(result.code, 0, result.stderr);
        const alpha = await stored(w, 'alpha', { version: 'v1alpha1' });
        assert.equal(alpha?.['apiVersion'], `${group}/v1alpha1`);
        assert.equal(specOf(alpha)['transport'], 'sse');
        // Both versions are registered, so the API server sends v1alpha1 as is (no conversion).
        assert.equal(
          reviewsBetween(before, await reviewCounts(w.webhook))['validate/CREATE/v1alpha1/allowed'],
          1,
        );
        const denied = await apply(
          w,
          entryIn(
            w,
            'alpha-denied',
            { remoteUrl: 'https://metadata.google.internal/' },
            'v1alpha1',
          ),
        );
        assert.equal(denied.code, 1);
        assert.match(
          denied.stderr,
          ourDenial('spec.remoteUrl', /Invalid value: "https:\/\/metadata\.google\.internal\/"/),
        );
        assert.equal(await stored(w, 'alpha-denied', { version: 'v1alpha1' }), undefined);
      },
    );

    scenario(
      'finalizer removal on an entry being deleted (deletecollection) is allowed (C26)',
      async () => {
        const ns = 'e2e-finalizers';
        await w.cp.kubectl(['create', 'namespace', ns]);
        await createGroup(w, 'doomed', 'Ready', ns);
        const held = entry(
          { groupRef: { name: 'doomed' } },
          {
            name: 'held',
            namespace: ns,
            metadata: { finalizers: ['e2e.mcpentry.dev/hold'] },
          },
        );
        assert.equal((await apply(w, held)).code, 0);
        // Its group disappears, so any spec edit would now be judged against a missing group.
        await w.cp.kubectl(['delete', `mcpgroups.${group}`, 'doomed', '-n', ns]);
        const collection = await w.cp.kubectl(
          ['delete', `mcpserverentries.${group}`, '--all', '-n', ns, '--wait=false'],
          { allowFailure: true },
        );
        assert.equal(collection.code, 0, collection.stderr);
        const deleting = (await stored(w, 'held', { namespace: ns }))?.['metadata'] as Json;
        assert.ok(deleting['deletionTimestamp'] !== undefined, 'no deletionTimestamp');
        const before = await reviewCounts(w.webhook);
        const released = await w.cp.kubectl(
          [
            'patch',
            `mcpserverentries.${group}`,
            'held',
            '-n',
            ns,
            '--type=json',
            '-p',
            '[{"op":"remove","path":"/metadata/finalizers"}]',
          ],
          { allowFailure: true },
        );
        assert.equal(released.code, 0, released.stderr);
        assert.equal(await stored(w, 'held', { namespace: ns }), undefined);
        // The finalizer removal is an UPDATE of an object being deleted: the configurations'
        // matchConditions keep it from our webhooks altogether (the server would allow it at
        // once as well), so the entry is released although its group no longer exists. (The
        // collection DELETE is not in our rules.)
        const moved = reviewsBetween(before, await reviewCounts(w.webhook));
        assert.deepEqual(moved, {}, JSON.stringify(moved));
      },
    );

    scenario("ToolHive's example manifests apply cleanly once their neighbours exist", async () => {
      const ns = 'toolhive-system';
      await w.cp.kubectl(['create', 'namespace', ns]);
      const servedKinds = new Set(['ConfigMap', 'Secret']);
      for (const path of await crdFiles(crds)) {
        for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
          const kind = (doc.toJS() as { spec?: { names?: { kind?: string } } } | null)?.spec?.names
            ?.kind;
          if (kind !== undefined) servedKinds.add(kind);
        }
      }
      const files = (await readdir(examplesDir)).filter((n) => n.endsWith('.yaml')).sort();
      const examples = await Promise.all(
        files.map(async (name) => {
          const path = join(examplesDir, name);
          const objects = parseAllDocuments(await readFile(path, 'utf8'))
            .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
            .filter((o) => o !== null);
          return { name, path, objects };
        }),
      );
      // Neighbours the examples name but do not all carry: both groups (Ready, as ToolHive's
      // operator would report them) and the header Secret.
      for (const name of ['remote-tools', 'engineering-team'])
        await createGroup(w, name, 'Ready', ns);
      await w.cp.kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'internal-api-credentials', namespace: ns },
          stringData: { 'bearer-token': 'not-a-real-token' },
        }),
      });
      const usable = examples.filter((e) => e.objects.every((o) => servedKinds.has(o.kind)));
      // Only the mixed-group example needs ToolHive's workload CRDs (MCPServer, VirtualMCPServer).
      assert.ok(
        usable.length >= examples.length - 1,
        `usable: ${usable.map((e) => e.name).join(', ')}`,
      );
      // The CA-bundle ConfigMap comes with its example; apply that file first.
      usable.sort(
        (a, b) => Number(b.name.includes('ca_bundle')) - Number(a.name.includes('ca_bundle')),
      );
      let entries = 0;
      for (const example of usable) {
        const result = await w.cp.kubectl(['apply', '-f', example.path], { allowFailure: true });
        assert.equal(result.code, 0, `${example.name}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /Warning:/, `${example.name} warned`);
        for (const object of example.objects.filter((o) => o.kind === 'MCPServerEntry')) {
          assert.ok((await stored(w, object.metadata.name, { namespace: ns })) !== undefined);
          entries += 1;
        }
      }
      assert.ok(entries >= 4, `only ${entries} example entries applied`);
    });

    scenario(
      'a later mutating webhook: ours is reinvoked with an empty patch (C17); the field it adds reaches our validating webhook, is not refused, and is pruned at storage',
      async () => {
        // Contract §1.11 (inferred there, checked here): CRD validation does not refuse unknown
        // fields and pruning happens only at storage encoding, so a validating webhook sees a
        // field a later mutating webhook added. The server ignores fields its bundled schema
        // does not know (the installed CRD may be newer, as ToolHive's v1alpha1 is); this shows
        // why that is safe: such a field never reaches storage.
        const adder = await startFieldAddingWebhook();
        try {
          await adder.register(w.cp.kubectl);
          // caBundleRef without a key: our defaulting has something to patch, so the counts
          // below tell our first call (a patch) from its reinvocation (no patch).
          const labelled = (name: string): Json =>
            entry(
              { caBundleRef: { configMapRef: { name: 'corp-ca' } } },
              { name, namespace: w.ns, metadata: { labels: { [optInLabel]: 'true' } } },
            );
          // Activation again: poll until the adder has been called at least once.
          const started = Date.now();
          while (adder.calls() === 0) {
            assert.ok(Date.now() - started < 30_000, 'the field-adding webhook never activated');
            await apply(w, labelled('mutated-by-another'), ['--dry-run=server']);
          }
          const before = await reviewCounts(w.webhook);
          const result = await apply(w, labelled('mutated-by-another'));
          assert.equal(result.code, 0, `refused: ${result.stderr}`);
          // C17: the adder (configuration "zz-…", so after ours) changed the object, and our
          // reinvocationPolicy IfNeeded had the API server call our mutating webhook again
          // (a new uid); run on its own output, it returned no patch.
          assert.deepEqual(reviewsBetween(before, await reviewCounts(w.webhook)), {
            'mutate/CREATE/v1beta1/patched': 1,
            'mutate/CREATE/v1beta1/allowed': 1,
            'validate/CREATE/v1beta1/allowed': 1,
          });
          const saved = await stored(w, 'mutated-by-another');
          assert.ok(saved !== undefined);
          assert.equal(
            (saved['spec'] as Json)[addedField],
            undefined,
            'the added field was pruned',
          );
        } finally {
          await adder.unregister(w.cp.kubectl);
          await adder.close();
        }
      },
    );

    scenario(
      'webhook stopped: Fail refuses clearly, Ignore does not block; restarted, it works again',
      async () => {
        await w.webhook.kill();
        const refused = await apply(w, entryIn(w, 'during-outage'));
        assert.equal(refused.code, 1);
        assert.match(
          refused.stderr,
          new RegExp(
            `Internal error occurred: failed calling webhook "${escapeRegExp(validatingWebhookName)}"`,
          ),
        );
        assert.match(refused.stderr, /connection refused/);
        // The mutating webhook failed open: it is not the one named in the refusal, and the
        // API server recorded its fail-open in the audit log.
        assert.doesNotMatch(refused.stderr, new RegExp(escapeRegExp(mutatingWebhookName)));
        assert.equal(await stored(w, 'during-outage'), undefined);
        const audit = await readFile(w.cp.auditLogPath ?? '', 'utf8');
        assert.match(
          audit,
          /"failed-open\.mutation\.webhook\.admission\.k8s\.io\/round_0_index_0":"default\.mcpserverentries\.mcpentry-webhook\.dev"/,
        );

        // Without the validating configuration, only the mutating (Ignore) one remains: an entry
        // is admitted while our server is down, just without our defaults, so the CRD schema
        // refuses a caBundleRef with no key.
        await w.cp.kubectl(['delete', 'validatingwebhookconfiguration', 'mcpentry-webhook']);
        await waitForDryRunAdmitted(w.cp.kubectl, entryIn(w, 'during-outage'));
        const admitted = await apply(w, entryIn(w, 'during-outage'));
        assert.equal(admitted.code, 0, admitted.stderr);
        const keyless = await apply(
          w,
          entryIn(w, 'keyless', { caBundleRef: { configMapRef: { name: 'corp-ca' } } }),
        );
        assert.equal(keyless.code, 1);
        assert.match(keyless.stderr, /spec\.caBundleRef\.configMapRef\.key: Required value/);

        await w.webhook.start();
        await registerDevUrlWebhooks(w.cp.kubectl, w.webhook);
        await waitForWebhookActive(w.cp.kubectl, w.ns);
        const again = await apply(
          w,
          entryIn(w, 'keyless', { caBundleRef: { configMapRef: { name: 'corp-ca' } } }),
        );
        assert.equal(again.code, 0, again.stderr);
        assert.equal(
          (specOf(await stored(w, 'keyless'))['caBundleRef'] as { configMapRef: Json })
            .configMapRef['key'],
          'ca.crt',
        );
        const deniedAgain = await apply(
          w,
          entryIn(w, 'after-restart', { remoteUrl: 'https://10.0.0.1/' }),
        );
        assert.equal(deniedAgain.code, 1);
        assert.match(
          deniedAgain.stderr,
          ourDenial('spec.remoteUrl', /Invalid value: "https:\/\/10\.0\.0\.1\/"/),
        );
      },
    );
  });
}

defineWebhookScenarios('project', 'project CRDs (deploy/crds)');
defineWebhookScenarios('toolhive', "ToolHive's CRDs");
