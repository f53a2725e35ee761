// One interface, one implementation per output format (kubeconform's shape): a reporter turns
// a finished report into text and nothing else; it never decides the exit code.
import type { OutputFormat } from './check-args.ts';
import type { CheckReport, ReportOptions } from './check-report.ts';

export type { ReportOptions };
import { renderGithub } from './report-github.ts';
import { renderJson } from './report-json.ts';
import { renderJunit } from './report-junit.ts';
import { renderSarif } from './report-sarif.ts';
import { renderText } from './report-text.ts';

export type Reporter = (report: CheckReport, options: ReportOptions) => string;

export const reporters: Readonly<Record<OutputFormat, Reporter>> = {
  text: renderText,
  json: renderJson,
  junit: renderJunit,
  sarif: renderSarif,
  github: renderGithub,
};

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function useColor(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return isTTY === true && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
}
