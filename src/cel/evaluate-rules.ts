// Evaluates a CRD's x-kubernetes-validations rules against one object offline, as the API server
// would on create. A rule that fails is a denial at its field with its message; a CEL runtime
// error (a missing key, an index out of range) is a denial too, because the API server refuses
// the object for it. A rule this evaluator cannot honour — a function it lacks, a transition rule
// (no stored object offline), its cost budget spent — is a warning that names the rule and why,
// never a pass.
import { isCelError, type CelError, type CelResult } from '@bufbuild/cel';
import type { JsonSchema } from '../crd/convert.ts';
import type { Finding } from '../model/findings.ts';
import { crdRules, type CrdRule } from './crd-rules.ts';
import { notEvaluableCause } from './not-evaluable.ts';
import { rootCelValue, toCelValue } from './object-values.ts';
import { failedRuleFinding, notCheckedFinding, withFieldPath } from './rule-findings.ts';
import { compileRule, type Program, type RuleShape } from './rule-program.ts';
import { measure, ruleTargets, type RuleTarget, type ValueSize } from './rule-targets.ts';
import { runWithinBudget } from './time-budget.ts';

export interface CelBudget {
  /** Wall-clock limit for one rule on one node. */
  readonly timeMs: number;
  /** Largest input (nodes plus string characters) a rule may be given. */
  readonly inputSize: number;
  /** Largest estimate of comprehension steps (widest collection ^ nesting depth). */
  readonly steps: number;
  /**
   * Largest work estimate (see directWork) for running a rule without the clock, which costs
   * about 0.4 ms a call (node:vm starts a watchdog) and would dominate a run over thousands of
   * manifests; typical rules on typical manifests stay far below it.
   */
  readonly directWork: number;
}

// Kubernetes caps a request at 3 MiB and a rule's runtime cost at 10^6 steps per call (with a
// 10^7-step budget per object); a rule that nests deeper than that over the input it is given
// would be refused there as well. A well-formed rule runs in microseconds; 250 ms leaves room
// for a slow CI machine without letting a hostile rule stall a run of thousands of manifests.
export const defaultCelBudget: CelBudget = {
  timeMs: 250,
  inputSize: 3 * 1024 * 1024,
  steps: 10_000_000,
  directWork: 100_000_000,
};

export interface CelFindings {
  readonly denials: Finding[];
  readonly warnings: Finding[];
}

const schemaTypeOf = (schema: JsonSchema): string =>
  typeof schema['type'] === 'string' ? schema['type'] : 'object';

/** The reason a result is ours to report as not checked, or undefined when it is the object's. */
function evaluatorFailure(error: CelError): string | undefined {
  const ours = notEvaluableCause(error);
  if (ours !== undefined) return ours.message;
  // The API server type-checks rules when the CRD is created, so an overload or function it
  // could not resolve never reaches run time there: here it means our typing differs.
  if (/^(unbound function|found no matching overload)/.test(error.message)) return error.message;
  return undefined;
}

/**
 * An upper bound on the elementary steps of one evaluation: each of a step's nodes may touch a
 * value up to nodes × input in size (concatenations double at most once per node), and nested
 * comprehensions repeat the step once per element of the widest collection.
 */
function directWork(shape: RuleShape, size: ValueSize, width: number): number {
  return shape.nodes * shape.nodes * width ** shape.comprehensionDepth * Math.max(size.total, 1);
}

function evaluateBounded(
  program: Program,
  self: unknown,
  budget: CelBudget,
  timed = true,
): { result: CelResult } | { exceeded: string } | { crashed: string } {
  try {
    if (!timed) return { result: program({ self }) };
    const run = runWithinBudget(budget.timeMs, () => program({ self }));
    return run.done ? { result: run.value } : { exceeded: `over ${budget.timeMs} ms` };
  } catch (err) {
    return { crashed: err instanceof Error ? err.message : String(err) };
  }
}

function customMessage(rule: CrdRule, self: unknown, budget: CelBudget): string | undefined {
  if (rule.messageExpression === undefined) return undefined;
  const compiled = compileRule(rule.messageExpression);
  if (!compiled.ok || compiled.shape.transition) return undefined;
  const run = evaluateBounded(compiled.program, self, budget);
  if (!('result' in run) || typeof run.result !== 'string') return undefined;
  // Kubernetes falls back to `message` for an empty or multi-line messageExpression result.
  const text = run.result.trim();
  return text === '' || /[\r\n]/.test(text) ? undefined : text;
}

function ruleDetail(rule: CrdRule): string {
  return rule.message?.trim() ?? `failed rule: ${rule.rule.trim()}`;
}

function selfFor(rule: CrdRule, value: unknown): unknown {
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  return rule.steps.length === 0 && isObject
    ? rootCelValue(value as Record<string, unknown>, rule.schema)
    : toCelValue(value, rule.schema);
}

function evaluateOnTarget(
  rule: CrdRule,
  compiled: { readonly shape: RuleShape; readonly program: Program },
  target: RuleTarget,
  budget: CelBudget,
  into: CelFindings,
): void {
  const { shape } = compiled;
  const notChecked = (why: string): void => {
    into.warnings.push(notCheckedFinding(target.field, rule.rule, why));
  };
  const size = measure(target.value);
  if (size.total > budget.inputSize) {
    notChecked(`evaluation budget exceeded: input of ${size.total} exceeds ${budget.inputSize}`);
    return;
  }
  const width = Math.max(size.widest, shape.longestListLiteral, 1);
  const depth = shape.comprehensionDepth;
  if (depth > 0 && width ** depth > budget.steps) {
    notChecked(`evaluation budget exceeded: ${depth} nested comprehensions over ${width} elements`);
    return;
  }
  const timed = shape.superlinear || directWork(shape, size, width) > budget.directWork;
  const self = selfFor(rule, target.value);
  const run = evaluateBounded(compiled.program, self, budget, timed);
  if ('exceeded' in run) {
    notChecked(`evaluation budget exceeded: ${run.exceeded}`);
    return;
  }
  if ('crashed' in run) {
    notChecked(`evaluator failed: ${run.crashed}`);
    return;
  }
  const { result } = run;
  const schemaType = schemaTypeOf(rule.schema);
  if (isCelError(result)) {
    const ours = evaluatorFailure(result);
    if (ours !== undefined) notChecked(ours);
    else
      into.denials.push(
        failedRuleFinding(
          target.field,
          schemaType,
          `${result.message} evaluating rule: ${rule.message?.trim() ?? rule.rule.trim()}`,
          undefined,
        ),
      );
    return;
  }
  if (typeof result !== 'boolean') {
    notChecked('the rule does not evaluate to a bool');
    return;
  }
  if (result) return;
  const detail = customMessage(rule, self, budget) ?? ruleDetail(rule);
  const field = withFieldPath(target.field, rule.fieldPath);
  into.denials.push(failedRuleFinding(field, schemaType, detail, rule.reason));
}

const transitionReason =
  'a transition rule reads oldSelf, the stored object, which an offline check does not have';

/** The findings of every rule of `schema` (one served version's) on `object`. */
export function celRuleFindings(
  schema: JsonSchema,
  object: unknown,
  budget: CelBudget = defaultCelBudget,
): CelFindings {
  const found: CelFindings = { denials: [], warnings: [] };
  for (const rule of crdRules(schema)) {
    const targets = ruleTargets(object, rule.steps);
    if (targets.length === 0) continue;
    const compiled = compileRule(rule.rule);
    if (!compiled.ok) {
      found.warnings.push(notCheckedFinding(rule.path, rule.rule, compiled.reason));
      continue;
    }
    if (compiled.shape.transition) {
      found.warnings.push(notCheckedFinding(rule.path, rule.rule, transitionReason));
      continue;
    }
    for (const target of targets) evaluateOnTarget(rule, compiled, target, budget, found);
  }
  return found;
}
