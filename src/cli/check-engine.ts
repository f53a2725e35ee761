// The pieces every `check` mode shares: the schemas, the engine options mapped from the CLI's
// words, and (lazily, so plain file checks never load the Kubernetes client) a cluster lookup.
import type { EntrySchemas } from '../crd/entry-schemas.ts';
import { loadEntrySchemas } from '../crd/select-schemas.ts';
import type { EngineOptions, ReferencePolicy } from '../model/review.ts';
import type { ReferenceLookup } from '../model/lookup.ts';
import { RunMemoLookup } from './run-memo-lookup.ts';
import type { CheckConfig, ReferenceMode } from './check-args.ts';
import { CheckSetupError, setupStep } from './check-setup-error.ts';
import { HostListsFileError, readHostListsFile } from '../references/host-lists-file.ts';
import type { HostLists } from '../policy/host-lists.ts';
import type { KubeApi } from '../references/kube-api.ts';

function hostListsOf(path: string): HostLists {
  try {
    return readHostListsFile(path);
  } catch (err) {
    if (err instanceof HostListsFileError) throw new CheckSetupError(err.message);
    throw err;
  }
}

const policyOf: Readonly<Record<ReferenceMode, ReferencePolicy>> = {
  error: 'deny',
  warn: 'warn',
  ignore: 'ignore',
};

export function engineOptionsFor(config: CheckConfig): EngineOptions {
  const policy = policyOf[config.references];
  return {
    referencePolicy: {
      MCPGroup: policy,
      MCPExternalAuthConfig: policy,
      ConfigMap: policy,
      Secret: policy,
    },
    // A cluster that cannot answer is reported like a missing object would be: a CI gate must
    // not pass an entry because the API server was unreachable.
    onLookupFailure: policy === 'deny' ? 'deny' : 'warn',
    lookupTimeoutMs: config.lookupTimeoutMs,
    ...(config.hostLists === undefined ? {} : { hostLists: hostListsOf(config.hostLists) }),
    // kubectl's default strict field validation refuses unknown fields; so do we.
    unknownFields: 'deny',
    // A manifest is judged as `kubectl apply` would be: the API server applies the CRD's
    // defaults and runs its CEL rules before any webhook; our mutating webhook's defaults only
    // when it is installed (and never with the admission policy in its place).
    crdDefaults: true,
    mutatingDefaults: config.mutatingWebhook && !config.admissionPolicy,
    crdCelRules: true,
  };
}

export function schemasFor(config: CheckConfig): Promise<EntrySchemas> {
  return setupStep(
    config.crd === undefined ? 'cannot load the bundled schemas' : `cannot use --crd ${config.crd}`,
    () => loadEntrySchemas(config.crd, config.kubeconfig),
  );
}

/**
 * The live-cluster lookup for a short-lived process: one GET per distinct object, remembered
 * for the run. The server's informer caches would only add a watch to tear down again.
 * `api` is the run's cluster client when it already has one (the audit).
 */
export async function clusterLookupFor(
  config: CheckConfig,
  api?: KubeApi,
): Promise<ReferenceLookup> {
  return setupStep('cannot use the cluster', async () => {
    if (config.kubeconfig === undefined)
      throw new Error('no kubeconfig: pass --kubeconfig or set KUBECONFIG');
    const kubeconfig = config.kubeconfig;
    const [{ connectKubeApi }, { ServedVersion }, { DirectLookup }, events] = await Promise.all([
      import('../references/kube-api.ts'),
      import('../references/served-version.ts'),
      import('../references/direct-lookup.ts'),
      import('../references/lookup-events.ts'),
    ]);
    const client = api ?? connectKubeApi(kubeconfig);
    return new RunMemoLookup(
      new DirectLookup(client, new ServedVersion(client), events.ignoreLookupEvents),
    );
  });
}

/**
 * `config` with `mutatingWebhook` settled: with --cluster and neither --mutating-webhook nor
 * --no-mutating-webhook, the cluster is asked whether our mutating webhook is installed, so
 * entries are judged with its defaults exactly when that cluster would apply them. A cluster
 * that cannot say (RBAC, network) stops the run: guessing would judge entries against the
 * wrong object. Offline, the defaults apply only with --mutating-webhook.
 */
export async function withClusterDefaulting(
  config: CheckConfig,
  api?: KubeApi,
): Promise<CheckConfig> {
  if (!config.cluster || config.mutatingWebhook || config.noMutatingWebhook) return config;
  const found = await setupStep(
    'cannot tell whether the mutating webhook is installed',
    async () => {
      if (config.kubeconfig === undefined)
        throw new Error('no kubeconfig: pass --kubeconfig or set KUBECONFIG');
      const kubeconfig = config.kubeconfig;
      const [{ connectKubeApi }, { discoverMutatingWebhook }] = await Promise.all([
        import('../references/kube-api.ts'),
        import('../references/mutating-webhook.ts'),
      ]);
      const answer = await discoverMutatingWebhook(
        api ?? connectKubeApi(kubeconfig),
        AbortSignal.timeout(Math.max(config.lookupTimeoutMs, 10_000)),
      );
      if (!answer.ok)
        throw new Error(
          `${answer.message} (say which with --mutating-webhook or --no-mutating-webhook)`,
        );
      return answer.value;
    },
  );
  return { ...config, mutatingWebhook: found.configuration !== undefined };
}
