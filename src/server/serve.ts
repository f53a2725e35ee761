// `serve`: assemble schemas, lookup, engine, TLS, the app and metrics from one configuration,
// then run until SIGTERM. The order of shutdown matters and is spelled out in `shutdown`.
import { readHostListsFile } from '../references/host-lists-file.ts';
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ServeConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { AdmissionEngine } from '../policy/engine.ts';
import { selectLookup } from '../references/select-lookup.ts';
import { loadEntrySchemas } from '../crd/select-schemas.ts';
import { packageRoot } from '../package-files.ts';
import { buildApp } from './app.ts';
import { WebhookMetrics } from './metrics.ts';
import { ReviewHandler } from './review-handler.ts';
import { TlsFileWatcher, secureContextOptions } from './tls-files.ts';

export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly app: FastifyInstance;
  readonly metrics: WebhookMetrics;
  /** Readiness reasons; empty when ready. */
  problems(): string[];
  /** SIGTERM behaviour: not ready at once, keep serving `delay`, then drain and stop. */
  shutdown(delaySeconds?: number): Promise<void>;
}

export interface RuntimeFacts {
  /** Running in a pod with a service account (KUBERNETES_SERVICE_HOST set). */
  readonly inCluster: boolean;
}

export async function startServer(
  config: ServeConfig,
  log: Logger,
  runtime: RuntimeFacts,
): Promise<RunningServer> {
  let certFile = config.tlsCert;
  let keyFile = config.tlsKey;
  if (certFile === undefined || keyFile === undefined) {
    // Loaded only here: the certificate library costs ~100 ms of start-up, and a server
    // given its certificate files (every deployment) never needs it.
    const { devCertificatePaths, ensureDevCertificates } = await import('./dev-certificates.ts');
    const dev = devCertificatePaths(`${packageRoot}certs/generated`);
    if (await ensureDevCertificates(dev))
      log.info({ dir: dev.dir }, 'created a development CA and serving certificate');
    certFile = dev.certFile;
    keyFile = dev.keyFile;
  }

  const schemas = await loadEntrySchemas(config.crd, config.kubeconfig);
  // The bundled schemas compile on first use; the server compiles them now, so the first
  // admission request does not wait for it.
  for (const version of schemas.versions) schemas.validate(version, {});
  const metrics = new WebhookMetrics();
  const { lookup, source, deleteProtection } = await selectLookup(
    config,
    log,
    `${packageRoot}examples`,
    runtime.inCluster,
    (e) => metrics.observeLookup(e),
  );
  const engine = new AdmissionEngine(schemas, lookup, {
    referencePolicy: {
      MCPGroup: config.groupPolicy,
      MCPExternalAuthConfig: config.authConfigPolicy,
      ConfigMap: config.configMapPolicy,
      Secret: config.secretPolicy,
    },
    onLookupFailure: config.onLookupFailure,
    lookupTimeoutMs: config.lookupTimeoutMs,
    unknownFields: 'ignore',
    // The API server has applied the CRD's defaults, called /mutate and run the CRD's CEL
    // rules before it calls /validate.
    crdDefaults: false,
    mutatingDefaults: false,
    crdCelRules: false,
    ...(config.hostLists === undefined ? {} : { hostLists: readHostListsFile(config.hostLists) }),
  });

  const handler = new ReviewHandler(engine, log, (e) => metrics.observe(e), deleteProtection);
  const requireClientCert = config.clientCa !== undefined;
  // The watcher exists before the app (the app needs its first pair) and swaps pairs into it.
  const served: { app?: FastifyInstance } = {};
  const tls = new TlsFileWatcher({ certFile, keyFile, clientCaFile: config.clientCa }, log, (m) => {
    // New handshakes use the new pair; established connections finish on the old one.
    (
      served.app?.server as unknown as { setSecureContext(o: object): void } | undefined
    )?.setSecureContext(secureContextOptions(m, requireClientCert));
    metrics.certificateExpiry.set(m.notAfter.getTime() / 1000);
  });
  metrics.certificateExpiry.set(tls.material.notAfter.getTime() / 1000);

  let shuttingDown = false;
  const problems = (): string[] => {
    const out: string[] = [];
    if (shuttingDown) out.push('shutting down');
    const t = tls.state;
    if (!t.healthy) out.push(`certificate: ${t.problem ?? 'unusable'}`);
    if (!lookup.ready()) out.push('reference caches have not finished their first sync');
    metrics.ready.set(out.length === 0 ? 1 : 0);
    return out;
  };

  const app = buildApp({
    tls: secureContextOptions(tls.material, requireClientCert),
    http2: config.http2,
    bodyLimitBytes: config.bodyLimitBytes,
    shedding: {
      maxEventLoopDelayMs: config.shedEventLoopDelayMs,
      maxBytesInFlight: config.shedBytesInFlightMiB * 1024 * 1024,
      slowBodyGraceMs: config.slowBodyGraceMs,
      bodyLimitBytes: config.bodyLimitBytes,
      maxConnections: config.maxConnections,
    },
    handler,
    readiness: { problems },
    log,
    countTlsFailure: (reason) => metrics.tlsFailure(reason),
    countShed: (pressure) => metrics.shedReview(pressure),
    countConnectionRefused: () => metrics.connectionRefused(),
    countConnectionEvicted: () => metrics.connectionEvicted(),
    countHttpRefusal: (status) => metrics.httpRefusal(status),
    ...(deleteProtection === undefined
      ? {}
      : { deleteHandler: { handle: (body: unknown) => handler.handle('validate-delete', body) } }),
  });
  served.app = app;
  // From SIGTERM on, every HTTP/1.1 answer ends its connection ("Connection: close"). The API
  // server keeps idle connections to this pod (conntrack holds them after the endpoints drop
  // it) and does not retry a POST written onto a connection we close; ending each connection
  // with an answer, instead of closing idle ones when the delay is over, leaves no such race.
  // Found by the node cluster's rollout test (test/e2e/node-cluster.test.ts): 2 of ~1,200
  // creates failed with "failed calling webhook ... connection reset" before this.
  app.addHook('onRequest', (request, reply, done) => {
    if (shuttingDown && request.raw.httpVersionMajor === 1)
      void reply.header('connection', 'close');
    done();
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;

  let metricsServer: Server | undefined;
  if (config.metricsPort !== 0)
    metricsServer = await metrics.listen(config.metricsHost, config.metricsPort, problems);
  const metricsAddress = metricsServer?.address();
  const metricsPort =
    typeof metricsAddress === 'object' && metricsAddress !== null ? metricsAddress.port : undefined;

  log.info(
    {
      url: `https://${config.host}:${port}`,
      references: source,
      schemaVersions: schemas.versions,
      http2: config.http2,
      metricsPort,
    },
    'mcpentry-webhook serving',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (delaySeconds = config.shutdownDelaySeconds): Promise<void> => {
    stopping ??= (async () => {
      shuttingDown = true;
      log.info(
        { delaySeconds },
        'shutting down: not ready now, still serving until endpoints drop this pod',
      );
      await new Promise((r) => setTimeout(r, delaySeconds * 1000));
      // close() stops accepting, lets in-flight reviews finish and closes idle connections.
      await app.close();
      tls.close();
      await lookup.close();
      await new Promise<void>((r) =>
        metricsServer === undefined ? r() : metricsServer.close(() => r()),
      );
      log.info('stopped');
    })();
    return stopping;
  };

  return { port, metricsPort, app, metrics, problems, shutdown };
}
