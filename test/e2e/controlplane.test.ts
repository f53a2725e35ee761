// The e2e tier's foundation: a real kube-apiserver + etcd started by the harness, driven
// with the kubectl built alongside it and with @kubernetes/client-node, as users would.
// Every scenario here must run: a missing binary, CRD or example is a failure, not a skip.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { crdFiles } from '../harness/crds.ts';
import { groupIsAlive } from '../harness/processes.ts';
import { probe } from '../harness/readiness.ts';

const examplesDir = fileURLToPath(
  new URL('../../../shared/reference/toolhive-examples/', import.meta.url),
);
// The first run on a machine builds the binaries (about 4 minutes on 2 cores, more when busy).
const startTimeout = { timeout: 30 * 60_000 };

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
}

interface ExampleFile {
  readonly path: string;
  readonly text: string;
  readonly objects: readonly Manifest[];
}

async function exampleFiles(): Promise<ExampleFile[]> {
  const names = (await readdir(examplesDir)).filter((name) => name.endsWith('.yaml')).sort();
  assert.ok(names.length > 0, `no examples in ${examplesDir}`);
  return Promise.all(
    names.map(async (name) => {
      const path = join(examplesDir, name);
      const text = await readFile(path, 'utf8');
      const objects = parseAllDocuments(text)
        .map((doc) => doc.toJS() as Manifest | null)
        .filter((obj): obj is Manifest => obj !== null);
      return { path, text, objects };
    }),
  );
}

async function kindsServedBy(crdPaths: readonly string[]): Promise<Set<string>> {
  const kinds = new Set(['ConfigMap', 'Secret', 'Namespace']);
  for (const path of crdPaths) {
    for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
      const crd = doc.toJS() as { spec?: { names?: { kind?: string } } } | null;
      const kind = crd?.spec?.names?.kind;
      if (kind !== undefined) kinds.add(kind);
    }
  }
  return kinds;
}

async function getJson(cp: ControlPlane, args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await cp.kubectl([...args, '-o', 'json'])).stdout) as Record<string, unknown>;
}

async function assertCrdsEstablished(
  cp: ControlPlane,
  expectedFiles: readonly string[],
): Promise<void> {
  assert.equal(cp.installedCrds.length, expectedFiles.length);
  for (const name of cp.installedCrds) {
    const crd = (await getJson(cp, ['get', 'crd', name])) as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    const established = crd.status?.conditions?.find((c) => c.type === 'Established');
    assert.equal(established?.status, 'True', `${name} is not Established`);
  }
}

/**
 * Server-side applies each example whose kinds the cluster serves, reads its entries back,
 * then deletes it again: two examples declare the same entry name with different specs.
 * Returns how many entries were checked.
 */
async function applyExamplesAndReadBack(cp: ControlPlane, served: Set<string>): Promise<number> {
  const namespaces = new Set<string>();
  const usable = (await exampleFiles()).filter((file) =>
    file.objects.every((obj) => served.has(obj.kind)),
  );
  assert.ok(usable.length > 0, 'no example manifest uses only kinds this cluster serves');
  let checked = 0;
  for (const file of usable) {
    for (const obj of file.objects) {
      const namespace = obj.metadata.namespace;
      if (namespace !== undefined && !namespaces.has(namespace)) {
        namespaces.add(namespace);
        // Namespaces must exist first (NamespaceLifecycle admission).
        await cp.kubectl(['create', 'namespace', namespace]);
      }
    }
    await cp.kubectl(['apply', '--server-side', '--field-manager=e2e', '-f', file.path]);
    const entries = file.objects.filter((obj) => obj.kind === 'MCPServerEntry');
    await assertEntriesReadBack(cp, entries, file.path);
    checked += entries.length;
    await cp.kubectl(['delete', '--wait=true', '-f', file.path]);
  }
  return checked;
}

async function assertEntriesReadBack(
  cp: ControlPlane,
  entries: readonly Manifest[],
  source: string,
): Promise<void> {
  assert.ok(entries.length > 0, `${source} has no MCPServerEntry`);
  for (const entry of entries) {
    const stored = (await getJson(cp, [
      'get',
      'mcpserverentries.toolhive.stacklok.dev',
      entry.metadata.name,
      '-n',
      entry.metadata.namespace ?? 'default',
    ])) as unknown as Manifest;
    assert.equal(stored.kind, 'MCPServerEntry');
    assert.equal(stored.metadata.name, entry.metadata.name);
    // The stored spec may carry CRD defaults on top; every field the manifest set survives.
    for (const [field, value] of Object.entries(entry.spec ?? {})) {
      assert.deepEqual(
        stored.spec?.[field],
        value,
        `${source}: ${entry.metadata.name}: spec.${field}`,
      );
    }
  }
}

async function removedWithin(path: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (existsSync(path)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupIsAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('control plane with ToolHive CRDs', () => {
  let cp: ControlPlane;

  before(async () => {
    const started = Date.now();
    cp = await startControlPlane({ crds: 'toolhive', auditLog: true });
    console.log(
      `# control plane (toolhive CRDs) ready in ${Date.now() - started} ms at ${cp.server}`,
    );
  }, startTimeout);

  after(async () => {
    await cp?.stop();
  });

  test('/version reports Kubernetes 1.34 (version ldflags applied)', async () => {
    const response = await probe(`${cp.server}/version`, { ca: cp.caPem, token: cp.adminToken });
    assert.equal(response.status, 200, response.body);
    const version = JSON.parse(response.body) as {
      major: string;
      minor: string;
      gitVersion: string;
    };
    assert.equal(version.major, '1');
    assert.equal(version.minor, '34');
    assert.match(version.gitVersion, /^v1\.34\.\d+$/);
  });

  test('the built kubectl is the same version as the API server', async () => {
    const versions = JSON.parse((await cp.kubectl(['version', '-o', 'json'])).stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    assert.equal(versions.clientVersion.gitVersion, versions.serverVersion.gitVersion);
    assert.match(versions.clientVersion.gitVersion, /^v1\.34\./);
  });

  test('the admin token is in system:masters and anonymous requests are refused', async () => {
    const whoami = (await getJson(cp, ['auth', 'whoami'])) as {
      status: { userInfo: { groups: string[] } };
    };
    assert.ok(whoami.status.userInfo.groups.includes('system:masters'));
    const anonymous = await probe(`${cp.server}/api/v1/namespaces`, { ca: cp.caPem });
    assert.equal(anonymous.status, 403);
  });

  test('every ToolHive CRD is Established', async () => {
    await assertCrdsEstablished(cp, await crdFiles('toolhive'));
  });

  test('a namespace can be created and @kubernetes/client-node lists it from the kubeconfig', async () => {
    await cp.kubectl(['create', 'namespace', 'e2e-harness']);
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata?.name);
    assert.ok(names.includes('e2e-harness'), names.join(','));
    assert.ok(names.includes('default'));
  });

  test("ToolHive's example MCPServerEntry manifests apply with their neighbours and read back", async () => {
    const served = await kindsServedBy(await crdFiles('toolhive'));
    const checked = await applyExamplesAndReadBack(cp, served);
    // All examples fit the real ToolHive CRDs, neighbours (MCPServer, VirtualMCPServer) included.
    const all = (await exampleFiles())
      .flatMap((file) => file.objects)
      .filter((obj) => obj.kind === 'MCPServerEntry');
    assert.equal(checked, all.length);
  });

  test('the audit log records requests', async () => {
    assert.ok(cp.auditLogPath !== undefined);
    const lines = (await readFile(cp.auditLogPath, 'utf8')).trim().split('\n');
    assert.ok(
      lines.some(
        (line) => line.includes('"resource":"namespaces"') && line.includes('"verb":"create"'),
      ),
    );
  });

  test('data survives an API server restart on the same address', async () => {
    const before = cp.processIds().kubeApiServer;
    await cp.restartApiServer();
    assert.notEqual(cp.processIds().kubeApiServer, before);
    assert.ok(before !== undefined && !groupIsAlive(before), 'the old kube-apiserver is gone');
    const ns = (await getJson(cp, ['get', 'namespace', 'e2e-harness'])) as unknown as Manifest;
    assert.equal(ns.metadata.name, 'e2e-harness');
  });

  test('an API server that dies unasked is named in the next kubectl error', async () => {
    const pid = cp.processIds().kubeApiServer;
    assert.ok(pid !== undefined);
    process.kill(-pid, 'SIGKILL');
    assert.ok(await goneWithin(pid, 10_000), 'the killed kube-apiserver is gone');
    await assert.rejects(
      cp.kubectl(['get', 'namespaces', '--request-timeout=5s']),
      (error: Error) => {
        assert.match(error.message, /refused/);
        assert.match(error.message, new RegExp(`kube-apiserver \\(pid ${pid}\\) has exited`));
        return true;
      },
    );
    await cp.restartApiServer();
    const ns = (await getJson(cp, ['get', 'namespace', 'e2e-harness'])) as unknown as Manifest;
    assert.equal(ns.metadata.name, 'e2e-harness');
  });

  test('a stopped API server refuses connections until started again', async () => {
    await cp.stopApiServer();
    const down = await cp.kubectl(['get', 'namespaces', '--request-timeout=5s'], {
      allowFailure: true,
    });
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /refused/);
    await cp.startApiServer();
    assert.equal((await cp.kubectl(['get', 'namespace', 'default'])).code, 0);
  });
});

describe('control plane with the project CRDs (deploy/crds/)', () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({ crds: 'project' });
  }, startTimeout);

  after(async () => {
    await cp?.stop();
  });

  test('every project CRD is Established', async () => {
    await assertCrdsEstablished(cp, await crdFiles('project'));
    assert.ok(cp.installedCrds.includes('mcpserverentries.toolhive.stacklok.dev'));
  });

  test('the example entries whose neighbours the project CRDs serve apply and read back', async () => {
    const served = await kindsServedBy(await crdFiles('project'));
    assert.ok((await applyExamplesAndReadBack(cp, served)) > 0);
  });

  test('stop() ends etcd and kube-apiserver and removes the work dir', async () => {
    const { etcd, kubeApiServer } = cp.processIds();
    assert.ok(etcd !== undefined && kubeApiServer !== undefined);
    await cp.stop();
    assert.equal(groupIsAlive(etcd), false);
    assert.equal(groupIsAlive(kubeApiServer), false);
    assert.equal(existsSync(cp.workDir), false);
  });
});

describe('clean-up when the test process ends abruptly', () => {
  for (const ending of ['SIGTERM', 'SIGINT', 'SIGKILL', 'uncaught exception'] as const) {
    test(
      `${ending}: no etcd or kube-apiserver survives and the work dir is removed`,
      startTimeout,
      async () => {
        const harness = fileURLToPath(new URL('../harness/control-plane.ts', import.meta.url));
        const script = `
        import { startControlPlane } from ${JSON.stringify(harness)};
        const cp = await startControlPlane({ crds: 'none' });
        console.log(JSON.stringify({ ...cp.processIds(), workDir: cp.workDir }));
        process.stdin.once('data', () => { throw new Error('crash on purpose'); });
        setInterval(() => {}, 1000);
      `;
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        const firstLine = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (chunk: string) => {
            out += chunk;
            if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
          });
          child.once('exit', (code) =>
            reject(new Error(`child exited ${String(code)} before starting`)),
          );
        });
        const started = JSON.parse(firstLine) as {
          etcd: number;
          kubeApiServer: number;
          workDir: string;
        };
        assert.ok(groupIsAlive(started.etcd) && groupIsAlive(started.kubeApiServer));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        if (ending === 'uncaught exception') child.stdin.write('crash\n');
        else child.kill(ending);
        await exited;
        // SIGKILL is delivered asynchronously; give the kernel a moment.
        assert.equal(await goneWithin(started.etcd, 5000), true, 'etcd survived');
        assert.equal(
          await goneWithin(started.kubeApiServer, 5000),
          true,
          'kube-apiserver survived',
        );
        // After a SIGKILL the orphan guard does this, a moment after the kill.
        assert.equal(await removedWithin(started.workDir, 5000), true, 'work dir left behind');
      },
    );
  }
});
