// The remoteUrl rule: where an MCPServerEntry may point ToolHive's proxy. The proxy connects
// from inside the cluster with the entry's forwarded headers and token exchange, so a URL that
// reaches the node, the API server or a cloud metadata endpoint is a server-side request
// forgery. ToolHive's operator checks this after the fact and only for canonical spellings;
// this rule runs at admission and judges what any parser would connect to.
//
// Pure and synchronous, no DNS: names whose danger only shows once resolved (127.0.0.1.nip.io,
// rebinding services) are out of reach here; docs/remote-url.md recommends an egress
// NetworkPolicy for them.
import { fieldPath, plainFieldPath, type FieldPath } from '../model/field-path.ts';
import { finding, type Finding } from '../model/findings.ts';
import { hostListProblem, noHostLists, type HostLists } from './host-lists.ts';
import { alwaysRefused } from './ip-ranges.ts';
import { judgeHost, type HostProblemKind } from './remote-url-host.ts';
import { readUrlText } from './remote-url-text.ts';
import type { RuleResult } from '../model/verdict.ts';

/** The plain-http warning (also the generated policy's, src/admission-policy/remote-url-cel.ts). */
export const plainHttpWarning =
  'plain http: traffic and forwarded headers are not encrypted; use https';

/**
 * Findings for one remoteUrl. Denials for unsafe or ambiguous URLs, a warning for plain http.
 * A non-string value yields nothing: the schema reports its type.
 */
export function remoteUrlFindings(
  remoteUrl: unknown,
  allowPrivateEndpoint: boolean,
  field: FieldPath = fieldPath('spec', 'remoteUrl'),
  hostLists: HostLists = noHostLists,
): RuleResult {
  const denials: Finding[] = [];
  const warnings: Finding[] = [];
  if (typeof remoteUrl !== 'string') return { denials, warnings };
  // The value is the URL as written: the renderer hides its credentials, query and fragment.
  const invalid = (value: string, detail: string, rule: string): Finding =>
    finding.invalid(field, value, detail, rule);

  const read = readUrlText(remoteUrl);
  if (!read.ok) {
    denials.push(invalid(remoteUrl, read.detail, `remote-url.${read.rule}`));
    return { denials, warnings };
  }
  const { text } = read;
  const shownUrl = text.withoutCredentials ?? remoteUrl;
  if (text.withoutCredentials !== null) {
    denials.push(
      invalid(
        shownUrl,
        'the URL contains credentials (user@ or user:password@), which would be stored in ' +
          'the object in plain text; send them as a header from a Secret with ' +
          'spec.headerForward.addHeadersFromSecret',
        'remote-url.credentials',
      ),
    );
  }

  const url = URL.parse(remoteUrl);
  if (url === null) {
    denials.push(invalid(shownUrl, 'not a valid URL', 'remote-url.syntax'));
    return { denials, warnings };
  }

  let problem = judgeHost(url.hostname, text.host);
  if (problem !== null && allowPrivateEndpoint && !refusedWhatever(problem.kind)) {
    problem = problem.ifWaived ?? null;
  }
  if (problem !== null) {
    denials.push(
      invalid(shownUrl, withRemedy(problem.detail, problem.kind, field), ruleId(problem.kind)),
    );
  }

  if (denials.length === 0) {
    let host = url.hostname;
    while (host.endsWith('.')) host = host.slice(0, -1);
    const listed = hostListProblem(host, hostLists);
    if (listed !== null) denials.push(invalid(shownUrl, listed, 'remote-url.host-list'));
  }

  if (denials.length === 0 && text.scheme === 'http') {
    warnings.push(invalid(shownUrl, plainHttpWarning, 'remote-url.plain-http'));
  }
  return { denials, warnings };
}

function refusedWhatever(kind: HostProblemKind): boolean {
  if (kind === 'syntax' || kind === 'reserved-name') return true;
  if (kind === 'cluster-local') return false;
  return alwaysRefused(kind);
}

function ruleId(kind: HostProblemKind): string {
  return `remote-url.${kind}`;
}

function withRemedy(detail: string, kind: HostProblemKind, field: FieldPath): string {
  // A syntax detail already says how to write the host instead.
  if (kind === 'syntax') return detail;
  if (refusedWhatever(kind)) return `${detail}; always refused`;
  // The flag sits next to remoteUrl in the spec, whatever path the caller judged.
  const flag = plainFieldPath([
    ...field.slice(0, -1),
    { kind: 'field', name: 'allowPrivateEndpoint' },
  ]);
  return `${detail}; set ${flag}: true to reach an in-cluster or private address`;
}
