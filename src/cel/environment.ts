// The CEL environment of a CRD validation rule offline: the CEL standard library, the strings
// extension, and the Kubernetes libraries implemented here (lists, regex, url, ip, cidr,
// quantity). The names it knows are listed once, so a rule that calls anything else can be
// reported as not checked before it runs instead of passing where that call is never reached.
import { celEnv, type CelEnv } from '@bufbuild/cel';
import { listFunctions } from './lib-lists.ts';
import { cidrFunctions, ipFunctions } from './lib-network.ts';
import { quantityFunctions } from './lib-quantity.ts';
import { regexFunctions } from './lib-regex.ts';
import { stringFunctions } from './lib-strings.ts';
import { urlFunctions } from './lib-urls.ts';
import { opaqueRegistry } from './opaque-types.ts';

export interface RuleEnvironment {
  readonly env: CelEnv;
  /** Names callable as `f(x)`, including qualified ones such as `ip.isCanonical`. */
  readonly functions: ReadonlySet<string>;
  /** Names callable as `x.f()`. */
  readonly methods: ReadonlySet<string>;
}

let shared: RuleEnvironment | undefined;

export function ruleEnvironment(): RuleEnvironment {
  if (shared !== undefined) return shared;
  const env = celEnv({
    registry: opaqueRegistry,
    funcs: [
      ...stringFunctions,
      ...listFunctions,
      ...regexFunctions,
      ...urlFunctions,
      ...ipFunctions,
      ...cidrFunctions,
      ...quantityFunctions,
    ],
  });
  const functions = new Set<string>();
  const methods = new Set<string>();
  for (const f of env.funcs) (f.target === undefined ? functions : methods).add(f.name);
  shared = { env, functions, methods };
  return shared;
}
