// What the engine decides about one entry. The server turns it into an AdmissionReview
// response, the CLI into a report; neither adds a rule of its own.
import type { Finding } from './findings.ts';

/** One RFC 6902 operation; the mutating path only ever emits `add` and `replace`. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export interface Verdict {
  readonly allowed: boolean;
  /** Problems that deny (empty when allowed). */
  readonly denials: readonly Finding[];
  /** Problems that allow with a warning. */
  readonly warnings: readonly Finding[];
  /** Defaulting patch for the mutating path (empty when nothing to change). */
  readonly patch: readonly JsonPatchOperation[];
  /** Why no rules ran, if they did not (`spec-unchanged`, `being-deleted`, `not-an-entry`...). */
  readonly shortCircuit?: string;
}

/** Rule-level result: every rule module returns this pair, the engine merges them. */
export interface RuleResult {
  readonly denials: Finding[];
  readonly warnings: Finding[];
}

export const noFindings = (): RuleResult => ({ denials: [], warnings: [] });
