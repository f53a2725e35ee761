// The default, human format: `file:line:column: severity: namespace/name: field: message [rule]`,
// the shape compilers use, so editors and terminals turn it into links.
import type { JsonPatchOperation } from '../model/verdict.ts';
import { renderFinding, renderText as shown } from '../render/messages.ts';
import {
  entryName,
  exitCodeOf,
  summaryLine,
  type CheckReport,
  type LocatedFinding,
  positionText as where,
} from './check-report.ts';
import type { ReportOptions } from './check-report.ts';

type Paint = (code: string, text: string) => string;

export function describePatchOperation(op: JsonPatchOperation): string {
  return `${op.op} ${op.path}${op.value === undefined ? '' : ` ${JSON.stringify(op.value)}`}`;
}

export function renderText(report: CheckReport, options: ReportOptions): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_c, t) => t;
  const lines: string[] = [];
  for (const e of report.inputErrors) {
    lines.push(
      `${paint('1', shown(where(e)))}: ${paint('1;31', 'input error')}: ${shown(e.message)}`,
    );
  }
  for (const s of report.skipped) {
    lines.push(`${paint('1', s.source)}: ${paint('2', 'skipped')}: ${s.reason}`);
  }
  const findingLine = (f: LocatedFinding, name: string, severity: string, code: string): string =>
    `${paint('1', shown(where(f)))}: ${paint(code, severity)}: ${name}: ${renderFinding(f)} ${paint('2', `[${f.rule}]`)}`;
  for (const entry of report.entries) {
    const name = shown(entryName(entry));
    for (const f of entry.denials) lines.push(findingLine(f, name, 'error', '1;31'));
    for (const f of entry.warnings) lines.push(findingLine(f, name, 'warning', '33'));
    if (report.showDefaults) {
      for (const op of entry.patch) {
        lines.push(
          `${paint('1', shown(where(entry.position)))}: ${paint('36', 'default')}: ${name}: ${describePatchOperation(op)}`,
        );
      }
    }
  }
  const s = report.summary;
  const ok = exitCodeOf(report) === 0;
  if (lines.length > 0) lines.push('');
  lines.push(paint(ok ? '32' : '1;31', `${ok ? 'PASS' : 'FAIL'}: ${summaryLine(s)}`));
  return `${lines.join('\n')}\n`;
}
