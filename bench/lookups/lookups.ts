// What the informer caches cost and save, measured in process (no API server involved: the
// stores are filled directly, and the kubeconfig points at a closed port so any request the
// lookup made by mistake would turn a hit into `unknown` and fail the run):
//   1. one cache-hit lookup, in µs;
//   2. a whole validating review whose group and auth config are cache hits, with 10 and with
//      10,000 groups cached, against the same review with an in-memory stub lookup (the
//      difference is what the cache adds to a review);
//   3. heap bytes per cached group, and what keeping the whole objects would cost instead.
//   node --expose-gc bench/lookups/lookups.ts [--seconds 2]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { defaultEngineOptions, type EntryInput } from '../../src/model/review.ts';
import { CachedClusterLookup } from '../../src/references/cached-cluster-lookup.ts';
import { ClusterCaches } from '../../src/references/cluster-caches.ts';
import { DirectLookup } from '../../src/references/direct-lookup.ts';
import { KubeApi } from '../../src/references/kube-api.ts';
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../../src/model/lookup.ts';
import { ignoreLookupEvents } from '../../src/references/lookup-events.ts';
import { ServedVersion } from '../../src/references/served-version.ts';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 2;
const gc = (globalThis as { gc?: () => void }).gc;

/** A group as the API server lists it: managedFields and all, as a cache of objects keeps it. */
function apiGroupObject(namespace: string, name: string): unknown {
  return {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPGroup',
    metadata: {
      name,
      namespace,
      uid: crypto.randomUUID(),
      resourceVersion: String(Math.floor(Math.random() * 1e9)),
      generation: 1,
      creationTimestamp: '2026-08-01T10:00:00Z',
      labels: { 'app.kubernetes.io/part-of': 'toolhive' },
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          time: '2026-08-01T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': { 'f:description': {} },
            'f:metadata': { 'f:labels': { '.': {} } },
          },
        },
        {
          manager: 'thv-operator',
          operation: 'Update',
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          time: '2026-08-01T10:00:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:phase': {}, 'f:conditions': {} } },
          subresource: 'status',
        },
      ],
    },
    spec: { description: `servers of ${name}` },
    status: {
      phase: 'Ready',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: 'group is ready',
          lastTransitionTime: '2026-08-01T10:00:01Z',
        },
      ],
    },
  };
}

function groups(count: number): unknown[] {
  return [...generatedGroups(count)];
}

/** Spread over 100 namespaces, as a multi-team cluster would have them; made one at a time. */
function* generatedGroups(count: number): Generator<unknown> {
  for (let i = 0; i < count; i++) yield apiGroupObject(`team-${i % 100}`, `group-${i}`);
}

function offlineApi(): KubeApi {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'offline', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u', token: 'unused' }],
    contexts: [{ name: 'offline', cluster: 'offline', user: 'u' }],
    currentContext: 'offline',
  });
  return new KubeApi(kc);
}

function filledLookup(groupCount: number): CachedClusterLookup {
  const api = offlineApi();
  const version = new ServedVersion(api, 'v1beta1');
  const caches = new ClusterCaches({ api, version, namespaces: [], entries: false });
  caches.prepare('v1beta1');
  caches.referenceInformer('MCPGroup', 'team-7')!.fill(groups(groupCount));
  caches
    .referenceInformer('MCPExternalAuthConfig', 'team-7')!
    .fill([
      { metadata: { namespace: 'team-7', name: 'exchange' }, spec: { type: 'tokenExchange' } },
    ]);
  return new CachedClusterLookup({
    direct: new DirectLookup(api, version, ignoreLookupEvents),
    caches,
    keyCacheTtlMs: 5000,
  });
}

/** The same answers from a plain Map: the engine's cost with the cheapest possible lookup. */
class StubLookup implements ReferenceLookup {
  private readonly answers = new Map<string, ReferenceAnswer>([
    ['MCPGroup/team-7/group-7', { status: 'found', phase: 'Ready' }],
    ['MCPExternalAuthConfig/team-7/exchange', { status: 'found', authType: 'tokenExchange' }],
  ]);
  lookup(q: ReferenceQuery): Promise<ReferenceAnswer> {
    return Promise.resolve(
      this.answers.get(`${q.kind}/${q.namespace}/${q.name}`) ?? { status: 'missing' },
    );
  }
  ready(): boolean {
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const entryInput: EntryInput = {
  operation: 'CREATE',
  version: 'v1beta1',
  namespace: 'team-7',
  oldObject: null,
  object: {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name: 'weather', namespace: 'team-7' },
    spec: {
      groupRef: { name: 'group-7' },
      externalAuthConfigRef: { name: 'exchange' },
      remoteUrl: 'https://mcp.example.com/mcp',
      transport: 'streamable-http',
    },
  },
};

async function perSecond(label: string, run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2000; i++) await run(); // warm-up: JIT, inline caches
  let n = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - started < budget) {
    for (let i = 0; i < 1000; i++) await run();
    n += 1000;
  }
  const micros = Number(process.hrtime.bigint() - started) / 1e3 / n;
  console.log(`${label.padEnd(58)} ${micros.toFixed(2).padStart(8)} µs  (${n} runs)`);
  return micros;
}

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  if (gc === undefined) console.log('(run with --expose-gc for the memory figures)');
  console.log(`node ${process.version}, ${seconds} s per measurement\n`);

  // Issue 8 asks for flat review latency from 10 to 100,000 cached groups.
  const sizes = [10, 1_000, 10_000, 100_000] as const;
  const lookups = new Map(sizes.map((n) => [n, filledLookup(n)] as const));
  const signal = new AbortController().signal;
  const hit: ReferenceQuery = { kind: 'MCPGroup', namespace: 'team-7', name: 'group-7' };
  for (const l of lookups.values()) {
    const a = await l.lookup(hit, signal);
    if (a.status !== 'found') throw new Error(`expected a cache hit, got ${JSON.stringify(a)}`);
  }
  for (const [n, l] of lookups) {
    await perSecond(`cache-hit lookup, ${n.toLocaleString('en')} groups cached`, () =>
      l.lookup(hit, signal),
    );
  }

  const schemas = loadBundledEntrySchemas();
  const engines = new Map<string, AdmissionEngine>([
    ['stub', new AdmissionEngine(schemas, new StubLookup(), defaultEngineOptions)],
    ...sizes.map(
      (n) =>
        [String(n), new AdmissionEngine(schemas, lookups.get(n)!, defaultEngineOptions)] as const,
    ),
  ]);
  for (const [name, engine] of engines) {
    const v = await engine.validate(entryInput);
    if (!v.allowed || v.warnings.length > 0)
      throw new Error(`${name}: unexpected verdict ${JSON.stringify(v)}`);
  }
  // Interleaved rounds, median kept: a run measured later would otherwise pay for the garbage
  // of the runs before it, and order would masquerade as a difference between the setups.
  const rounds = new Map<string, number[]>([...engines.keys()].map((k) => [k, []]));
  const label = (name: string): string =>
    name === 'stub'
      ? 'review (2 references), stub Map lookup'
      : `review (2 references), cached lookup, ${Number(name).toLocaleString('en')} groups`;
  for (let round = 1; round <= 3; round++) {
    for (const [name, engine] of engines) {
      heapAfterGc();
      rounds
        .get(name)!
        .push(
          await perSecond(`${label(name)} [round ${round}]`, () => engine.validate(entryInput)),
        );
    }
  }
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medians = new Map([...rounds].map(([k, v]) => [k, median(v)]));
  const ten = medians.get('10')!;
  console.log('');
  for (const [name, m] of medians) {
    const vsTen =
      name === 'stub' ? '' : `  (${(((m - ten) / ten) * 100).toFixed(1)} % vs 10 groups)`;
    console.log(`median ${label(name).padEnd(58)} ${m.toFixed(2).padStart(8)} µs${vsTen}`);
  }
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `\nprocess RSS with all four stores filled (111,010 groups, schemas compiled): ${rssMiB.toFixed(0)} MiB\n`,
  );
  lookups.clear();

  if (gc !== undefined) {
    const count = 100_000;
    const base = heapAfterGc();
    const objects = groups(count);
    const objectsHeld = heapAfterGc();
    const lookup = filledLookup(0);
    lookup.caches.referenceInformer('MCPGroup', 'team-0')!.fill(objects);
    objects.length = 0;
    // What stays is the store alone, name and namespace strings included.
    const storeOnly = heapAfterGc();
    console.log(
      `heap per cached group (facts only):          ${((storeOnly - base) / count).toFixed(0)} bytes (${count} groups)`,
    );
    console.log(
      `heap per group if whole objects were kept:   ${((objectsHeld - base) / count).toFixed(0)} bytes`,
    );
    if (lookup.caches.referenceInformer('MCPGroup', 'team-0')!.size !== count)
      throw new Error('fill lost groups');
  }
}

/**
 * `--rss N`: a fresh process holding only what a server with N cached groups holds (schemas,
 * engine, stores), filled from a stream of objects the way a paged list arrives, so the figure
 * is the steady state and not the peak of building N whole objects at once.
 */
function residentWithGroups(count: number): void {
  const lookup = filledLookup(0);
  lookup.caches.referenceInformer('MCPGroup', 'team-7')!.fill(generatedGroups(count));
  const engine = new AdmissionEngine(loadBundledEntrySchemas(), lookup, defaultEngineOptions);
  void engine.validate(entryInput).then(() => {
    heapAfterGc();
    const { rss, heapUsed } = process.memoryUsage();
    console.log(
      `${count.toLocaleString('en').padStart(8)} groups cached: RSS ${(rss / 2 ** 20).toFixed(0)} MiB, heap ${(heapUsed / 2 ** 20).toFixed(0)} MiB`,
    );
  });
}

const rssArg = process.argv.indexOf('--rss');
if (rssArg > 0) residentWithGroups(Number(process.argv[rssArg + 1]));
else {
  await main();
  // Each size in a fresh process: RSS only ever grows within one.
  for (const n of [10, 100_000]) {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--rss', String(n)],
      {
        encoding: 'utf8',
      },
    );
    process.stdout.write(r.stdout + r.stderr);
  }
}
