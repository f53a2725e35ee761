// The machine format. Its shape is documented in docs/ci-gate.md and versioned by
// `schemaVersion`: fields are only ever added; a rename or removal bumps the version.
import type { CheckReport, LocatedFinding } from './check-report.ts';
import type { ReportOptions } from './check-report.ts';
import { findingFields, renderText } from '../render/messages.ts';

export const jsonSchemaVersion = 1;

const findingJson = (f: LocatedFinding): Record<string, unknown> => ({
  ...findingFields(f),
  source: f.source,
  line: f.line,
  column: f.column,
});

export function renderJson(report: CheckReport, _options: ReportOptions): string {
  const body = {
    schemaVersion: jsonSchemaVersion,
    summary: report.summary,
    entries: report.entries.map((e) => ({
      source: e.position.source,
      line: e.position.line,
      column: e.position.column,
      apiVersion: e.apiVersion,
      namespace: e.namespace,
      name: e.name,
      allowed: e.allowed,
      denials: e.denials.map(findingJson),
      warnings: e.warnings.map(findingJson),
      patch: e.patch,
    })),
    inputErrors: report.inputErrors.map((e) => ({
      source: e.source,
      line: e.line ?? null,
      column: e.column ?? null,
      message: renderText(e.message),
    })),
    skipped: report.skipped,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
