// What one `check` run found, as plain data: the runner builds it, every reporter only prints
// it. Keeping this the single shape is what makes the five output formats agree.
import type { Finding } from '../model/findings.ts';
import type { JsonPatchOperation } from '../model/verdict.ts';

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

/** A file or directory deliberately not read (a Helm chart, --exclude, non-manifest YAML). */
export interface SkippedInput {
  readonly source: string;
  readonly reason: string;
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
  /** Files and directories not read (see `skipped`). */
  readonly skipped: number;
}

/** What fails a run besides denials and input errors (the runner's flags). */
export interface FailOn {
  readonly warnings: boolean;
  readonly noEntries: boolean;
}

/** How a reporter prints (reporters depend on this file, never on reporter.ts). */
export interface ReportOptions {
  /** ANSI colour: only on a terminal, and never with NO_COLOR. */
  readonly color: boolean;
  /** Our version, for formats that name the tool (SARIF). */
  readonly toolVersion: string;
}

export interface CheckReport {
  readonly entries: readonly EntryResult[];
  readonly inputErrors: readonly InputError[];
  readonly skipped: readonly SkippedInput[];
  readonly summary: CheckSummary;
  /** Set by the runner from its flags; reporters read the outcome only through exitCodeOf. */
  readonly failOn?: FailOn;
  /** Print defaulting patches (text, junit, github); json always carries them. */
  readonly showDefaults: boolean;
}

export function summarize(
  entries: readonly EntryResult[],
  inputErrors: readonly InputError[],
  otherDocuments: number,
  skipped = 0,
): CheckSummary {
  const denied = entries.filter((e) => !e.allowed).length;
  return {
    entries: entries.length,
    allowed: entries.length - denied,
    denied,
    warned: entries.filter((e) => e.allowed && e.warnings.length > 0).length,
    otherDocuments,
    inputErrors: inputErrors.length,
    skipped,
  };
}

/**
 * The exit code, decided only from the report; every reporter's PASS/FAIL comes from here too,
 * so "PASS" is never printed by a run that exits non-zero.
 */
export function exitCodeOf(report: CheckReport): 0 | 1 | 2 {
  if (report.inputErrors.length > 0) return 2;
  if (report.summary.denied > 0) return 1;
  if (report.failOn?.warnings === true && report.entries.some((e) => e.warnings.length > 0))
    return 1;
  if (report.failOn?.noEntries === true && report.entries.length === 0) return 1;
  return 0;
}

/** `namespace/name`, the way kubectl names an object in messages. */
export const entryName = (e: EntryResult): string =>
  `${e.namespace === '' ? '' : `${e.namespace}/`}${e.name === '' ? '(unnamed)' : e.name}`;

/** The one-line summary shared by the text and github reporters. */
export function summaryLine(s: CheckSummary): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [
    s.entries === 0 ? 'no MCPServerEntry found' : `${plural(s.entries, 'MCPServerEntry')} checked`,
    `${s.allowed} allowed${s.warned > 0 ? ` (${s.warned} with warnings)` : ''}`,
    `${s.denied} denied`,
    `${plural(s.otherDocuments, 'other document')}`,
  ];
  if (s.inputErrors > 0) parts.push(plural(s.inputErrors, 'input error'));
  if (s.skipped > 0) parts.push(`${s.skipped} skipped`);
  return parts.join(', ').replace('MCPServerEntrys', 'MCPServerEntries');
}
