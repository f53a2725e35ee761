// Every knob of `serve`, in one table: name, flag, environment variable, default, documentation
// and parser. The README's configuration table is generated from it (npm run docs:config) and a
// test keeps the two equal. Flags win over environment variables, which win over defaults.
import type { ReferencePolicy, UnknownPolicy } from './model/review.ts';

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly clientCa: string | undefined;
  readonly http2: boolean;
  readonly objects: readonly string[];
  readonly kubeconfig: string | undefined;
  readonly crd: string | undefined;
  readonly namespaces: readonly string[];
  readonly groupPolicy: ReferencePolicy;
  readonly authConfigPolicy: ReferencePolicy;
  readonly configMapPolicy: ReferencePolicy;
  readonly secretPolicy: ReferencePolicy;
  readonly onLookupFailure: UnknownPolicy;
  readonly lookupTimeoutMs: number;
  readonly lookupCacheTtlMs: number;
  readonly hostLists: string | undefined;
  readonly deleteProtection: boolean;
  readonly bodyLimitBytes: number;
  readonly shedEventLoopDelayMs: number;
  readonly shedBytesInFlightMiB: number;
  readonly slowBodyGraceMs: number;
  readonly maxConnections: number;
  readonly shutdownDelaySeconds: number;
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: string;
}

type Parser<T> = (raw: string) => T;

interface Option<K extends keyof ServeConfig> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly defaultValue: ServeConfig[K];
  /** Default as shown in the docs, when the value itself is not self-explanatory. */
  readonly defaultText?: string;
  readonly doc: string;
  readonly parse: Parser<ServeConfig[K]>;
  /** Repeatable flags accumulate; the env var is comma-separated. */
  readonly repeatable?: boolean;
  /** A flag with no value (`--http2`), also accepting `--no-http2`. */
  readonly boolean?: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim()))
      throw new ConfigError(`must be a whole number, got ${JSON.stringify(raw)}`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw)) {
      throw new ConfigError(`must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };
const bool: Parser<boolean> = (raw) => {
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`must be true or false, got ${JSON.stringify(raw)}`);
};
const text: Parser<string> = (raw) => {
  if (raw === '') throw new ConfigError('must not be empty');
  return raw;
};
const optionalText: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
const list: Parser<readonly string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const referencePolicy = oneOf<ReferencePolicy>('deny', 'warn', 'ignore');

/** The option table. Order is the order of the README table. */
export const serveOptions = [
  {
    key: 'host',
    flag: '--host',
    env: 'MCPENTRY_HOST',
    defaultValue: '127.0.0.1',
    doc: 'Address to listen on (the image sets 0.0.0.0).',
    parse: text,
  },
  {
    key: 'port',
    flag: '--port',
    env: 'MCPENTRY_PORT',
    defaultValue: 8443,
    doc: 'HTTPS port for admission reviews and health.',
    parse: integer(0, 65535),
  },
  {
    key: 'tlsCert',
    flag: '--tls-cert',
    env: 'MCPENTRY_TLS_CERT',
    defaultValue: undefined,
    defaultText: 'generated dev pair in certs/generated/',
    doc: 'Serving certificate (PEM). Reloaded when the file changes.',
    parse: optionalText,
  },
  {
    key: 'tlsKey',
    flag: '--tls-key',
    env: 'MCPENTRY_TLS_KEY',
    defaultValue: undefined,
    defaultText: 'generated dev pair in certs/generated/',
    doc: 'Private key of the serving certificate (PEM).',
    parse: optionalText,
  },
  {
    key: 'clientCa',
    flag: '--client-ca',
    env: 'MCPENTRY_CLIENT_CA',
    defaultValue: undefined,
    defaultText: 'off',
    doc: 'CA bundle (PEM); when set, clients must present a certificate it signed (API server authentication).',
    parse: optionalText,
  },
  {
    key: 'http2',
    flag: '--http2',
    env: 'MCPENTRY_HTTP2',
    defaultValue: true,
    doc: 'Offer HTTP/2 by ALPN, with HTTP/1.1 fallback (`--no-http2` for HTTP/1.1 only).',
    parse: bool,
    boolean: true,
  },
  {
    key: 'objects',
    flag: '--objects',
    env: 'MCPENTRY_OBJECTS',
    defaultValue: [],
    defaultText: 'none',
    doc: 'Manifest file or directory to resolve references from instead of a cluster. Repeatable.',
    parse: list,
    repeatable: true,
  },
  {
    key: 'kubeconfig',
    flag: '--kubeconfig',
    env: 'KUBECONFIG',
    defaultValue: undefined,
    defaultText: 'in-cluster config if present',
    doc: 'Kubeconfig for cluster lookups. Without it, and without in-cluster config or --objects, references resolve from the bundled examples/.',
    parse: optionalText,
  },
  {
    key: 'crd',
    flag: '--crd',
    env: 'MCPENTRY_CRD',
    defaultValue: undefined,
    defaultText: 'bundled schemas/',
    doc: 'Validate against this MCPServerEntry CRD (a file, or `cluster` for the installed one) instead of the bundled schemas.',
    parse: optionalText,
  },
  {
    key: 'namespaces',
    flag: '--namespace',
    env: 'MCPENTRY_NAMESPACES',
    defaultValue: [],
    defaultText: 'all',
    doc: 'Namespaces to watch for lookups. Repeatable.',
    parse: list,
    repeatable: true,
  },
  {
    key: 'groupPolicy',
    flag: '--group-policy',
    env: 'MCPENTRY_GROUP_POLICY',
    defaultValue: 'deny',
    doc: 'Missing MCPGroup: deny, warn or ignore.',
    parse: referencePolicy,
  },
  {
    key: 'authConfigPolicy',
    flag: '--auth-config-policy',
    env: 'MCPENTRY_AUTH_CONFIG_POLICY',
    defaultValue: 'deny',
    doc: 'Missing MCPExternalAuthConfig: deny, warn or ignore.',
    parse: referencePolicy,
  },
  {
    key: 'configMapPolicy',
    flag: '--configmap-policy',
    env: 'MCPENTRY_CONFIGMAP_POLICY',
    defaultValue: 'deny',
    doc: 'Missing CA-bundle ConfigMap or key: deny, warn or ignore.',
    parse: referencePolicy,
  },
  {
    key: 'secretPolicy',
    flag: '--secret-policy',
    env: 'MCPENTRY_SECRET_POLICY',
    defaultValue: 'deny',
    doc: 'Missing header Secret or key: deny, warn or ignore.',
    parse: referencePolicy,
  },
  {
    key: 'onLookupFailure',
    flag: '--on-lookup-failure',
    env: 'MCPENTRY_ON_LOOKUP_FAILURE',
    defaultValue: 'deny',
    doc: 'When the API server cannot answer a lookup: deny ("could not verify ...") or warn and allow.',
    parse: oneOf<UnknownPolicy>('deny', 'warn'),
  },
  {
    key: 'lookupTimeoutMs',
    flag: '--lookup-timeout',
    env: 'MCPENTRY_LOOKUP_TIMEOUT',
    defaultValue: 2000,
    doc: 'Deadline in milliseconds for all lookups of one review (well inside the webhook timeoutSeconds: 10).',
    parse: integer(10, 25000),
  },
  {
    key: 'lookupCacheTtlMs',
    flag: '--lookup-cache-ttl',
    env: 'MCPENTRY_LOOKUP_CACHE_TTL',
    defaultValue: 5000,
    doc: 'How long a ConfigMap/Secret key answer is reused, in milliseconds (0 disables).',
    parse: integer(0, 600000),
  },
  {
    key: 'hostLists',
    flag: '--host-lists',
    env: 'MCPENTRY_HOST_LISTS',
    defaultValue: undefined,
    defaultText: 'off',
    doc: "The operator's allowed/denied remoteUrl hosts: a mounted ConfigMap directory (keys allowedHosts, deniedHosts) or a ConfigMap manifest; see docs/admission-policy.md.",
    parse: optionalText,
  },
  {
    key: 'deleteProtection',
    flag: '--delete-protection',
    env: 'MCPENTRY_DELETE_PROTECTION',
    defaultValue: false,
    doc: 'Refuse DELETE of an MCPGroup or MCPExternalAuthConfig that entries still reference (POST /validate-delete).',
    parse: bool,
    boolean: true,
  },
  {
    key: 'bodyLimitBytes',
    flag: '--body-limit',
    env: 'MCPENTRY_BODY_LIMIT',
    defaultValue: 7 * 1024 * 1024,
    defaultText: '7340032 (7 MiB)',
    doc: 'Largest request body in bytes; an UPDATE carries two objects of up to ~1.5 MiB each.',
    parse: integer(1024, 64 * 1024 * 1024),
  },
  {
    key: 'shedEventLoopDelayMs',
    flag: '--shed-event-loop-delay',
    env: 'MCPENTRY_SHED_EVENT_LOOP_DELAY',
    defaultValue: 200,
    doc: 'Answer new reviews whose body is over 256 KiB (or of unknown length) with 503 (failurePolicy applies) while the event-loop delay, sampled every 100 ms, exceeds this many milliseconds; ordinary reviews are never shed for delay (their share of --shed-bytes-in-flight bounds their queue) (0 disables).',
    parse: integer(0, 60000),
  },
  {
    key: 'shedBytesInFlightMiB',
    flag: '--shed-bytes-in-flight',
    env: 'MCPENTRY_SHED_BYTES_IN_FLIGHT',
    defaultValue: 16,
    doc: 'Answer a new review with 503 when its body (Content-Length; the body limit without one) and the bodies being served would together exceed this many MiB; freed as each answer is sent. Bodies up to 256 KiB have a quarter to themselves, so oversized reviews never crowd out ordinary ones; three quarters must hold --body-limit. Memory it assumes: about 3 times this in heap at most (received chunks, text, parsed object; the review limits keep the parsed object near its text size), so 16 MiB needs ~50 MiB above the idle heap (0 disables).',
    parse: integer(0, 1024),
  },
  {
    key: 'slowBodyGraceMs',
    flag: '--slow-body-grace',
    env: 'MCPENTRY_SLOW_BODY_GRACE',
    defaultValue: 250,
    doc: 'When a review does not fit in --shed-bytes-in-flight, close the connections of requests whose body is still arriving this many milliseconds after their headers (plus 1 s per 8 MiB declared) instead of refusing it: the API server sends a review at once, so such bodies hold room for nothing (0: never close them).',
    parse: integer(0, 60000),
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'MCPENTRY_MAX_CONNECTIONS',
    defaultValue: 512,
    doc: "Open connections at most; at the cap the longest-idle connection is closed to make room, and when all are busy new ones are closed at once, before TLS. Each TLS connection costs ~150-250 KB, so 512 take up to ~125 MiB of the Deployment's 384 Mi limit (docs/operations.md) (0: no limit).",
    parse: integer(0, 1_000_000),
  },
  {
    key: 'shutdownDelaySeconds',
    flag: '--shutdown-delay',
    env: 'MCPENTRY_SHUTDOWN_DELAY',
    defaultValue: 5,
    doc: 'Seconds to keep serving after SIGTERM so Service endpoints drop the pod first.',
    parse: integer(0, 120),
  },
  {
    key: 'metricsPort',
    flag: '--metrics-port',
    env: 'MCPENTRY_METRICS_PORT',
    defaultValue: 9090,
    doc: 'Plain-HTTP port for /metrics (0 disables).',
    parse: integer(0, 65535),
  },
  {
    key: 'metricsHost',
    flag: '--metrics-host',
    env: 'MCPENTRY_METRICS_HOST',
    defaultValue: '127.0.0.1',
    doc: 'Address for the metrics listener (the image sets 0.0.0.0).',
    parse: text,
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'MCPENTRY_LOG_LEVEL',
    defaultValue: 'info',
    doc: 'fatal, error, warn, info, debug or trace.',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'),
  },
] as const satisfies readonly Option<keyof ServeConfig>[];

export const defaultServeConfig: ServeConfig = Object.fromEntries(
  serveOptions.map((o) => [o.key, o.defaultValue]),
) as unknown as ServeConfig;

/**
 * Parse `serve` arguments and the environment into a validated configuration. Pure: no I/O,
 * so every error path is testable. Throws ConfigError with a message naming the flag.
 */
export function parseServeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServeConfig {
  const values: Record<string, unknown> = { ...defaultServeConfig };
  const byFlag = new Map<string, Option<keyof ServeConfig>>(
    serveOptions.map((o) => [o.flag, o as Option<keyof ServeConfig>]),
  );

  const apply = (
    opt: Option<keyof ServeConfig>,
    raw: string,
    origin: string,
    accumulate: boolean,
  ): void => {
    let parsed: unknown;
    try {
      parsed = opt.parse(raw);
    } catch (err) {
      throw new ConfigError(`${origin}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (opt.repeatable === true && accumulate) {
      values[opt.key] = [...(values[opt.key] as string[]), ...(parsed as string[])];
    } else {
      values[opt.key] = parsed;
    }
  };

  for (const opt of serveOptions as readonly Option<keyof ServeConfig>[]) {
    const raw = env[opt.env];
    if (raw !== undefined && raw !== '') apply(opt, raw, `environment variable ${opt.env}`, false);
  }

  const fromFlags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    let name = eq < 0 ? arg : arg.slice(0, eq);
    let negated = false;
    if (
      !byFlag.has(name) &&
      name.startsWith('--no-') &&
      byFlag.get(`--${name.slice(5)}`)?.boolean === true
    ) {
      name = `--${name.slice(5)}`;
      negated = true;
    }
    const opt = byFlag.get(name);
    if (opt === undefined)
      throw new ConfigError(`unknown flag ${name} (see \`mcpentry-webhook serve --help\`)`);
    let raw: string;
    if (opt.boolean === true && eq < 0) {
      raw = negated ? 'false' : 'true';
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`${name} needs a value`);
      raw = next;
      i += 1;
    }
    // The first repeat of a flag replaces the env/default list; later ones add to it.
    apply(opt, raw, `flag ${name}`, fromFlags.has(opt.key));
    fromFlags.add(opt.key);
  }

  const config = values as unknown as ServeConfig;
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together');
  }
  if (config.metricsPort !== 0 && config.metricsPort === config.port && config.port !== 0) {
    throw new ConfigError('--metrics-port must differ from --port');
  }
  // A budget smaller than the largest body would refuse such a review for ever, however idle.
  // Three quarters of the budget are for bodies over 256 KiB (load-shedding.ts).
  if (
    config.shedBytesInFlightMiB !== 0 &&
    config.shedBytesInFlightMiB * 1024 * 1024 * 0.75 < config.bodyLimitBytes
  ) {
    throw new ConfigError(
      `--shed-bytes-in-flight (${config.shedBytesInFlightMiB} MiB): three quarters of it must hold --body-limit (${config.bodyLimitBytes} bytes), or 0 to disable`,
    );
  }
  return config;
}

/** The README table, generated from the option table so the two cannot drift. */
export function configurationTable(): string {
  const rows = serveOptions.map((o) => {
    const d = 'defaultText' in o ? o.defaultText : JSON.stringify(o.defaultValue);
    return `| \`${o.flag}\` | \`${o.env}\` | ${d} | ${o.doc} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
