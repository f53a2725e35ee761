// What one `check` run found, as plain data: the runner builds it, every reporter only prints
// it. Keeping this the single shape is what makes the five output formats agree.
import type { Finding } from '../policy/findings.ts';
import type { JsonPatchOperation } from '../policy/verdict.ts';

/** How the manifest reader names stdin (test/cli/reporters.test.ts keeps the two equal). */
export const stdinSource = '<stdin>';

/** Where a finding points: a file (or `-` for stdin, `cluster:` for audit mode), 1-based. */
export interface SourcePosition {
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

export interface LocatedFinding extends Finding, SourcePosition {}

export interface EntryResult {
  /** Start of the document that holds the entry. */
  readonly position: SourcePosition;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly allowed: boolean;
  readonly denials: readonly LocatedFinding[];
  readonly warnings: readonly LocatedFinding[];
  /** The defaulting patch the mutating webhook would apply. */
  readonly patch: readonly JsonPatchOperation[];
}

/**
 * Something that stopped a document or a file from being checked at all (exit code 2). A
 * problem with the whole file (unreadable, too large) has no line.
 */
export interface InputError {
  readonly source: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** `file:line:column`, or just `file` when there is no line. */
export function positionText(p: { source: string; line?: number; column?: number }): string {
  return p.line === undefined ? p.source : `${p.source}:${p.line}:${p.column ?? 1}`;
}

export interface CheckSummary {
  readonly entries: number;
  readonly allowed: number;
  readonly denied: number;
  /** Allowed entries that carry warnings. */
  readonly warned: number;
  /** Documents of other kinds (context for references, otherwise ignored). */
  readonly otherDocuments: number;
  readonly inputErrors: number;
}

export interface CheckReport {
  readonly entries: readonly EntryResult[];
  readonly inputErrors: readonly InputError[];
  readonly summary: CheckSummary;
  /** Print defaulting patches (text, junit, github); json always carries them. */
  readonly showDefaults: boolean;
}

export function summarize(
  entries: readonly EntryResult[],
  inputErrors: readonly InputError[],
  otherDocuments: number,
): CheckSummary {
  const denied = entries.filter((e) => !e.allowed).length;
  return {
    entries: entries.length,
    allowed: entries.length - denied,
    denied,
    warned: entries.filter((e) => e.allowed && e.warnings.length > 0).length,
    otherDocuments,
    inputErrors: inputErrors.length,
  };
}

/** Only the runner's caller decides the exit code, and only from the report. */
export function exitCodeOf(report: CheckReport, warningsAsErrors: boolean): 0 | 1 | 2 {
  if (report.inputErrors.length > 0) return 2;
  if (report.summary.denied > 0) return 1;
  if (warningsAsErrors && report.entries.some((e) => e.warnings.length > 0)) return 1;
  return 0;
}

/** `namespace/name`, the way kubectl names an object in messages. */
export const entryName = (e: EntryResult): string =>
  `${e.namespace === '' ? '' : `${e.namespace}/`}${e.name === '' ? '(unnamed)' : e.name}`;

/** The one-line summary shared by the text and github reporters. */
export function summaryLine(s: CheckSummary): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [
    `${plural(s.entries, 'MCPServerEntry')} checked`,
    `${s.allowed} allowed${s.warned > 0 ? ` (${s.warned} with warnings)` : ''}`,
    `${s.denied} denied`,
    `${plural(s.otherDocuments, 'other document')}`,
  ];
  if (s.inputErrors > 0) parts.push(plural(s.inputErrors, 'input error'));
  return parts.join(', ').replace('MCPServerEntrys', 'MCPServerEntries');
}
