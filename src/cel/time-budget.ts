// Kubernetes bounds what a CEL rule may cost, because a rule in a CRD is code supplied by whoever
// wrote the CRD. `check --crd` runs rules from a user's file the same way, and CEL evaluation is
// synchronous: a timer cannot interrupt it. node:vm's `timeout` can: it terminates whatever
// JavaScript runs inside the call, so a rule that nests comprehensions over a big list stops
// after its budget instead of hanging the CLI.
import { Script, createContext } from 'node:vm';

const slot: { job: (() => unknown) | undefined } = { job: undefined };
const context = createContext({ run: () => slot.job?.() });
const script = new Script('run()');

export type Bounded<T> = { readonly done: true; readonly value: T } | { readonly done: false };

export function runWithinBudget<T>(budgetMs: number, job: () => T): Bounded<T> {
  slot.job = job;
  try {
    return { done: true, value: script.runInContext(context, { timeout: budgetMs }) as T };
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      return { done: false };
    throw err;
  } finally {
    slot.job = undefined;
  }
}
