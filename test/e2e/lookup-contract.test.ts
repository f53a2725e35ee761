// The ReferenceLookup contract (test/references/lookup-contract.ts), the suite the manifest
// lookup passes, run against the live-cluster lookups on a real kube-apiserver with
// ToolHive's CRDs: the direct lookup (one GET per query), the cached lookup exactly as
// `serve --kubeconfig` assembles it, and the cached lookup watching one namespace only, so
// that queries outside its informers take the read-through path.
import { after } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { defaultServeConfig, type ServeConfig } from '../../src/config.ts';
import { createClusterLookup } from '../../src/references/cluster-lookup.ts';
import { DirectLookup } from '../../src/references/direct-lookup.ts';
import { KubeApi, loadKubeConfig } from '../../src/references/kube-api.ts';
import { ignoreLookupEvents } from '../../src/references/lookup-events.ts';
import type { ReferenceLookup } from '../../src/model/lookup.ts';
import { ServedVersion } from '../../src/references/served-version.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import {
  CONTRACT_NAMESPACE,
  describeLookupContract,
  OTHER_NAMESPACE,
  type LookupUnderTest,
} from '../references/lookup-contract.ts';

interface Fixture {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly kind: string;
  readonly apiVersion: string;
  readonly status?: unknown;
}

// One control plane for every implementation: the fixtures are the same, and starting
// etcd and kube-apiserver is most of this file's time.
let controlPlane: Promise<ControlPlane> | undefined;

function clusterWith(objects: Record<string, unknown>[]): Promise<ControlPlane> {
  controlPlane ??= (async () => {
    const cp = await startControlPlane({ crds: 'toolhive' });
    try {
      await createFixtures(cp, objects as unknown as Fixture[]);
    } catch (error) {
      await cp.stop();
      throw error;
    }
    return cp;
  })();
  return controlPlane;
}

async function createFixtures(cp: ControlPlane, objects: readonly Fixture[]): Promise<void> {
  // Namespaces first: nothing namespaced can be created in a namespace that does not exist.
  for (const namespace of [CONTRACT_NAMESPACE, OTHER_NAMESPACE]) {
    await cp.kubectl(['create', 'namespace', namespace]);
  }
  // The API server drops `status` on create for resources with a status subresource (all
  // of ToolHive's), so the phase is written afterwards, as ToolHive's controller does.
  await cp.kubectl(['create', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
  for (const object of objects) {
    if (object.kind !== 'MCPGroup' || object.status === undefined) continue;
    await cp.kubectl([
      'patch',
      'mcpgroups.toolhive.stacklok.dev',
      object.metadata.name,
      '-n',
      object.metadata.namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: object.status }),
    ]);
  }
}

async function untilReady(lookup: ReferenceLookup, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!lookup.ready()) {
    if (Date.now() - started > timeoutMs) throw new Error(`lookup not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The cached lookup exactly as `serve` builds it from its configuration. */
async function servedLookup(
  objects: Record<string, unknown>[],
  config: Partial<ServeConfig>,
): Promise<LookupUnderTest> {
  const cp = await clusterWith(objects);
  const setup = await createClusterLookup(
    { ...defaultServeConfig, kubeconfig: cp.kubeconfigPath, ...config },
    createLogger('fatal'),
  );
  await untilReady(setup.lookup);
  return { lookup: setup.lookup, teardown: () => setup.lookup.close() };
}

after(async () => {
  await (await controlPlane)?.stop();
});

describeLookupContract('DirectLookup (kube-apiserver, ToolHive CRDs)', async (objects) => {
  const cp = await clusterWith(objects);
  const api = new KubeApi(loadKubeConfig(cp.kubeconfigPath));
  const lookup = new DirectLookup(api, new ServedVersion(api), ignoreLookupEvents);
  return { lookup, teardown: () => lookup.close() };
});

describeLookupContract('CachedClusterLookup, all namespaces (as serve builds it)', (objects) =>
  servedLookup(objects, {}),
);

describeLookupContract(
  `CachedClusterLookup watching ${CONTRACT_NAMESPACE} only (read-through elsewhere)`,
  (objects) => servedLookup(objects, { namespaces: [CONTRACT_NAMESPACE] }),
);
