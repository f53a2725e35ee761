// The shipped Deployment running for real: a one-node cluster (kubelet on containerd + runc,
// CNI bridge, controller-manager, scheduler, kube-proxy; test/harness/node-cluster.ts) runs
// the project's own image, installed with deploy/overlays/self-signed/install.sh, and the API
// server calls it through its Service (clientConfig.service). The slow scenarios run once,
// in order, on one cluster: readiness gated on the cache sync, verdicts, a rollout restart and
// a pod deletion under a create load, the PodDisruptionBudget, certificate rotation through
// the kubelet's Secret refresh, draining on SIGTERM, and memory under load.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Kubectl } from '../harness/kubectl.ts';
import { chartDir, releaseName, startHelm, type Helm } from '../chart/helm.ts';
import { startNodeCluster, type NodeCluster } from '../harness/node-cluster.ts';
import { runCaptured } from '../harness/run-captured.ts';
import {
  ensureProjectImage,
  projectImage,
  renderSelfSigned,
  runSelfSignedInstall,
  waitForRollout,
  webhookDeployment,
  webhookNamespace,
  webhookSelector,
} from '../harness/node-webhook.ts';
import { denialPrefix, waitForDryRunAdmitted, waitForWebhookActive } from './support/activation.ts';
import {
  entryGroup,
  servedFingerprint,
  startCreateLoad,
  reviewAcrossShutdown,
  startDirectReviews,
  type CreateLoadResult,
} from './support/node-load.ts';

const namespace = 'node-e2e';

interface PodInfo {
  readonly name: string;
  readonly ip: string;
  readonly ready: boolean;
  readonly uid: string;
  readonly containerId: string;
  readonly restarts: number;
  readonly terminated: string | undefined;
  readonly deleting: boolean;
}

async function webhookPods(kubectl: Kubectl): Promise<PodInfo[]> {
  const { stdout } = await kubectl([
    '-n',
    webhookNamespace,
    'get',
    'pods',
    '-l',
    webhookSelector,
    '-o',
    'json',
  ]);
  const list = JSON.parse(stdout) as {
    items: {
      metadata: { name: string; uid: string; deletionTimestamp?: string };
      status: {
        podIP?: string;
        conditions?: { type: string; status: string }[];
        containerStatuses?: {
          containerID?: string;
          restartCount: number;
          lastState?: { terminated?: { reason: string } };
        }[];
      };
    }[];
  };
  return list.items.map((pod) => {
    const container = pod.status.containerStatuses?.[0];
    return {
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      ip: pod.status.podIP ?? '',
      ready: pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      containerId: (container?.containerID ?? '').replace(/^containerd:\/\//, ''),
      restarts: container?.restartCount ?? 0,
      terminated: container?.lastState?.terminated?.reason,
      deleting: pod.metadata.deletionTimestamp !== undefined,
    };
  });
}

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Waits until no webhook pod is terminating and returns the seconds it took: the next
 * scenario starts from two serving pods, not from one that is still shutting down.
 */
async function untilNoneTerminating(kubectl: Kubectl): Promise<number> {
  const started = Date.now();
  await until('no webhook pod terminating', 60_000, async () =>
    (await webhookPods(kubectl)).some((pod) => pod.deleting) ? undefined : true,
  );
  return (Date.now() - started) / 1000;
}

/**
 * What a failed admission needs explaining: each webhook pod's state and its log lines that
 * are not per-review (warnings, shedding, shutdown), and the API server's webhook errors.
 */
async function diagnosis(cluster: NodeCluster): Promise<string> {
  const kubectl = cluster.controlPlane.kubectl;
  const lines = [JSON.stringify(await webhookPods(kubectl))];
  for (const pod of await webhookPods(kubectl)) {
    const logs = await kubectl(['-n', webhookNamespace, 'logs', pod.name], { allowFailure: true });
    for (const line of logs.stdout.split('\n'))
      if (/"level":"(warn|error|fatal)"|shutting down|stopped|reloaded/.test(line))
        lines.push(`${pod.name}: ${line.slice(0, 300)}`);
  }
  const apiserverLog = await readFile(
    join(cluster.controlPlane.workDir, 'kube-apiserver.log'),
    'utf8',
  ).catch(() => '');
  for (const line of apiserverLog.split('\n').filter((l) => /failed calling webhook/.test(l)))
    lines.push(`kube-apiserver: ${line.slice(0, 400)}`);
  // Pods that are gone by now (killed, restarted, evicted) show in the events and the kubelet.
  const events = await kubectl(
    ['-n', webhookNamespace, 'get', 'events', '--sort-by=.lastTimestamp', '-o', 'wide'],
    { allowFailure: true },
  );
  lines.push(...events.stdout.split('\n').slice(-40));
  const kubeletLog = await readFile(join(cluster.record.workDir, 'kubelet.log'), 'utf8').catch(
    () => '',
  );
  for (const line of kubeletLog
    .split('\n')
    .filter(
      (l) =>
        /mcpentry-webhook/.test(l) && /Killing|DELETE|REMOVE|Probe failed|SIGKILL|grace/i.test(l),
    )
    .slice(-30))
    lines.push(`kubelet: ${line.slice(0, 400)}`);
  return lines.join('\n');
}

async function assertNoFailures(
  cluster: NodeCluster,
  result: CreateLoadResult,
  during: string,
): Promise<void> {
  if (result.failedAdmissions.length > 0 || result.wronglyAdmitted.length > 0)
    console.log(`diagnosis after ${during}:\n${await diagnosis(cluster)}`);
  assert.deepEqual(result.failedAdmissions, [], `failed admissions during ${during}`);
  assert.deepEqual(result.wronglyAdmitted, [], `entries wrongly admitted during ${during}`);
  assert.ok(
    result.admitted > 0 && result.denied > 0,
    `the load ran during ${during}: ${JSON.stringify(result)}`,
  );
}

/** The memory cgroup (v1) of a container, found below the kubelet's cgroup root. */
function memoryCgroup(cgroupRoot: string, containerId: string): string | undefined {
  const search = (dir: string, depth: number): string | undefined => {
    if (depth > 5) return undefined;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch {
      return undefined;
    }
    for (const name of entries) {
      if (name === containerId) return join(dir, name);
      const found = search(join(dir, name), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(join('/sys/fs/cgroup/memory', cgroupRoot), 0);
}

describe('the shipped Deployment on a one-node cluster', { timeout: 4_500_000 }, () => {
  let cluster: NodeCluster;
  let kubectl: Kubectl;
  let certsDir: string;
  let image: string;
  let helm: Helm | undefined;
  const started = Date.now();
  const report: Record<string, unknown> = {};
  const target = () => ({
    server: cluster.controlPlane.server,
    caPem: cluster.controlPlane.caPem,
    token: cluster.controlPlane.adminToken,
  });

  before(
    async () => {
      image = await ensureProjectImage();
      report['imageSeconds'] = (Date.now() - started) / 1000;
      cluster = await startNodeCluster();
      kubectl = cluster.controlPlane.kubectl;
      report['nodeReadySeconds'] = cluster.readySeconds;
      await cluster.importDockerImage(image);
      certsDir = await mkdtemp(join(tmpdir(), 'mcpentry-node-certs-'));
      await kubectl(['create', 'namespace', namespace]);
      await kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPGroup',
          metadata: { name: entryGroup, namespace },
          spec: {},
        }),
      });
      await kubectl([
        '-n',
        namespace,
        'patch',
        'mcpgroup',
        entryGroup,
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"phase":"Ready"}}',
      ]);
      // On a fresh machine the first run builds the node toolset (Go, many minutes) and the image.
    },
    { timeout: 3_600_000 },
  );

  after(async () => {
    console.log(`node cluster report: ${JSON.stringify(report)}`);
    helm?.dispose();
    await cluster?.stop();
    if (certsDir !== undefined) await rm(certsDir, { recursive: true, force: true });
  });

  test('install.sh installs the image; both replicas turn Ready only after their caches sync', async () => {
    await runSelfSignedInstall(cluster, { certsDir, image });
    await waitForRollout(kubectl);
    report['readyClusterSeconds'] = (Date.now() - started) / 1000;
    // Ready pods are not yet a working Service path: kube-proxy programs the new ClusterIP's
    // rules a moment later (until then the API server's calls are refused). Wait for our own
    // denial through it, as a user would wait for a rollout and its Service.
    report['servicePathActiveMs'] = await waitForWebhookActive(kubectl, namespace, 60_000);
    const pods = await webhookPods(kubectl);
    assert.equal(pods.filter((pod) => pod.ready).length, 2, JSON.stringify(pods));
    for (const pod of pods) {
      const { stdout } = await kubectl(['-n', webhookNamespace, 'logs', pod.name]);
      // The probe saw the server answer 503 while its caches had not synced, or the first
      // probe came after the sync; either way the Ready transition follows the sync line.
      assert.match(stdout, /mcpentry-webhook serving/);
    }
    const config = JSON.parse(
      (await kubectl(['get', 'validatingwebhookconfiguration', 'mcpentry-webhook', '-o', 'json']))
        .stdout,
    ) as {
      webhooks: { clientConfig: { url?: string; service?: { name: string; namespace: string } } }[];
    };
    for (const webhook of config.webhooks) {
      assert.equal(webhook.clientConfig.url, undefined);
      assert.deepEqual(
        {
          name: webhook.clientConfig.service?.name,
          namespace: webhook.clientConfig.service?.namespace,
        },
        { name: 'mcpentry-webhook', namespace: webhookNamespace },
      );
    }
  });

  test('kubectl verdicts come through the Service', async () => {
    const denied = await kubectl(['-n', namespace, 'apply', '-f', '-'], {
      allowFailure: true,
      input: JSON.stringify({
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPServerEntry',
        metadata: { name: 'metadata-grabber', namespace },
        spec: {
          remoteUrl: 'http://169.254.169.254/latest/meta-data/',
          transport: 'streamable-http',
          groupRef: { name: entryGroup },
        },
      }),
    });
    assert.notEqual(denied.code, 0);
    assert.ok(denied.stderr.includes(denialPrefix), denied.stderr);
    const admitted = await kubectl(['-n', namespace, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPServerEntry',
        metadata: { name: 'docs', namespace },
        spec: {
          remoteUrl: 'https://docs.mcp.example.com/mcp',
          transport: 'streamable-http',
          groupRef: { name: entryGroup },
        },
      }),
    });
    assert.match(admitted.stdout, /mcpserverentry.toolhive.stacklok.dev\/docs created/);
    // The mutating webhook ran too (through the same Service): it defaulted the entry.
    const stored = await kubectl(['-n', namespace, 'get', 'mcpserverentry', 'docs', '-o', 'json']);
    assert.ok(stored.stdout.length > 0);
  });

  test('rollout restart and a pod deletion under a create load: no failed admission, nothing wrongly admitted', async () => {
    const load = startCreateLoad(target(), namespace, { prefix: 'roll' });
    await until('the load is running', 60_000, () =>
      Promise.resolve(load.answered() > 20 ? true : undefined),
    );
    await kubectl([
      '-n',
      webhookNamespace,
      'rollout',
      'restart',
      `deployment/${webhookDeployment}`,
    ]);
    await waitForRollout(kubectl);
    const [victim] = await webhookPods(kubectl);
    assert.ok(victim !== undefined);
    await kubectl(['-n', webhookNamespace, 'delete', 'pod', victim.name, '--wait=false']);
    await until('a replacement pod Ready', 120_000, async () => {
      const pods = await webhookPods(kubectl);
      return pods.filter((pod) => pod.ready && pod.name !== victim.name && !pod.deleting).length ===
        2 && !pods.some((pod) => pod.name === victim.name)
        ? true
        : undefined;
    });
    const result = await load.stop();
    report['rolloutLoad'] = { admitted: result.admitted, denied: result.denied };
    report['rolloutTerminatingSeconds'] = await untilNoneTerminating(kubectl);
    await assertNoFailures(cluster, result, 'the rollout restart and the pod deletion');
  });

  test('with one replica Ready, the PodDisruptionBudget refuses evicting it; a replica stays unready until its caches sync', async () => {
    // Take away list/watch on the groups: a new pod cannot sync its caches, so it never
    // turns Ready; the Ready one keeps serving from the caches it has.
    const role = JSON.parse(
      (await kubectl(['get', 'clusterrole', 'mcpentry-webhook', '-o', 'json'])).stdout,
    ) as {
      rules: { resources: string[]; verbs: string[] }[];
    };
    const groupsRule = role.rules.findIndex((rule) => rule.resources.includes('mcpgroups'));
    assert.ok(groupsRule >= 0);
    await kubectl([
      'patch',
      'clusterrole',
      'mcpentry-webhook',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: `/rules/${groupsRule}/verbs`, value: ['get'] }]),
    ]);
    try {
      const [first, second] = await webhookPods(kubectl);
      assert.ok(first !== undefined && second !== undefined);
      await kubectl(['-n', webhookNamespace, 'delete', 'pod', first.name, '--wait=false']);
      const unready = await until('the replacement running but not Ready', 120_000, async () => {
        const pods = await webhookPods(kubectl);
        return pods.find(
          (pod) =>
            pod.name !== first.name && pod.name !== second.name && pod.ip !== '' && !pod.ready,
        );
      });
      await until('the PDB allows no disruption', 60_000, async () => {
        const { stdout } = await kubectl([
          '-n',
          webhookNamespace,
          'get',
          'pdb',
          'mcpentry-webhook',
          '-o',
          'jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}',
        ]);
        return stdout === '1/0' ? true : undefined;
      });
      // Ten seconds later it is still not Ready: readiness waits for the cache sync.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const still = (await webhookPods(kubectl)).find((pod) => pod.name === unready.name);
      assert.equal(still?.ready, false);
      const eviction = await kubectl(
        [
          'create',
          '--raw',
          `/api/v1/namespaces/${webhookNamespace}/pods/${second.name}/eviction`,
          '-f',
          '-',
        ],
        {
          allowFailure: true,
          input: JSON.stringify({
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: second.name, namespace: webhookNamespace },
          }),
        },
      );
      assert.notEqual(eviction.code, 0);
      assert.match(eviction.stderr, /disruption budget/i);
      assert.equal(
        (await webhookPods(kubectl)).find((pod) => pod.name === second.name)?.deleting,
        false,
      );
    } finally {
      await kubectl([
        'patch',
        'clusterrole',
        'mcpentry-webhook',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'replace', path: `/rules/${groupsRule}/verbs`, value: ['get', 'list', 'watch'] },
        ]),
      ]);
    }
    await until('both replicas Ready again once the caches can sync', 120_000, async () =>
      (await webhookPods(kubectl)).filter((pod) => pod.ready && !pod.deleting).length === 2
        ? true
        : undefined,
    );
    report['pdbTerminatingSeconds'] = await untilNoneTerminating(kubectl);
  });

  test('certificate rotation: the new Secret reaches the pods through the kubelet; no request fails', async () => {
    const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
    const before = fingerprint(await readFile(join(certsDir, 'tls.crt'), 'utf8'));
    const load = startCreateLoad(target(), namespace, { prefix: 'rotate' });
    await until('the load is running', 60_000, () =>
      Promise.resolve(load.answered() > 20 ? true : undefined),
    );
    const rotatedAt = Date.now();
    await runSelfSignedInstall(cluster, { certsDir, image, rotate: true });
    const after = fingerprint(await readFile(join(certsDir, 'tls.crt'), 'utf8'));
    assert.notEqual(after, before);
    const pods = await webhookPods(kubectl);
    await until('every pod serving the new certificate', 180_000, async () => {
      const served = await Promise.all(
        pods.map((pod) => servedFingerprint(pod.ip, 8443).catch(() => '')),
      );
      return served.every((value) => value === after) ? true : undefined;
    });
    report['rotationSeconds'] = (Date.now() - rotatedAt) / 1000;
    const result = await load.stop();
    await assertNoFailures(cluster, result, 'the certificate rotation');
    // No restart was needed: the same containers serve the new pair.
    assert.deepEqual(
      (await webhookPods(kubectl)).map((pod) => pod.restarts),
      [0, 0],
    );
  });

  test('CA rollover with install.sh: both CAs trusted, the new pair served, then only the new CA; no request fails', async () => {
    const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
    const oldDir = certsDir;
    const newDir = await mkdtemp(join(tmpdir(), 'mcpentry-node-newca-'));
    const both = await mkdtemp(join(tmpdir(), 'mcpentry-node-bothca-'));
    try {
      const generated = await runCaptured(process.execPath, [
        fileURLToPath(new URL('../../certs/generate.ts', import.meta.url)),
        '--service',
        'mcpentry-webhook',
        '--namespace',
        webhookNamespace,
        '--out',
        newDir,
        '--new-ca',
      ]);
      assert.equal(generated.code, 0, generated.stderr);
      const oldCa = await readFile(join(oldDir, 'ca.crt'), 'utf8');
      const newCa = await readFile(join(newDir, 'ca.crt'), 'utf8');
      assert.notEqual(fingerprint(newCa), fingerprint(oldCa));
      const load = startCreateLoad(target(), namespace, { prefix: 'rollover' });
      await until('the load is running', 60_000, () =>
        Promise.resolve(load.answered() > 20 ? true : undefined),
      );
      // 1. caBundle trusts both CAs; the pods still serve the old pair.
      await writeFile(join(both, 'ca.crt'), `${oldCa.trim()}\n${newCa.trim()}\n`);
      await copyFile(join(oldDir, 'tls.crt'), join(both, 'tls.crt'));
      await copyFile(join(oldDir, 'tls.key'), join(both, 'tls.key'));
      await runSelfSignedInstall(cluster, { certsDir: both, image });
      // The API server reads webhook configurations through an informer; give it the new
      // bundle before any pod presents the new certificate.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // 2. The Secret gets the pair signed by the new CA; the kubelet refreshes the volume.
      await copyFile(join(newDir, 'tls.crt'), join(both, 'tls.crt'));
      await copyFile(join(newDir, 'tls.key'), join(both, 'tls.key'));
      const switchedAt = Date.now();
      await runSelfSignedInstall(cluster, { certsDir: both, image });
      const served = fingerprint(await readFile(join(newDir, 'tls.crt'), 'utf8'));
      const pods = await webhookPods(kubectl);
      await until('every pod serving the pair of the new CA', 180_000, async () => {
        const now = await Promise.all(
          pods.map((pod) => servedFingerprint(pod.ip, 8443).catch(() => '')),
        );
        return now.every((value) => value === served) ? true : undefined;
      });
      report['caRolloverServeSeconds'] = (Date.now() - switchedAt) / 1000;
      // 3. Only the new CA remains trusted.
      await runSelfSignedInstall(cluster, { certsDir: newDir, image });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const result = await load.stop();
      report['caRolloverLoad'] = { admitted: result.admitted, denied: result.denied };
      await assertNoFailures(cluster, result, 'the CA rollover');
      const bundle = (
        await kubectl([
          'get',
          'validatingwebhookconfiguration',
          'mcpentry-webhook',
          '-o',
          'jsonpath={.webhooks[0].clientConfig.caBundle}',
        ])
      ).stdout;
      assert.equal(Buffer.from(bundle, 'base64').toString('utf8'), newCa);
      certsDir = newDir;
    } finally {
      await rm(both, { recursive: true, force: true });
      if (certsDir !== newDir) await rm(newDir, { recursive: true, force: true });
      else await rm(oldDir, { recursive: true, force: true });
    }
  });

  test('SIGTERM: a review in flight when the server stops accepting still gets its answer', async () => {
    const [victim] = await webhookPods(kubectl);
    assert.ok(victim !== undefined);
    const review = readFileSync(
      new URL('../../examples/reviews/create-allowed.json', import.meta.url),
      'utf8',
    );
    const caPem = await readFile(join(certsDir, 'ca.crt'), 'utf8');
    const refusing = async (): Promise<boolean> => {
      try {
        await servedFingerprint(victim.ip, 8443);
        return false;
      } catch {
        return true;
      }
    };
    // Reviews on fresh connections all along, and one whose body is held back until the
    // server has closed its listener.
    const direct = startDirectReviews(victim.ip, 8443, caPem, review, { workers: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const deletedAt = Date.now();
    direct.mark();
    await kubectl(['-n', webhookNamespace, 'delete', 'pod', victim.name, '--wait=false']);
    // The kubelet sends SIGTERM at once; the server keeps serving for MCPENTRY_SHUTDOWN_DELAY
    // (5 s), then stops accepting and drains. The request's 10 s budget covers that.
    const slow = await reviewAcrossShutdown(victim.ip, 8443, caPem, review, refusing, 8500);
    const result = await direct.stop();
    report['sigterm'] = {
      answered: result.answered,
      answeredAfterDelete: result.answeredAfterMark,
      refusedAfterClose: result.refused,
      shed: result.shed,
      slowReviewSeconds: (Date.now() - deletedAt) / 1000,
    };
    assert.equal(slow.closedBeforeBodyEnd, true, 'the server closed its listener mid-request');
    assert.equal(slow.status, 200, slow.body);
    // The verdict itself (a denial: the example's group does not exist here) for this review.
    const answer = JSON.parse(slow.body) as { response: { uid: string; allowed: boolean } };
    assert.equal(
      answer.response.uid,
      (JSON.parse(review) as { request: { uid: string } }).request.uid,
    );
    // Nothing sent while the server was still accepting (the first 4 s of the 5 s delay) failed.
    assert.deepEqual(
      result.dropped.filter((drop) => drop.sentAfterMarkMs < 4000),
      [],
    );
    assert.ok(result.answeredAfterMark > 0, JSON.stringify(result));
    assert.ok(result.refused > 0, JSON.stringify(result));
    await waitForRollout(kubectl);
  });

  test('memory under load stays below the container limit (no OOM kill)', async () => {
    const pods = (await webhookPods(kubectl)).filter((pod) => pod.ready && !pod.deleting);
    assert.equal(pods.length, 2);
    const review = readFileSync(
      new URL('../../examples/reviews/create-allowed.json', import.meta.url),
      'utf8',
    );
    const caPem = await readFile(join(certsDir, 'ca.crt'), 'utf8');
    // Every Ready pod at once, 32 connections each, for 20 s.
    const loads = pods.map((pod) =>
      startDirectReviews(pod.ip, 8443, caPem, review, { workers: 32 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const results = await Promise.all(loads.map((load) => load.stop()));
    // Shed reviews (the server's overload answer) are allowed here; this is about memory.
    report['memoryLoad'] = results.map((result) => ({
      answered: result.answered,
      shed: result.shed,
      failed: result.dropped.length,
    }));
    for (const result of results) {
      assert.ok(result.answered > 0);
      assert.deepEqual(result.dropped, []);
    }
    // The limit the shipped Deployment sets, as the kubelet applied it to the cgroup.
    const declared = (
      await kubectl([
        '-n',
        webhookNamespace,
        'get',
        'deployment',
        webhookDeployment,
        '-o',
        'jsonpath={.spec.template.spec.containers[0].resources.limits.memory}',
      ])
    ).stdout;
    const units: Record<string, number> = { Mi: 1024 ** 2, Gi: 1024 ** 3 };
    const match = /^(\d+)(Mi|Gi)$/.exec(declared);
    assert.ok(match !== null, `memory limit ${declared}`);
    const declaredBytes = Number(match[1]) * (units[match[2] ?? ''] ?? 0);
    const figures = [];
    for (const pod of (await webhookPods(kubectl)).filter((p) => p.ready && !p.deleting)) {
      const dir = memoryCgroup(cluster.record.cgroupRoot, pod.containerId);
      assert.ok(dir !== undefined, `memory cgroup of ${pod.name}`);
      const peak = Number(readFileSync(join(dir, 'memory.max_usage_in_bytes'), 'utf8'));
      const limit = Number(readFileSync(join(dir, 'memory.limit_in_bytes'), 'utf8'));
      figures.push({
        pod: pod.name,
        peakMiB: Math.round(peak / 1048576),
        limitMiB: Math.round(limit / 1048576),
      });
      assert.equal(limit, declaredBytes);
      assert.ok(peak < limit, `${pod.name}: peak ${peak} >= limit ${limit}`);
      assert.equal(pod.terminated, undefined);
      assert.equal(pod.restarts, 0);
    }
    report['memory'] = figures;
  });

  test('the Helm chart: two Ready replicas of the image behind the Service give kubectl its verdicts; helm uninstall leaves no webhook', async () => {
    const chartStarted = Date.now();
    helm = await startHelm();
    // The kustomize install goes first, as a user would remove it: its cluster-scoped objects
    // (webhook configurations, ClusterRole) carry the names the chart's own do.
    await kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=true', '--timeout=120s'], {
      input: await renderSelfSigned({ certsDir, image }),
    });
    const [repository, tag] = projectImage().split(':');
    // The chart README's command, with the locally imported image and chart-generated certificates.
    const installed = await helm.run([
      'install',
      releaseName,
      chartDir,
      '--namespace',
      webhookNamespace,
      '--create-namespace',
      '--set',
      `image.repository=${repository},image.tag=${tag},image.pullPolicy=Never`,
      '--set',
      'certificates.source=self-signed',
      '--kubeconfig',
      cluster.controlPlane.kubeconfigPath,
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    await waitForRollout(kubectl);
    report['helmReadySeconds'] = (Date.now() - chartStarted) / 1000;
    await waitForWebhookActive(kubectl, namespace, 60_000);
    const pods = await webhookPods(kubectl);
    assert.equal(pods.filter((pod) => pod.ready && !pod.deleting).length, 2, JSON.stringify(pods));
    const deployment = JSON.parse(
      (
        await kubectl([
          '-n',
          webhookNamespace,
          'get',
          'deployment',
          webhookDeployment,
          '-o',
          'json',
        ])
      ).stdout,
    ) as {
      metadata: { labels: Record<string, string> };
      spec: { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } };
    };
    assert.equal(deployment.metadata.labels['app.kubernetes.io/managed-by'], 'Helm');
    assert.deepEqual(
      deployment.spec.template.spec.containers.map((c) => [c.image, c.imagePullPolicy]),
      [[projectImage(), 'Never']],
    );
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      const config = JSON.parse(
        (await kubectl(['get', kind, 'mcpentry-webhook', '-o', 'json'])).stdout,
      ) as {
        webhooks: {
          clientConfig: { url?: string; service?: { name: string; namespace: string } };
        }[];
      };
      for (const webhook of config.webhooks) {
        assert.equal(webhook.clientConfig.url, undefined);
        assert.equal(webhook.clientConfig.service?.namespace, webhookNamespace);
      }
    }
    const denied = await kubectl(['-n', namespace, 'apply', '-f', '-'], {
      allowFailure: true,
      input: JSON.stringify({
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPServerEntry',
        metadata: { name: 'chart-metadata-grabber', namespace },
        spec: {
          remoteUrl: 'http://169.254.169.254/latest/meta-data/',
          transport: 'streamable-http',
          groupRef: { name: entryGroup },
        },
      }),
    });
    assert.notEqual(denied.code, 0);
    assert.ok(denied.stderr.includes(`${denialPrefix}spec.remoteUrl`), denied.stderr);
    const admitted = await kubectl(['-n', namespace, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'toolhive.stacklok.dev/v1beta1',
        kind: 'MCPServerEntry',
        metadata: { name: 'chart-docs', namespace },
        spec: {
          remoteUrl: 'https://chart-docs.mcp.example.com/mcp',
          transport: 'streamable-http',
          groupRef: { name: entryGroup },
        },
      }),
    });
    assert.match(admitted.stdout, /mcpserverentry.toolhive.stacklok.dev\/chart-docs created/);

    const uninstalled = await helm.run([
      'uninstall',
      releaseName,
      '--namespace',
      webhookNamespace,
      '--wait',
      '--kubeconfig',
      cluster.controlPlane.kubeconfigPath,
    ]);
    assert.equal(uninstalled.code, 0, uninstalled.stderr);
    const left = await kubectl([
      'get',
      'validatingwebhookconfigurations,mutatingwebhookconfigurations',
      '-o',
      'name',
    ]);
    assert.equal(left.stdout.trim(), '');
    // Nothing refuses entries any more: the API server's informer lets go of the webhooks.
    await waitForDryRunAdmitted(kubectl, {
      apiVersion: 'toolhive.stacklok.dev/v1beta1',
      kind: 'MCPServerEntry',
      metadata: { name: 'after-uninstall', namespace },
      spec: {
        remoteUrl: 'http://169.254.169.254/latest/meta-data/',
        transport: 'streamable-http',
        groupRef: { name: entryGroup },
      },
    });
    report['helmSeconds'] = (Date.now() - chartStarted) / 1000;
  });
});
