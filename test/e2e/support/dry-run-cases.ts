// Creating many MCPServerEntry cases in one `kubectl create --dry-run=server` run and reading
// which the API server refused (and with what message): the policy e2e test and the version
// matrix share it.
import type { ControlPlane } from '../../harness/control-plane.ts';

export interface DryRunCase {
  /** metadata.name of the object. */
  readonly name: string;
  readonly object: Record<string, unknown>;
}

export interface Created {
  readonly denied: ReadonlySet<string>;
  /** kubectl's error line for each denied object, keyed by name. */
  readonly messages: ReadonlyMap<string, string>;
  /** kubectl's stderr (warnings and errors). */
  readonly stderr: string;
}

/** Creates every case in one kubectl run (server-side dry run) and reads who was denied. */
export async function createAll(cp: ControlPlane, cases: readonly DryRunCase[]): Promise<Created> {
  const list = { apiVersion: 'v1', kind: 'List', items: cases.map((c) => c.object) };
  const result = await cp.kubectl(
    ['create', '--dry-run=server', '--validate=false', '-o', 'name', '-f', '-'],
    { input: JSON.stringify(list), allowFailure: true },
  );
  const created = new Set(
    result.stdout
      .split('\n')
      .filter((l) => l.includes('/'))
      .map((l) => l.slice(l.indexOf('/') + 1)),
  );
  const messages = new Map<string, string>();
  for (const line of result.stderr.split('\n')) {
    const name = /"(case-[\w-]+)"/.exec(line)?.[1];
    if (name !== undefined && !messages.has(name)) messages.set(name, line);
  }
  const denied = new Set(cases.map((c) => c.name).filter((n) => !created.has(n)));
  return { denied, messages, stderr: result.stderr };
}

/**
 * A policy or webhook configuration takes effect once the API server's informer has seen it:
 * polls until `probe` gets the awaited verdict (denied, or admitted once the configuration is
 * gone).
 */
export async function waitForVerdict(
  cp: ControlPlane,
  probe: DryRunCase,
  denied: boolean,
  what: string,
): Promise<void> {
  for (let i = 0; ; i++) {
    if ((await createAll(cp, [probe])).denied.size === (denied ? 1 : 0)) return;
    if (i > 150) throw new Error(`${what} never took effect`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
