// GitHub Actions workflow commands: each finding becomes an annotation on the pull request's
// diff. Values and properties are escaped as the runner expects (actions/toolkit's command.ts
// rules), or a message with a newline or a `::` would end the command early.
import { renderFinding, renderText } from '../render/messages.ts';
import {
  entryName,
  positionText,
  stdinSource,
  summaryLine,
  type CheckReport,
  type InputError,
} from './check-report.ts';
import type { ReportOptions } from './check-report.ts';
import { describePatchOperation } from './report-text.ts';

const escapeData = (s: string): string =>
  s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const escapeProperty = (s: string): string =>
  escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

function command(
  level: string,
  at: Omit<InputError, 'message'>,
  title: string,
  message: string,
): string {
  // Stdin and cluster objects have no file in the checkout: annotate without a location.
  const located = at.source !== stdinSource && !at.source.startsWith('cluster:');
  const props = [
    ...(located ? [`file=${escapeProperty(at.source)}`] : []),
    ...(located && at.line !== undefined ? [`line=${at.line}`, `col=${at.column ?? 1}`] : []),
    `title=${escapeProperty(title)}`,
  ];
  const prefix = located ? '' : `${positionText(at)}: `;
  return `::${level} ${props.join(',')}::${escapeData(renderText(prefix) + message)}`;
}

export function renderGithub(report: CheckReport, _options: ReportOptions): string {
  const lines: string[] = [];
  for (const e of report.inputErrors)
    lines.push(command('error', e, 'input error', renderText(e.message)));
  for (const entry of report.entries) {
    const name = renderText(entryName(entry));
    for (const f of entry.denials)
      lines.push(
        command('error', f, `MCPServerEntry denied (${f.rule})`, `${name}: ${renderFinding(f)}`),
      );
    for (const f of entry.warnings)
      lines.push(
        command('warning', f, `MCPServerEntry warning (${f.rule})`, `${name}: ${renderFinding(f)}`),
      );
    if (report.showDefaults && entry.patch.length > 0) {
      const ops = entry.patch.map(describePatchOperation).join('\n');
      lines.push(
        command('notice', entry.position, 'defaults the webhook would apply', `${name}:\n${ops}`),
      );
    }
  }
  for (const s of report.skipped) {
    lines.push(command('notice', { source: s.source }, 'skipped', s.reason));
  }
  lines.push(summaryLine(report.summary));
  return `${lines.join('\n')}\n`;
}
