// `check --cluster` and `check --from-cluster` against a loopback stand-in for kube-apiserver
// (test/references/fake-api-server.ts): references the files lack are answered by the cluster,
// the files' own objects win, and the audit judges every stored entry with its live neighbours.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeApiServer, group, secret, type StoredObject } from '../references/fake-api-server.ts';
import { preferredVersion } from '../../src/model/entry.ts';
import { runCheckCaptured } from './golden-cases.ts';

const entry = (namespace: string, name: string, spec: Record<string, unknown>): StoredObject => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name, namespace },
  spec: {
    remoteUrl: 'https://mcp.example.com/mcp',
    transport: 'sse',
    allowPrivateEndpoint: false,
    groupRef: { name: 'tools' },
    ...spec,
  },
});

function kubeconfigFor(server: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // The stand-in speaks plain HTTP, which client-node allows only with TLS checks off.
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'tester', user: { token: 'test-token' } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester' } }],
    'current-context': 'fake',
  });
}

interface Report {
  summary: { entries: number; denied: number };
  entries: {
    source: string;
    namespace: string;
    name: string;
    allowed: boolean;
    denials: { field: string; message: string }[];
    warnings: { message: string }[];
  }[];
}

let fake: FakeApiServer;
let dir: string;
let kubeconfig: string;

before(async () => {
  fake = await FakeApiServer.start();
  dir = mkdtempSync(join(tmpdir(), 'check-cluster-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(fake.url));
  fake.put('mcpgroups', group('team-a', 'tools', 'Ready'));
  fake.put('secrets', secret('team-a', 'api', { token: 'not-a-real-token' }));
  fake.put('mcpserverentries', entry('team-a', 'good', {}));
  fake.put(
    'mcpserverentries',
    entry('team-a', 'metadata', { remoteUrl: 'http://169.254.169.254/latest' }),
  );
  fake.put('mcpserverentries', entry('team-b', 'orphan', {}));
});

after(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--from-cluster', () => {
  test('judges every stored entry with its live neighbours', async () => {
    const run = await runCheckCaptured([
      '--from-cluster',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ]);
    assert.equal(run.stderr, '');
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.entries.map((e) => [e.source, e.allowed]),
      [
        ['cluster:team-a/good', true],
        ['cluster:team-a/metadata', false],
        ['cluster:team-b/orphan', false],
      ],
    );
    const orphan = report.entries.find((e) => e.name === 'orphan')!;
    assert.match(orphan.denials[0]!.message, /MCPGroup does not exist in namespace "team-b"/);
    // Read-only: the audit only lists entries and reads the objects they name.
    assert.ok(fake.requests.every((p) => !p.includes('watch=true')));
  });

  test('--namespace limits the audit', async () => {
    const run = await runCheckCaptured([
      '--from-cluster',
      '--kubeconfig',
      kubeconfig,
      '-n',
      'team-b',
      '-o',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.entries.map((e) => e.name),
      ['orphan'],
    );
    assert.ok(
      fake.requests.some((p) =>
        p.startsWith('/apis/toolhive.stacklok.dev/v1beta1/namespaces/team-b/mcpserverentries'),
      ),
    );
  });

  test('--references warn turns a deleted neighbour into a warning', async () => {
    const run = await runCheckCaptured([
      '--from-cluster',
      '--kubeconfig',
      kubeconfig,
      '-n',
      'team-b',
      '--references',
      'warn',
    ]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /warning: team-b\/orphan: spec\.groupRef\.name: Not found/);
  });

  test('an unreachable cluster is a set-up error (exit 2), not a pass', async () => {
    const dead = join(dir, 'dead-kubeconfig');
    writeFileSync(dead, kubeconfigFor('http://127.0.0.1:9'));
    const run = await runCheckCaptured(['--from-cluster', '--kubeconfig', dead]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot list MCPServerEntries/);
  });
});

describe('--cluster', () => {
  const files = (): string => {
    const path = join(dir, 'change.yaml');
    writeFileSync(
      path,
      [
        stringify(
          entry('team-a', 'new', {
            headerForward: {
              addHeadersFromSecret: [
                { headerName: 'X-Key', valueSecretRef: { name: 'api', key: 'token' } },
              ],
            },
          }),
        ),
        stringify(
          entry('team-a', 'wrong-key', {
            headerForward: {
              addHeadersFromSecret: [
                { headerName: 'X-Key', valueSecretRef: { name: 'api', key: 'nope' } },
              ],
            },
          }),
        ),
      ].join('---\n'),
    );
    return path;
  };

  test('without it, references the files lack are denied', async () => {
    const run = await runCheckCaptured(['-o', 'json', files()]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.summary.denied, 2);
  });

  test('with it, the cluster answers them: the group and Secret exist, one key does not', async () => {
    const run = await runCheckCaptured([
      '--cluster',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
      files(),
    ]);
    assert.equal(run.stderr, '');
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.entries.map((e) => [e.name, e.allowed]),
      [
        ['new', true],
        ['wrong-key', false],
      ],
    );
    assert.match(report.entries[1]!.denials[0]!.message, /Secret "api" has no such key/);
    assert.equal(run.code, 1);
  });

  test("the files' own objects win over the cluster's", async () => {
    const path = join(dir, 'with-group.yaml');
    writeFileSync(
      path,
      [stringify(group('team-a', 'tools', 'Pending')), stringify(entry('team-a', 'mine', {}))].join(
        '---\n',
      ),
    );
    const run = await runCheckCaptured([
      '--cluster',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
      path,
    ]);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(run.code, 0);
    assert.match(report.entries[0]!.warnings[0]!.message, /is Pending, not Ready/);
  });
});

describe('preferredVersion', () => {
  test("Kubernetes' priority: GA, then beta, then alpha, higher numbers first", () => {
    assert.equal(preferredVersion(['v1alpha1', 'v1beta1']), 'v1beta1');
    assert.equal(preferredVersion(['v1beta2', 'v1', 'v2alpha1']), 'v1');
    assert.equal(preferredVersion(['v1beta1', 'v1beta2', 'v2beta1']), 'v2beta1');
    assert.equal(preferredVersion([]), undefined);
  });
});
