// Which version of toolhive.stacklok.dev to read MCPGroups and auth configs in. ToolHive
// serves v1alpha1 (deprecated) and v1beta1; older installs serve v1alpha1 only. The facts we
// read (status.phase, spec.type) are the same in both: of those two, the one Kubernetes'
// version priority prefers (model/entry.ts, as the audit picks its version).
// Discovery is retried on the next call after a failure, and remembered after a success.
import type { ApiResult, KubeApi } from './kube-api.ts';
import { toolhiveGroup } from './reference-resources.ts';
import { isRecord } from '../json-object.ts';
import { preferredVersion } from '../model/entry.ts';

/** The versions whose MCPGroup and MCPExternalAuthConfig we know how to read. */
export const readableVersions: readonly string[] = ['v1beta1', 'v1alpha1'];

/** The version to use from an APIGroup discovery document, or undefined if none we know. */
export function pickServedVersion(apiGroup: unknown): string | undefined {
  const versions = isRecord(apiGroup) ? apiGroup['versions'] : undefined;
  if (!Array.isArray(versions)) return undefined;
  const served = new Set(
    versions.map((v) => (isRecord(v) && typeof v['version'] === 'string' ? v['version'] : '')),
  );
  return preferredVersion(readableVersions.filter((v) => served.has(v)));
}

export class ServedVersion {
  private readonly api: KubeApi;
  private known: string | undefined;
  private inFlight: Promise<ApiResult<string>> | undefined;

  constructor(api: KubeApi, fixed?: string) {
    this.api = api;
    this.known = fixed;
  }

  get current(): string | undefined {
    return this.known;
  }

  async resolve(signal: AbortSignal): Promise<ApiResult<string>> {
    if (this.known !== undefined) return { ok: true, value: this.known };
    // One discovery request however many lookups arrive at once; each waits under its own
    // deadline, the shared request under a generous one of its own.
    this.inFlight ??= this.discover().finally(() => {
      this.inFlight = undefined;
    });
    const shared = this.inFlight;
    if (signal.aborted) {
      return { ok: false, failure: 'timeout', message: 'no answer before the deadline' };
    }
    return new Promise((resolve) => {
      const abort = (): void =>
        resolve({ ok: false, failure: 'timeout', message: 'no answer before the deadline' });
      signal.addEventListener('abort', abort, { once: true });
      void shared.then((r) => {
        signal.removeEventListener('abort', abort);
        resolve(r);
      });
    });
  }

  private async discover(): Promise<ApiResult<string>> {
    const result = await this.api.getJson(`/apis/${toolhiveGroup}`, AbortSignal.timeout(10_000));
    if (!result.ok) {
      // A bare 404 here means the group has no CRDs installed at all.
      return result.status === 404
        ? { ...result, failure: 'not-served', message: `API group ${toolhiveGroup} is not served` }
        : result;
    }
    const version = pickServedVersion(result.value);
    if (version === undefined) {
      return {
        ok: false,
        failure: 'not-served',
        message: `API group ${toolhiveGroup} serves none of ${readableVersions.join(', ')}`,
      };
    }
    this.known = version;
    return { ok: true, value: version };
  }
}
