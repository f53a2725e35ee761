// Which objects an entry names, and what their absence or state means. Collecting is separate
// from judging: the engine looks everything up in parallel under one deadline in between, and
// the judging stays pure (answers in, findings out).
import { defaultCaBundleKey } from './defaults.ts';
import { childOf, fieldPath, indexOf, type FieldPath } from '../model/field-path.ts';
import { finding, quoted as quote, type Finding } from '../model/findings.ts';
import type { EngineOptions, ReferencePolicy } from '../model/review.ts';
import type { RuleResult } from '../model/verdict.ts';
import type { ReferenceAnswer, ReferenceKind, ReferenceQuery } from '../model/lookup.ts';
import { asRecord } from '../json-object.ts';

/**
 * Auth types ToolHive can use for an MCPServerEntry. Others (bearerToken, embeddedAuthServer)
 * are reported by ToolHive as UnsupportedAuthType after the fact; we refuse them up front.
 */
export const supportedAuthTypes = [
  'tokenExchange',
  'headerInjection',
  'unauthenticated',
  'awsSts',
  'upstreamInject',
  'xaa',
] as const;
/** Works only with ToolHive's enterprise handler: allowed, with a warning. */
const enterpriseOnlyAuthTypes = new Set(['obo']);

export interface ReferenceCheck {
  readonly query: ReferenceQuery;
  /** Field path of the name that points at the object, for findings and ratcheting. */
  readonly field: FieldPath;
  /** Field path of the key, when the reference names a key. */
  readonly keyField?: FieldPath;
  /** `optional: true` on the ConfigMap reference: absence is fine. */
  readonly optional: boolean;
}

const asName = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** Every object the spec names, in a stable order. Malformed parts are skipped (schema reports them). */
export function referencedObjects(spec: unknown, namespace: string): ReferenceCheck[] {
  const s = asRecord(spec);
  if (s === undefined) return [];
  const checks: ReferenceCheck[] = [];

  const group = asName(asRecord(s['groupRef'])?.['name']);
  if (group !== undefined) {
    checks.push({
      query: { kind: 'MCPGroup', namespace, name: group },
      field: fieldPath('spec', 'groupRef', 'name'),
      optional: false,
    });
  }

  const auth = asName(asRecord(s['externalAuthConfigRef'])?.['name']);
  if (auth !== undefined) {
    checks.push({
      query: { kind: 'MCPExternalAuthConfig', namespace, name: auth },
      field: fieldPath('spec', 'externalAuthConfigRef', 'name'),
      optional: false,
    });
  }

  const cm = asRecord(asRecord(s['caBundleRef'])?.['configMapRef']);
  const cmName = asName(cm?.['name']);
  if (cm !== undefined && cmName !== undefined) {
    const rawKey = cm['key'];
    const key = typeof rawKey === 'string' && rawKey !== '' ? rawKey : defaultCaBundleKey;
    checks.push({
      query: { kind: 'ConfigMap', namespace, name: cmName, key },
      field: fieldPath('spec', 'caBundleRef', 'configMapRef', 'name'),
      keyField: fieldPath('spec', 'caBundleRef', 'configMapRef', 'key'),
      optional: cm['optional'] === true,
    });
  }

  const fromSecret = asRecord(s['headerForward'])?.['addHeadersFromSecret'];
  if (Array.isArray(fromSecret)) {
    fromSecret.forEach((item, i) => {
      const ref = asRecord(asRecord(item)?.['valueSecretRef']);
      const name = asName(ref?.['name']);
      const key = asName(ref?.['key']);
      if (name === undefined || key === undefined) return;
      const base = childOf(
        indexOf(fieldPath('spec', 'headerForward', 'addHeadersFromSecret'), i),
        'valueSecretRef',
      );
      checks.push({
        query: { kind: 'Secret', namespace, name, key },
        field: childOf(base, 'name'),
        keyField: childOf(base, 'key'),
        optional: false,
      });
    });
  }
  return checks;
}

function applyPolicy(result: RuleResult, policy: ReferencePolicy, f: Finding): void {
  if (policy === 'deny') result.denials.push(f);
  else if (policy === 'warn') result.warnings.push(f);
}

const kindNoun: Record<ReferenceKind, string> = {
  MCPGroup: 'MCPGroup',
  MCPExternalAuthConfig: 'MCPExternalAuthConfig',
  ConfigMap: 'ConfigMap',
  Secret: 'Secret',
};

/** Judge the answers. `answers[i]` belongs to `checks[i]`. */
export function referenceFindings(
  checks: readonly ReferenceCheck[],
  answers: readonly ReferenceAnswer[],
  options: EngineOptions,
): RuleResult {
  const result: RuleResult = { denials: [], warnings: [] };
  checks.forEach((check, i) => {
    const answer = answers[i];
    if (answer === undefined) return;
    const { kind, name, namespace, key } = check.query;
    const rule = `reference.${kind === 'MCPExternalAuthConfig' ? 'auth-config' : kind.toLowerCase()}`;
    const policy = options.referencePolicy[kind];

    if (answer.status === 'unknown') {
      const f = finding.forbidden(
        check.field,
        `could not verify ${kindNoun[kind]} ${quote(name)}: ${answer.reason}`,
        `${rule}.unverified`,
      );
      if (policy === 'ignore') return;
      if (options.onLookupFailure === 'deny' && policy === 'deny') result.denials.push(f);
      else result.warnings.push(f);
      return;
    }

    if (answer.status === 'missing') {
      if (check.optional) return;
      applyPolicy(
        result,
        policy,
        finding.notFound(
          check.field,
          name,
          `${kindNoun[kind]} does not exist in namespace ${quote(namespace)}`,
          rule,
        ),
      );
      return;
    }

    switch (kind) {
      case 'MCPGroup':
        if (answer.phase !== 'Ready') {
          const state =
            answer.phase === undefined
              ? 'has not reported a phase yet'
              : `is ${answer.phase}, not Ready`;
          result.warnings.push(
            finding.note(
              check.field,
              'Invalid',
              `MCPGroup ${quote(name)} ${state}; the entry is served once the group is Ready`,
              'reference.group.not-ready',
            ),
          );
        }
        break;
      case 'MCPExternalAuthConfig':
        if (answer.authType === undefined) {
          result.warnings.push(
            finding.note(
              check.field,
              'Invalid',
              `MCPExternalAuthConfig ${quote(name)} has no spec.type`,
              'reference.auth-config.type',
            ),
          );
        } else if (enterpriseOnlyAuthTypes.has(answer.authType)) {
          result.warnings.push(
            finding.note(
              check.field,
              'Invalid',
              `MCPExternalAuthConfig ${quote(name)} has type ${quote(answer.authType)}, which needs ToolHive's enterprise handler`,
              'reference.auth-config.type',
            ),
          );
        } else if (!(supportedAuthTypes as readonly string[]).includes(answer.authType)) {
          result.denials.push(
            finding.note(
              check.field,
              'NotSupported',
              `MCPExternalAuthConfig ${quote(name)} has type ${quote(answer.authType)}, which an MCPServerEntry cannot use: supported types: ${supportedAuthTypes.map((t) => quote(t)).join(', ')}`,
              'reference.auth-config.type',
            ),
          );
        }
        break;
      case 'ConfigMap':
      case 'Secret':
        if (answer.hasKey === false && !check.optional && key !== undefined) {
          applyPolicy(
            result,
            policy,
            finding.notFound(
              check.keyField ?? check.field,
              key,
              `${kindNoun[kind]} ${quote(name)} has no such key`,
              `${rule}.key`,
            ),
          );
        }
        break;
    }
  });
  return result;
}
