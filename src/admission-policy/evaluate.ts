// Runs the generated policy offline with the CLI's own CEL evaluator (src/cel), the way the API
// server would: variables in order (a variable whose evaluation fails is an error only for the
// expressions that read it, as the API server evaluates variables lazily), then every
// validation; a validation that is false, or whose evaluation fails (failurePolicy: Fail), is
// a failure with its message: what the API server alone would decide, without the webhook.
import { celError, celMap, isCelError, type CelInput, type CelResult } from '@bufbuild/cel';
import { compileRule } from '../cel/rule-program.ts';
import { pathFromText } from '../model/field-path.ts';
import type { Finding } from '../model/findings.ts';
import { toCelValue } from '../cel/object-values.ts';
import { hostListValidation } from './host-lists-cel.ts';
import {
  policyValidations,
  policyVariables,
  warningValidations,
  warningVariables,
} from './policy-document.ts';
import type { PolicyValidation, PolicyVariable } from './policy-types.ts';

export interface PolicyFailure {
  /** The validation's message: its messageExpression, or why it could not be evaluated. */
  readonly message: string;
}

export type Operation = 'CREATE' | 'UPDATE';

export interface PolicyRequest {
  readonly object: unknown;
  readonly oldObject?: unknown;
  readonly operation: Operation;
  /** The parameter object (the host-list ConfigMap); absent: a policy without paramKind. */
  readonly params?: unknown;
}

function run(text: string, bindings: Record<string, unknown>): CelResult {
  const compiled = compileRule(text);
  if (!compiled.ok) return celError(`cannot evaluate offline: ${compiled.reason}`, 0n);
  try {
    return compiled.program(bindings);
  } catch (err) {
    return celError(err instanceof Error ? err.message : String(err), 0n);
  }
}

/** The failures the generated policy reports for one request; empty when it admits it. */
export function evaluateAdmissionPolicy(request: PolicyRequest): PolicyFailure[] {
  const validations = policyValidations();
  if (request.params !== undefined) validations.push(hostListValidation);
  return evaluateValidations(request, policyVariables, validations);
}

/** The warnings policy's failures for one request: the warnings the API server alone shows. */
export function evaluateWarningPolicy(request: PolicyRequest): PolicyFailure[] {
  return evaluateValidations(request, warningVariables, warningValidations);
}

function evaluateValidations(
  request: PolicyRequest,
  policyVariables: readonly PolicyVariable[],
  validations: readonly PolicyValidation[],
): PolicyFailure[] {
  const object = toCelValue(request.object, undefined);
  const oldObject =
    request.oldObject === undefined ? null : toCelValue(request.oldObject, undefined);
  const variables = new Map<string, CelInput>();
  const bindings = (): Record<string, unknown> => ({
    object,
    oldObject,
    request: celMap(new Map([['operation', request.operation]])),
    params: request.params === undefined ? null : toCelValue(request.params, undefined),
    variables: celMap(variables),
  });
  for (const variable of policyVariables) {
    // An error is stored as the value: reading it fails, not reading it does not.
    variables.set(variable.name, run(variable.expression, bindings()) as CelInput);
  }
  const failures: PolicyFailure[] = [];
  for (const validation of validations) {
    const passed = run(validation.expression, bindings());
    if (passed === true) continue;
    if (isCelError(passed)) {
      failures.push({
        message: `expression failed: ${passed.message}`,
      });
      continue;
    }
    const message = run(validation.messageExpression, bindings());
    failures.push({
      message:
        typeof message === 'string'
          ? message
          : 'validation failed (its messageExpression did not give a string)',
    });
  }
  return failures;
}

/**
 * A failure as a finding, for the CLI's reporters: the policy's messages start with the field
 * path, as the webhook's do (`spec.remoteUrl: Invalid value: ...`).
 */
export function policyFailureFinding(failure: PolicyFailure): Finding {
  const match = /^(spec(?:[.[][^:]*)?): (.*)$/s.exec(failure.message);
  return {
    path: pathFromText(match?.[1] ?? ''),
    type: 'Forbidden',
    detail: match?.[2] ?? failure.message,
    phrasing: 'note',
    rule: 'admission-policy',
  };
}
