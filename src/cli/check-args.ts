// `check` flags to a configuration, as one pure function: no I/O, no process, so every usage
// error is a table row in a test. The runner turns an error into exit code 2.

export const outputFormats = ['text', 'json', 'junit', 'sarif', 'github'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** What to do with a reference the input does not define (and no cluster can answer). */
export const referenceModes = ['error', 'warn', 'ignore'] as const;
export type ReferenceMode = (typeof referenceModes)[number];

export interface CheckConfig {
  /** Files, directories, globs, `-` for stdin. Empty only with --from-cluster. */
  readonly paths: readonly string[];
  /** Neighbours only: their objects resolve references, their entries are not judged. */
  readonly context: readonly string[];
  /** Namespace for documents that name none (file mode). */
  readonly defaultNamespace: string;
  /** --from-cluster: the namespaces to audit (empty: all). */
  readonly auditNamespaces: readonly string[];
  readonly references: ReferenceMode;
  /** Resolve references the input lacks against a live cluster. */
  readonly cluster: boolean;
  /** Audit every MCPServerEntry stored in a cluster instead of reading files. */
  readonly fromCluster: boolean;
  readonly kubeconfig: string | undefined;
  /** A CRD file, or `cluster` for the installed one; undefined for the bundled schemas. */
  readonly crd: string | undefined;
  readonly showDefaults: boolean;
  /**
   * --mutating-webhook: judge entries with the mutating webhook's defaults applied. With
   * --cluster and neither this nor --no-mutating-webhook, the cluster is asked whether the
   * webhook is installed.
   */
  readonly mutatingWebhook: boolean;
  /** --no-mutating-webhook: never apply them, and do not ask the cluster. */
  readonly noMutatingWebhook: boolean;
  /**
   * --admission-policy: judge with the generated ValidatingAdmissionPolicy (and the CRD
   * schema) only, as the API server alone would without the webhook.
   */
  readonly admissionPolicy: boolean;
  /** --host-lists: a ConfigMap manifest with the operator's allowed/denied remoteUrl hosts. */
  readonly hostLists: string | undefined;
  readonly output: OutputFormat;
  readonly warningsAsErrors: boolean;
  /** --require-entries: a run that finds no MCPServerEntry fails (exit 1). */
  readonly requireEntries: boolean;
  /** --exclude: globs of paths not to read. */
  readonly exclude: readonly string[];
  readonly lookupTimeoutMs: number;
  readonly help: boolean;
}

export type ParsedCheckArgs =
  | { readonly ok: true; readonly config: CheckConfig }
  | { readonly ok: false; readonly message: string };

export const checkUsage = `Usage: mcpentry-webhook check [options] PATH...
       mcpentry-webhook check --from-cluster [--namespace NS]... [options]

Validate MCPServerEntry manifests as the admission webhook would: schema, remoteUrl,
headers, references and defaults. PATH is a file, a directory (searched recursively for
.yaml, .yml and .json), a glob, or - for stdin (e.g. \`kustomize build . | ... check -\`).
Other documents (MCPGroup, MCPExternalAuthConfig, ConfigMap, Secret) resolve references.

Options:
  -o, --output FORMAT       text (default), json, junit, sarif or github
  -n, --namespace NS        namespace for documents that name none (default: "default");
                            with --from-cluster: a namespace to audit (repeatable)
      --context PATH        manifests used only to resolve references (repeatable)
      --exclude GLOB        do not read paths matching GLOB, e.g. 'charts/**' (repeatable);
                            Helm charts (Chart.yaml) and non-manifest YAML are skipped anyway
      --references MODE     a reference the input does not define: error (default), warn, ignore
      --cluster             resolve references the input does not define in a live cluster
      --from-cluster        audit every MCPServerEntry stored in a cluster (read-only)
      --kubeconfig FILE     kubeconfig for --cluster/--from-cluster/--crd cluster
                            (default: $KUBECONFIG, then ~/.kube/config)
      --crd FILE            validate against this MCPServerEntry CRD (\`cluster\`: the installed
                            one) instead of the bundled schemas; its CEL rules are reported
      --show-defaults       print the patch the mutating webhook would apply
      --mutating-webhook    judge entries with that patch applied, as when the mutating
                            webhook is installed (default: as written, against the CRD;
                            with --cluster: as the cluster is configured, asked)
      --no-mutating-webhook never apply that patch, and do not ask the cluster
      --admission-policy    judge as the API server alone would, with the generated
                            ValidatingAdmissionPolicy (\`mcpentry-webhook policy\`) and the
                            schema, without the webhook: no lookups; warnings from
                            the warnings policy (its Warn binding)
      --host-lists FILE     a ConfigMap manifest with the operator's allowedHosts and
                            deniedHosts for remoteUrl (the webhook's --host-lists)
      --warnings-as-errors  exit 1 when any entry has warnings
      --require-entries     exit 1 when the input holds no MCPServerEntry at all
      --lookup-timeout MS   deadline for cluster lookups of one entry (default 5000)
  -h, --help                show this help

Exit codes: 0 every entry allowed, 1 an entry denied (or warned, or none found, with the
flags above), 2 usage or input error.
Colour only on a terminal; NO_COLOR turns it off.
`;

interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly takesValue: boolean;
}

const flags: readonly FlagSpec[] = [
  { name: '--output', short: '-o', takesValue: true },
  { name: '--namespace', short: '-n', takesValue: true },
  { name: '--context', takesValue: true },
  { name: '--references', takesValue: true },
  { name: '--cluster', takesValue: false },
  { name: '--from-cluster', takesValue: false },
  { name: '--kubeconfig', takesValue: true },
  { name: '--crd', takesValue: true },
  { name: '--show-defaults', takesValue: false },
  { name: '--mutating-webhook', takesValue: false },
  { name: '--no-mutating-webhook', takesValue: false },
  { name: '--admission-policy', takesValue: false },
  { name: '--host-lists', takesValue: true },
  { name: '--warnings-as-errors', takesValue: false },
  { name: '--require-entries', takesValue: false },
  { name: '--exclude', takesValue: true },
  { name: '--lookup-timeout', takesValue: true },
  { name: '--help', short: '-h', takesValue: false },
];

// A DNS-1123 label: what the API server accepts as a namespace name.
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const fail = (message: string): ParsedCheckArgs => ({ ok: false, message });

function oneOf<T extends string>(
  values: readonly T[],
  raw: string,
  flag: string,
): T | { error: string } {
  return (values as readonly string[]).includes(raw)
    ? (raw as T)
    : { error: `${flag} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}` };
}

/**
 * Parse `check` arguments. `env` supplies only KUBECONFIG and HOME (for the kubeconfig
 * default); nothing else in the environment changes a verdict.
 */
export function parseCheckArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCheckArgs {
  const paths: string[] = [];
  const context: string[] = [];
  const namespaces: string[] = [];
  let output: OutputFormat = 'text';
  let references: ReferenceMode = 'error';
  let cluster = false;
  let fromCluster = false;
  let kubeconfig: string | undefined;
  let crd: string | undefined;
  let showDefaults = false;
  let mutatingWebhook = false;
  let noMutatingWebhook = false;
  let admissionPolicy = false;
  let hostLists: string | undefined;
  let warningsAsErrors = false;
  let requireEntries = false;
  const exclude: string[] = [];
  let lookupTimeoutMs = 5000;
  let help = false;
  let onlyPaths = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPaths || arg === '-' || !arg.startsWith('-')) {
      paths.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPaths = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = flags.find((f) => f.name === name || f.short === name);
    if (spec === undefined)
      return fail(`unknown option ${name} (see \`mcpentry-webhook check --help\`)`);
    let value = '';
    if (spec.takesValue) {
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined) return fail(`${spec.name} needs a value`);
        value = next;
        i += 1;
      }
      if (value === '') return fail(`${spec.name} needs a non-empty value`);
    } else if (eq >= 0) {
      return fail(`${spec.name} takes no value`);
    }

    switch (spec.name) {
      case '--output': {
        const v = oneOf(outputFormats, value, '--output');
        if (typeof v !== 'string') return fail(v.error);
        output = v;
        break;
      }
      case '--references': {
        const v = oneOf(referenceModes, value, '--references');
        if (typeof v !== 'string') return fail(v.error);
        references = v;
        break;
      }
      case '--namespace':
        if (!namespacePattern.test(value))
          return fail(`--namespace ${JSON.stringify(value)} is not a valid namespace name`);
        namespaces.push(value);
        break;
      case '--context':
        context.push(value);
        break;
      case '--cluster':
        cluster = true;
        break;
      case '--from-cluster':
        fromCluster = true;
        break;
      case '--kubeconfig':
        kubeconfig = value;
        break;
      case '--crd':
        crd = value;
        break;
      case '--show-defaults':
        showDefaults = true;
        break;
      case '--admission-policy':
        admissionPolicy = true;
        break;
      case '--host-lists':
        hostLists = value;
        break;
      case '--mutating-webhook':
        mutatingWebhook = true;
        break;
      case '--no-mutating-webhook':
        noMutatingWebhook = true;
        break;
      case '--warnings-as-errors':
        warningsAsErrors = true;
        break;
      case '--require-entries':
        requireEntries = true;
        break;
      case '--exclude':
        exclude.push(value);
        break;
      case '--lookup-timeout':
        if (!/^\d{1,6}$/.test(value) || Number(value) < 10)
          return fail(`--lookup-timeout must be a whole number of milliseconds >= 10`);
        lookupTimeoutMs = Number(value);
        break;
      case '--help':
        help = true;
        break;
    }
  }

  const base = {
    paths,
    context,
    references,
    cluster,
    fromCluster,
    crd,
    showDefaults,
    mutatingWebhook,
    noMutatingWebhook,
    admissionPolicy,
    hostLists,
    output,
    warningsAsErrors,
    requireEntries,
    exclude,
    lookupTimeoutMs,
    help,
  };
  if (help) {
    return {
      ok: true,
      config: { ...base, defaultNamespace: 'default', auditNamespaces: [], kubeconfig },
    };
  }
  if (mutatingWebhook && noMutatingWebhook)
    return fail('--mutating-webhook and --no-mutating-webhook contradict each other');
  if (fromCluster) {
    if (paths.length > 0)
      return fail('--from-cluster reads the cluster, not files: drop the paths or the flag');
    if (context.length > 0) return fail('--context has no meaning with --from-cluster');
  } else {
    if (paths.length === 0)
      return fail('no input: give files, directories, globs or - for stdin (or --from-cluster)');
    if (namespaces.length > 1)
      return fail(
        '--namespace may be given once when checking files (it is the default namespace)',
      );
    if (paths.filter((p) => p === '-').length + context.filter((p) => p === '-').length > 1)
      return fail('stdin (-) may be read only once');
  }
  const needsCluster = cluster || fromCluster || crd === 'cluster';
  return {
    ok: true,
    config: {
      ...base,
      defaultNamespace: fromCluster ? 'default' : (namespaces[0] ?? 'default'),
      auditNamespaces: fromCluster ? namespaces : [],
      kubeconfig: kubeconfig ?? (needsCluster ? defaultKubeconfig(env) : undefined),
    },
  };
}

/** kubectl's order: $KUBECONFIG (first entry of the list), then ~/.kube/config. */
function defaultKubeconfig(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const fromEnv = env['KUBECONFIG']?.split(':').find((p) => p !== '');
  if (fromEnv !== undefined) return fromEnv;
  const home = env['HOME'];
  return home === undefined || home === '' ? undefined : `${home}/.kube/config`;
}
