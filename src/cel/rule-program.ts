// One CEL rule, parsed and planned once. Before a rule may run, its syntax tree is read for what
// the offline environment cannot honour — a function it does not implement, a reference to
// `oldSelf` — so such a rule is reported as not checked even when the call sits in a branch the
// object would never reach: a silent pass is what this check exists to prevent.
import { parse, plan, type CelResult } from '@bufbuild/cel';
import { ruleEnvironment, type RuleEnvironment } from './environment.ts';

type Expr = ReturnType<typeof parse>['expr'];

export interface RuleShape {
  /** The rule reads `oldSelf`: it compares with the stored object. */
  readonly transition: boolean;
  /** Functions and methods the rule calls that this environment does not implement. */
  readonly unsupported: readonly string[];
  /** How deeply comprehensions (all, exists, map, filter...) nest: the exponent of its cost. */
  readonly comprehensionDepth: number;
  /** The longest list literal, a lower bound for what a comprehension may range over. */
  readonly longestListLiteral: number;
  /** Nodes in the syntax tree: the work of one pass, before comprehensions multiply it. */
  readonly nodes: number;
  /**
   * Calls a function whose time is not linear in its input (a backtracking regular expression in
   * find/findAll, replace's repeated copies, distinct's pairwise comparison, sort, flatten of
   * shared lists, format): no size estimate bounds it, so it always runs under the clock.
   */
  readonly superlinear: boolean;
}

export type Program = (bindings: Record<string, unknown>) => CelResult;

export type CompiledRule =
  | { readonly ok: true; readonly shape: RuleShape; readonly program: Program }
  | { readonly ok: false; readonly reason: string; readonly shape?: RuleShape };

const superlinearMethods = new Set([
  'find',
  'findAll',
  'replace',
  'distinct',
  'sort',
  'flatten',
  'format',
]);
const identifierShaped = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** `a.b.c` when an expression is a plain chain of names (a function's namespace), else undefined. */
function qualifiedName(e: Expr | undefined): string | undefined {
  const kind = e?.exprKind;
  if (kind?.case === 'identExpr') return kind.value.name;
  if (kind?.case === 'selectExpr' && !kind.value.testOnly) {
    const parent = qualifiedName(kind.value.operand);
    return parent === undefined ? undefined : `${parent}.${kind.value.field}`;
  }
  return undefined;
}

class ShapeReader {
  transition = false;
  readonly unsupported = new Set<string>();
  comprehensionDepth = 0;
  longestListLiteral = 0;
  nodes = 0;
  superlinear = false;
  private readonly env: RuleEnvironment;

  constructor(env: RuleEnvironment) {
    this.env = env;
  }

  read(e: Expr | undefined, depth: number): void {
    const kind = e?.exprKind;
    if (kind === undefined) return;
    this.nodes += 1;
    switch (kind.case) {
      case 'identExpr':
        if (kind.value.name === 'oldSelf') this.transition = true;
        return;
      case 'selectExpr':
        this.read(kind.value.operand, depth);
        return;
      case 'callExpr':
        this.call(kind.value.function, kind.value.target, depth);
        for (const a of kind.value.args) this.read(a, depth);
        return;
      case 'listExpr':
        this.longestListLiteral = Math.max(this.longestListLiteral, kind.value.elements.length);
        for (const el of kind.value.elements) this.read(el, depth);
        return;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') this.read(entry.keyKind.value, depth);
          this.read(entry.value, depth);
        }
        return;
      case 'comprehensionExpr': {
        const c = kind.value;
        this.comprehensionDepth = Math.max(this.comprehensionDepth, depth + 1);
        this.read(c.iterRange, depth);
        this.read(c.accuInit, depth);
        this.read(c.loopCondition, depth + 1);
        this.read(c.loopStep, depth + 1);
        this.read(c.result, depth);
        return;
      }
      default:
        return;
    }
  }

  private call(name: string, target: Expr | undefined, depth: number): void {
    // Operators (`_+_`, `@in`, `_?_:_`) come only from the parser, which emits only what the
    // planner implements.
    if (!identifierShaped.test(name)) {
      this.read(target, depth);
      return;
    }
    if (superlinearMethods.has(name)) this.superlinear = true;
    if (target === undefined) {
      if (!this.env.functions.has(name)) this.unsupported.add(`${name}()`);
      return;
    }
    const namespace = qualifiedName(target);
    if (namespace !== undefined && this.env.functions.has(`${namespace}.${name}`)) return;
    if (!this.env.methods.has(name)) this.unsupported.add(`${namespace ?? '<value>'}.${name}()`);
    this.read(target, depth);
  }
}

export function readShape(expression: ReturnType<typeof parse>): RuleShape {
  const reader = new ShapeReader(ruleEnvironment());
  reader.read(expression.expr, 0);
  return {
    transition: reader.transition,
    unsupported: [...reader.unsupported],
    comprehensionDepth: reader.comprehensionDepth,
    longestListLiteral: reader.longestListLiteral,
    nodes: reader.nodes,
    superlinear: reader.superlinear,
  };
}

const compiledRules = new Map<string, CompiledRule>();

function compileUncached(text: string): CompiledRule {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: `cannot parse: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const shape = readShape(parsed);
  if (shape.unsupported.length > 0)
    return {
      ok: false,
      shape,
      reason: `uses ${shape.unsupported.join(', ')}, not available offline`,
    };
  try {
    const program = plan(ruleEnvironment().env, parsed) as Program;
    return { ok: true, shape, program };
  } catch (err) {
    return {
      ok: false,
      shape,
      reason: `cannot plan: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Parse, inspect and plan a rule (or a messageExpression); the same text is compiled once. */
export function compileRule(text: string): CompiledRule {
  let compiled = compiledRules.get(text);
  if (compiled === undefined) {
    compiled = compileUncached(text);
    // A hostile CRD could carry many distinct rules; the cache is bounded, not the CRD.
    if (compiledRules.size >= 4096) compiledRules.clear();
    compiledRules.set(text, compiled);
  }
  return compiled;
}
