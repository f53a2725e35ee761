// Response constructors: no handler builds AdmissionReview JSON by hand. The API server checks
// apiVersion/kind/uid exactly, wants patch and patchType together or not at all, and drops
// warnings with control characters; these functions make those mistakes impossible.
import type { Finding, FindingType } from '../model/findings.ts';
import { renderFieldPath, renderFinding, renderMessage } from '../render/messages.ts';
import type { JsonPatchOperation, Verdict } from '../model/verdict.ts';

export interface AdmissionResponseBody {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: {
      readonly code: number;
      readonly reason: string;
      readonly message: string;
      readonly details?: {
        readonly name?: string;
        readonly group: string;
        readonly kind: string;
        readonly causes: readonly {
          readonly reason: string;
          readonly message: string;
          readonly field: string;
        }[];
      };
    };
    readonly patchType?: 'JSONPatch';
    readonly patch?: string;
    readonly warnings?: readonly string[];
    readonly auditAnnotations?: Readonly<Record<string, string>>;
  };
}

/** metav1.CauseType values, so machines reading `details.causes` see familiar reasons. */
const causeReason: Record<FindingType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  TooLong: 'FieldValueTooLong',
  TooShort: 'FieldValueInvalid',
  TooMany: 'FieldValueTooMany',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  NotFound: 'FieldValueNotFound',
  TypeInvalid: 'FieldValueTypeInvalid',
  InternalError: 'InternalError',
};

// The API server keeps a warning budget of 4096 runes and cuts single warnings to 256 once the
// budget is stressed; we stay inside it ourselves so no warning is silently lost or mangled.
const maxWarningRunes = 256;
const warningBudgetRunes = 4096;

/** One-line, control-character-free, bounded warning texts, deduplicated, within budget. */
export function sanitizeWarnings(findings: readonly Finding[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let used = 0;
  for (let i = 0; i < findings.length; i++) {
    let text = renderFinding(findings[i]!);
    const runes = [...text];
    if (runes.length > maxWarningRunes) text = `${runes.slice(0, maxWarningRunes - 3).join('')}...`;
    if (seen.has(text)) continue;
    const size = [...text].length;
    if (used + size > warningBudgetRunes - 80) {
      out.push(`${findings.length - i} more warnings omitted`);
      break;
    }
    seen.add(text);
    used += size;
    out.push(text);
  }
  return out;
}

// auditAnnotations keys become "<webhook name>/<key>": a qualified name of at most 63
// characters and no '/'; values are free text.
function auditAnnotations(verdict: Verdict): Record<string, string> {
  const rules = [...new Set([...verdict.denials, ...verdict.warnings].map((f) => f.rule))];
  const decision = !verdict.allowed
    ? 'denied'
    : verdict.warnings.length > 0
      ? 'allowed-with-warnings'
      : 'allowed';
  const annotations: Record<string, string> = { decision };
  if (rules.length > 0) annotations['rules'] = rules.join(',');
  if (verdict.shortCircuit !== undefined) annotations['skipped-because'] = verdict.shortCircuit;
  return annotations;
}

export interface ResponseContext {
  readonly uid: string;
  readonly kind: string;
  readonly group: string;
  readonly name: string;
}

function envelope(response: AdmissionResponseBody['response']): AdmissionResponseBody {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** Allowed without review (another kind, a subresource, DELETE): no annotations, no work. */
export function buildAllowedResponse(uid: string): AdmissionResponseBody {
  return envelope({ uid, allowed: true });
}

/** The validating answer: allowed (maybe with warnings) or denied with every finding. */
export function buildValidationResponse(
  ctx: ResponseContext,
  verdict: Verdict,
): AdmissionResponseBody {
  const warnings = sanitizeWarnings(verdict.warnings);
  const base = {
    uid: ctx.uid,
    allowed: verdict.allowed,
    ...(warnings.length > 0 ? { warnings } : {}),
    auditAnnotations: auditAnnotations(verdict),
  };
  if (verdict.allowed) return envelope(base);
  return envelope({
    ...base,
    // 403 Forbidden (not 422 Invalid): kubectl then prints `admission webhook "<name>" denied
    // the request: ...`, so users see which webhook refused; 422 would hide our name.
    status: {
      code: 403,
      reason: 'Forbidden',
      message: denialMessage(verdict.denials),
      details: {
        ...(ctx.name === '' ? {} : { name: ctx.name }),
        group: ctx.group,
        kind: ctx.kind,
        causes: verdict.denials.map((f) => ({
          reason: causeReason[f.type],
          message: renderMessage(f),
          field: renderFieldPath(f.path),
        })),
      },
    },
  });
}

/** Every finding as `field: problem`, in one message. */
export function denialMessage(denials: readonly Finding[]): string {
  return denials.map(renderFinding).join('; ');
}

/** The mutating answer: a patch only when there is something to change. */
export function buildMutationResponse(
  uid: string,
  patch: readonly JsonPatchOperation[],
): AdmissionResponseBody {
  if (patch.length === 0) return envelope({ uid, allowed: true });
  return envelope({
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    // Go decodes []byte from standard, padded base64; URL-safe base64 would be a call failure.
    patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
  });
}
