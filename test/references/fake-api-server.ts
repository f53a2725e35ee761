// A small stand-in for kube-apiserver over real HTTP on loopback, speaking just the parts of
// the protocol the lookups use: discovery, GET, paged LIST, WATCH with bookmarks and 410
// ERROR events, Status bodies. It lets unit tests provoke what a real API server does only
// rarely (expired resource versions, watches dropped mid-stream, hangs, 403s) and count the
// requests a lookup made. The e2e tests cover the same code against the real thing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface StoredObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  [field: string]: unknown;
}

interface Watcher {
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly res: ServerResponse;
}

export class FakeApiServer {
  readonly server: Server;
  /** Every request path (with query), in order. */
  readonly requests: string[] = [];
  versions: string[] = ['v1alpha1', 'v1beta1'];
  /** Collections (`mcpgroups`, `secrets`...) answered with 403. */
  readonly forbidden = new Set<string>();
  /** Paths matching this never answer (until the test ends). */
  hang: RegExp | undefined;
  /** Answer the next N watch requests with a 410 ERROR event. */
  expireNextWatches = 0;
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private readonly watchers = new Set<Watcher>();
  /** Every event with its revision, so a watch from resourceVersion N replays what came after. */
  private readonly history: { collection: string; namespace: string; rv: number; line: string }[] =
    [];
  private revision = 100;
  private readonly hanging = new Set<ServerResponse>();

  private constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** Requests whose path starts with `prefix`. */
  count(prefix: string): number {
    return this.requests.filter((p) => p.startsWith(prefix)).length;
  }

  /** Store without telling watchers: the object exists, its watch event has not arrived. */
  putQuietly(collection: string, obj: StoredObject): void {
    this.put(collection, obj, false);
  }

  put(collection: string, obj: StoredObject, notify = true): void {
    const rv = String(++this.revision);
    obj.metadata.resourceVersion = rv;
    let c = this.objects.get(collection);
    if (c === undefined) this.objects.set(collection, (c = new Map<string, StoredObject>()));
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const type = c.has(key) ? 'MODIFIED' : 'ADDED';
    c.set(key, obj);
    if (notify)
      this.notify(collection, obj.metadata.namespace, { type, object: structuredClone(obj) });
  }

  remove(collection: string, namespace: string, name: string): void {
    const c = this.objects.get(collection);
    const obj = c?.get(`${namespace}/${name}`);
    if (c === undefined || obj === undefined) return;
    c.delete(`${namespace}/${name}`);
    obj.metadata.resourceVersion = String(++this.revision);
    this.notify(collection, namespace, { type: 'DELETED', object: obj });
  }

  /** Drop every open watch without a final event, as a restarting API server does. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  /** Send a 410 ERROR event on every open watch (etcd compacted past our resourceVersion). */
  expireWatches(): void {
    for (const w of this.watchers) {
      w.res.write(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`,
      );
      w.res.end();
    }
    this.watchers.clear();
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(collection: string, namespace: string, event: unknown): void {
    this.history.push({
      collection,
      namespace,
      rv: this.revision,
      line: `${JSON.stringify(event)}\n`,
    });
    for (const w of this.watchers) {
      if (w.collection !== collection) continue;
      if (w.namespace !== undefined && w.namespace !== namespace) continue;
      w.res.write(`${JSON.stringify(event)}\n`);
    }
  }

  private status(
    res: ServerResponse,
    code: number,
    reason: string,
    message: string,
    details?: object,
  ): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code,
        reason,
        message,
        ...(details === undefined ? {} : { details }),
      }),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push(`${url.pathname}${url.search}`);
    if (this.hang?.test(url.pathname) === true) {
      this.hanging.add(res);
      return;
    }
    if (req.headers.authorization !== 'Bearer test-token') {
      this.status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (url.pathname === '/apis/toolhive.stacklok.dev') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'APIGroup',
          name: 'toolhive.stacklok.dev',
          versions: this.versions.map((v) => ({
            groupVersion: `toolhive.stacklok.dev/${v}`,
            version: v,
          })),
        }),
      );
      return;
    }
    // /api/v1[/namespaces/ns]/plural[/name] or /apis/g/v[/namespaces/ns]/plural[/name]
    const m =
      /^\/(?:api\/v1|apis\/toolhive\.stacklok\.dev\/(v1alpha1|v1beta1))(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(
        url.pathname,
      );
    if (m === null || (m[1] !== undefined && !this.versions.includes(m[1]))) {
      this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const namespace = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const collection = m[3]!;
    const name = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
    if (this.forbidden.has(collection)) {
      this.status(
        res,
        403,
        'Forbidden',
        `${collection} is forbidden: User "system:serviceaccount:x:y" cannot ${name === undefined ? 'list' : 'get'} resource "${collection}"`,
      );
      return;
    }
    const all = [...(this.objects.get(collection)?.values() ?? [])].filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    );
    if (name !== undefined) {
      const found = all.find((o) => o.metadata.name === name);
      if (found === undefined) {
        this.status(res, 404, 'NotFound', `${collection} "${name}" not found`, {
          name,
          kind: collection,
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found));
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (this.expireNextWatches > 0) {
        this.expireNextWatches -= 1;
        res.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`,
        );
        return;
      }
      res.flushHeaders();
      const since = Number(url.searchParams.get('resourceVersion') ?? '0');
      for (const h of this.history) {
        if (
          h.rv > since &&
          h.collection === collection &&
          (namespace === undefined || h.namespace === namespace)
        )
          res.write(h.line);
      }
      const watcher: Watcher = { collection, namespace, res };
      this.watchers.add(watcher);
      res.on('close', () => this.watchers.delete(watcher));
      return;
    }
    // Paged list: `continue` is the index to start at.
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
    const start = Number(url.searchParams.get('continue') ?? '0');
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'List',
        metadata: {
          resourceVersion: String(this.revision),
          ...(next === undefined ? {} : { continue: next }),
        },
        items: page,
      }),
    );
  }
}

export const group = (namespace: string, name: string, phase?: string): StoredObject => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPGroup',
  metadata: { name, namespace },
  spec: {},
  ...(phase === undefined ? {} : { status: { phase } }),
});

export const authConfig = (namespace: string, name: string, type: string): StoredObject => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPExternalAuthConfig',
  metadata: { name, namespace },
  spec: { type },
});

export const secret = (
  namespace: string,
  name: string,
  data: Record<string, string>,
): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  data: Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
});

export const configMap = (
  namespace: string,
  name: string,
  data: Record<string, string>,
): StoredObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

export const serverEntry = (
  namespace: string,
  name: string,
  groupName: string,
  authConfigName?: string,
): StoredObject => ({
  apiVersion: 'toolhive.stacklok.dev/v1beta1',
  kind: 'MCPServerEntry',
  metadata: { name, namespace },
  spec: {
    groupRef: { name: groupName },
    ...(authConfigName === undefined ? {} : { externalAuthConfigRef: { name: authConfigName } }),
  },
});
