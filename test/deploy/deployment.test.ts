// The workload objects: the pod passes the restricted Pod Security Standard, probes hit the
// server's health routes, shutdown outlasts the longest review, and the Services, PDB and
// NetworkPolicy select the pods they are meant for.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import { serveOptions } from '../../src/config.ts';
import { healthPaths } from '../../src/server/routes-paths.ts';
import {
  argValue,
  deploymentOf,
  findObject,
  installOverlays,
  renderComposition,
  renderOverlay,
  webhookConfiguration,
  webhookContainer,
  type Container,
  type DeploymentShape,
  type Probe,
} from './rendered.ts';

// The server's default when MCPENTRY_SHUTDOWN_DELAY is not set.
const defaultShutdownDelaySeconds = 5;

interface ServiceShape extends KubeObject {
  spec: {
    selector: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}

interface NetworkPolicyRule {
  from?: { namespaceSelector?: object; podSelector?: object; ipBlock?: object }[];
  to?: { namespaceSelector?: object; podSelector?: object; ipBlock?: object }[];
  ports?: { protocol?: string; port?: number | string }[];
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function containerPort(
  container: Container,
  port: number | string | undefined,
): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function assertHttpsProbe(container: Container, probe: Probe | undefined, path: string): void {
  assert.ok(probe?.httpGet, `probe for ${path}`);
  assert.equal(probe.httpGet.scheme, 'HTTPS');
  assert.equal(probe.httpGet.path, path);
  assert.equal(containerPort(container, probe.httpGet.port), Number(argValue(container, '--port')));
}

for (const overlay of installOverlays) {
  describe(`workload: ${overlay}`, () => {
    const objects = renderOverlay(overlay);
    const deployment: DeploymentShape = deploymentOf(objects);
    const pod = deployment.spec.template.spec;
    const container = webhookContainer(deployment);
    const podLabels = deployment.spec.template.metadata.labels;
    const namespace = findObject(objects, 'Namespace');

    test('everything namespaced lives in the rendered Namespace', () => {
      for (const object of objects) {
        if (object.metadata.namespace !== undefined) {
          assert.equal(object.metadata.namespace, namespace.metadata.name, object.kind);
        }
      }
    });

    test('the Namespace enforces the restricted Pod Security Standard', () => {
      const labels = namespace.metadata['labels'] as Record<string, string>;
      assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
    });

    test('the pod passes the restricted Pod Security Standard', () => {
      assert.notEqual(pod.hostNetwork, true);
      assert.notEqual(pod.hostPID, true);
      assert.notEqual(pod.hostIPC, true);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
      for (const volume of pod.volumes ?? []) assert.equal(volume.hostPath, undefined, volume.name);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const sc = c.securityContext;
        assert.equal(sc?.allowPrivilegeEscalation, false, c.name);
        assert.notEqual(sc?.privileged, true, c.name);
        assert.deepEqual(sc?.capabilities?.drop, ['ALL'], c.name);
        assert.equal(sc?.capabilities?.add, undefined, c.name);
        assert.equal(sc?.readOnlyRootFilesystem, true, c.name);
        assert.ok((sc?.runAsUser ?? pod.securityContext?.runAsUser ?? 0) > 0, c.name);
      }
      assert.equal(container.securityContext?.runAsUser, 65532);
    });

    test('two replicas spread over nodes without ever blocking scheduling', () => {
      assert.ok(deployment.spec.replicas >= 2);
      const spread = pod.topologySpreadConstraints?.find(
        (t) => t.topologyKey === 'kubernetes.io/hostname',
      );
      assert.ok(spread);
      assert.equal(spread.whenUnsatisfiable, 'ScheduleAnyway');
      assert.ok(pod.affinity?.podAntiAffinity?.['preferredDuringSchedulingIgnoredDuringExecution']);
    });

    test('probes use the server health routes over HTTPS on the serving port', () => {
      assertHttpsProbe(container, container.readinessProbe, healthPaths.ready);
      assertHttpsProbe(container, container.livenessProbe, healthPaths.live);
      assertHttpsProbe(container, container.startupProbe, healthPaths.live);
    });

    test('termination grace outlasts the shutdown delay plus the longest review', () => {
      const delayEnv = container.env?.find((e) => e.name === 'MCPENTRY_SHUTDOWN_DELAY')?.value;
      const delay = delayEnv === undefined ? defaultShutdownDelaySeconds : Number(delayEnv);
      const timeouts = [
        ...webhookConfiguration(objects, 'ValidatingWebhookConfiguration').webhooks,
        ...webhookConfiguration(objects, 'MutatingWebhookConfiguration').webhooks,
      ].map((w) => w['timeoutSeconds'] as number);
      assert.ok((pod.terminationGracePeriodSeconds ?? 30) > delay + Math.max(...timeouts));
    });

    test('the TLS Secret is mounted as a directory (not subPath) where the flags point', () => {
      const mount = container.volumeMounts?.find((m) => m.name === 'tls');
      assert.ok(mount);
      // subPath mounts never see Secret updates, so certificate rotation would not reach the server.
      assert.equal(mount.subPath, undefined);
      assert.equal(mount.readOnly, true);
      assert.equal(argValue(container, '--tls-cert'), `${mount.mountPath}/tls.crt`);
      assert.equal(argValue(container, '--tls-key'), `${mount.mountPath}/tls.key`);
      const volume = pod.volumes?.find((v) => v.name === 'tls');
      assert.equal(volume?.secret?.secretName, 'mcpentry-webhook-tls');
    });

    test('the ServiceAccount token is mounted for lookups', () => {
      const account = findObject(objects, 'ServiceAccount', pod.serviceAccountName);
      assert.notEqual(account['automountServiceAccountToken'], false);
      assert.equal(pod.automountServiceAccountToken, true);
    });

    test('every flag and environment variable set is a `serve` option', () => {
      const flags = new Set<string>(serveOptions.map((o) => o.flag));
      const envs = new Set<string>(serveOptions.map((o) => o.env));
      const [subcommand, ...args] = container.args ?? [];
      assert.equal(subcommand, 'serve');
      for (const arg of args.filter((a) => a.startsWith('--'))) assert.ok(flags.has(arg), arg);
      for (const { name } of container.env ?? []) assert.ok(envs.has(name), name);
    });

    test('both listeners bind the pod address, so Services can reach them', () => {
      assert.equal(argValue(container, '--host'), '0.0.0.0');
      assert.equal(argValue(container, '--metrics-host'), '0.0.0.0');
    });

    test('resources: requests set, memory limited', () => {
      assert.ok(container.resources?.requests?.['cpu']);
      assert.ok(container.resources?.requests?.['memory']);
      assert.ok(container.resources?.limits?.['memory']);
    });

    test('the webhook Service reaches the serving port; the metrics Service the metrics port', () => {
      const webhook = findObject(objects, 'Service', 'mcpentry-webhook') as ServiceShape;
      const metrics = findObject(objects, 'Service', 'mcpentry-webhook-metrics') as ServiceShape;
      for (const service of [webhook, metrics]) {
        assert.ok(labelsMatch(service.spec.selector, podLabels), service.metadata.name);
      }
      const https = webhook.spec.ports.find((p) => p.port === 443);
      assert.equal(
        containerPort(container, https?.targetPort),
        Number(argValue(container, '--port')),
      );
      const metricsPort = metrics.spec.ports[0];
      assert.equal(
        containerPort(container, metricsPort?.targetPort),
        Number(argValue(container, '--metrics-port')),
      );
    });

    test('the PodDisruptionBudget keeps one replica and selects these pods', () => {
      const pdb = findObject(objects, 'PodDisruptionBudget');
      const spec = pdb['spec'] as {
        minAvailable: number;
        selector: { matchLabels: Record<string, string> };
      };
      assert.equal(spec.minAvailable, 1);
      assert.ok(spec.minAvailable < deployment.spec.replicas);
      assert.ok(labelsMatch(spec.selector.matchLabels, podLabels));
    });

    test('the NetworkPolicy isolates the pods and opens only the serving and metrics ports', () => {
      const policy = findObject(objects, 'NetworkPolicy');
      const spec = policy['spec'] as {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: NetworkPolicyRule[];
        egress: NetworkPolicyRule[];
      };
      assert.ok(labelsMatch(spec.podSelector.matchLabels, podLabels));
      assert.deepEqual([...spec.policyTypes].sort(), ['Egress', 'Ingress']);
      const ingressPorts = new Set(spec.ingress.flatMap((r) => (r.ports ?? []).map((p) => p.port)));
      assert.deepEqual(
        ingressPorts,
        new Set([
          Number(argValue(container, '--port')),
          Number(argValue(container, '--metrics-port')),
        ]),
      );
      const metricsRule = spec.ingress.find((r) =>
        r.ports?.some((p) => p.port === Number(argValue(container, '--metrics-port'))),
      );
      assert.ok(metricsRule?.from?.every((f) => f.namespaceSelector !== undefined));
      const egressPorts = new Set(spec.egress.flatMap((r) => (r.ports ?? []).map((p) => p.port)));
      // The API server (Service port and the usual endpoint port after DNAT) and DNS.
      assert.deepEqual(egressPorts, new Set([443, 6443, 53]));
      for (const rule of spec.egress)
        assert.ok((rule.ports ?? []).length > 0, 'no all-ports egress');
    });
  });
}

describe('workload: with the delete-protection component', () => {
  test('switches the feature on in the server', () => {
    const objects = renderComposition(['overlays/cert-manager'], ['components/delete-protection']);
    const env = webhookContainer(deploymentOf(objects)).env ?? [];
    assert.deepEqual(
      env.filter((e) => e.name === 'MCPENTRY_DELETE_PROTECTION'),
      [{ name: 'MCPENTRY_DELETE_PROTECTION', value: 'true' }],
    );
  });
});
