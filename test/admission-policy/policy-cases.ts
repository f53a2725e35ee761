// The cases the generated policy is proved on: the remoteUrl and headerForward tables the
// engine's own unit tests use (test/policy/*-cases.ts), each made into a whole MCPServerEntry,
// with the engine's verdict on it (rule findings plus the CRD schema, which the API server
// applies too) and the list of cases docs/admission-policy.md says the policy does not cover.
import { readFileSync } from 'node:fs';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { headerFindings } from '../../src/policy/headers.ts';
import { remoteUrlFindings } from '../../src/policy/remote-url.ts';
import {
  credentialCases,
  duplicateCases,
  nameCases,
  restrictedCases,
  restrictedNearMisses,
  valueCases,
} from '../policy/header-cases.ts';
import { remoteUrlTable } from '../policy/remote-url-cases.ts';

export interface PolicyCase {
  /** metadata.name of the object: `case-N`. */
  readonly name: string;
  /** How docs/admission-policy.md names the case. */
  readonly label: string;
  readonly object: Record<string, unknown>;
  readonly remoteUrl: string;
  readonly allowPrivateEndpoint: boolean;
  readonly headerForward: unknown;
}

const safeUrl = 'https://mcp.example.com/mcp';

function entry(
  name: string,
  remoteUrl: string,
  priv: boolean,
  headers: unknown,
): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    remoteUrl,
    transport: 'streamable-http',
    groupRef: { name: 'research' },
  };
  if (priv) spec['allowPrivateEndpoint'] = true;
  if (headers !== undefined) spec['headerForward'] = headers;
  return {
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    kind: 'MCPServerEntry',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

let cached: PolicyCase[] | undefined;

export function policyCases(): PolicyCase[] {
  if (cached !== undefined) return cached;
  const cases: PolicyCase[] = [];
  const add = (
    label: string,
    url: string,
    priv: boolean,
    headers: unknown,
    name?: string,
  ): void => {
    const n = name ?? `case-${cases.length}`;
    cases.push({
      name: n,
      label,
      object: entry(n, url, priv, headers),
      remoteUrl: url,
      allowPrivateEndpoint: priv,
      headerForward: headers,
    });
  };
  for (const [, rows] of remoteUrlTable) {
    for (const [url, priv] of rows) {
      add(
        `remoteUrl ${JSON.stringify(url)}${priv ? ' +allowPrivateEndpoint' : ''}`,
        url,
        priv,
        undefined,
      );
    }
  }
  const headerGroups = [
    nameCases,
    restrictedCases,
    restrictedNearMisses,
    duplicateCases,
    valueCases,
    credentialCases,
  ];
  for (const group of headerGroups) {
    for (const c of group) add(`headers: ${c.name}`, safeUrl, false, c.input);
  }
  add('probe', 'http://169.254.169.254/', false, undefined, 'case-probe');
  cached = cases;
  return cases;
}

/** The engine's verdict from the rules the policy implements (remoteUrl, headerForward). */
export function engineRulesDeny(c: PolicyCase): boolean {
  if (remoteUrlFindings(c.remoteUrl, c.allowPrivateEndpoint).denials.length > 0) return true;
  return headerFindings(c.headerForward).denials.length > 0;
}

/** The engine's verdict with the CRD schema too, which a real API server applies first. */
export function engineDenies(c: PolicyCase): boolean {
  if (loadBundledEntrySchemas().validate('v1beta1', c.object).length > 0) return true;
  return engineRulesDeny(c);
}

/** The cases docs/admission-policy.md lists under "Not covered": `- \`label\`: why`. */
export function documentedUncovered(): string[] {
  const docs = readFileSync(new URL('../../docs/admission-policy.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## Cases the policy does not cover'));
  const end = section.indexOf('\n## ', 3);
  return [...(end < 0 ? section : section.slice(0, end)).matchAll(/^- `(.+)`: /gm)].map(
    (m) => m[1] ?? '',
  );
}
