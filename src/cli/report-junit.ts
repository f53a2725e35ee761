// JUnit XML for CI test reports (GitLab's `artifacts:reports:junit`, Jenkins, GitHub test
// reporters): one test suite per file, one test case per entry; a denied entry is a failure,
// an unreadable document an error.
import { renderFinding, renderText } from '../render/messages.ts';
import {
  entryName,
  positionText,
  type CheckReport,
  type EntryResult,
  type InputError,
  type LocatedFinding,
} from './check-report.ts';
import type { ReportOptions } from './check-report.ts';
import { describePatchOperation } from './report-text.ts';

// XML 1.0 cannot carry most control characters even escaped; a hostile manifest must not be
// able to make the report unparseable, so they become visible U+ escapes, and so do the
// characters a terminal acts on or hides (C1 controls, bidi and zero-width), for whoever
// reads the report in one.
function escapeXml(s: string): string {
  return s
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffe\uffff]/g,
      (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    )
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

const findingText = (f: LocatedFinding): string =>
  `${renderText(f.source)}:${f.line}:${f.column}: ${renderFinding(f)} [${f.rule}]`;

interface Suite {
  readonly source: string;
  readonly entries: EntryResult[];
  readonly errors: InputError[];
}

function suitesOf(report: CheckReport): Suite[] {
  const bySource = new Map<string, Suite>();
  const suite = (source: string): Suite => {
    let s = bySource.get(source);
    if (s === undefined) {
      s = { source, entries: [], errors: [] };
      bySource.set(source, s);
    }
    return s;
  };
  for (const e of report.inputErrors) suite(e.source).errors.push(e);
  for (const e of report.entries) suite(e.position.source).entries.push(e);
  return [...bySource.values()];
}

function testCase(entry: EntryResult, showDefaults: boolean): string {
  const attrs = `classname="${escapeXml(entry.position.source)}" name="${escapeXml(`${renderText(entryName(entry))} (line ${entry.position.line})`)}"`;
  const body: string[] = [];
  if (!entry.allowed) {
    const count = entry.denials.length;
    body.push(
      `      <failure type="denied" message="${escapeXml(`denied: ${count} problem${count === 1 ? '' : 's'}`)}">${escapeXml(entry.denials.map(findingText).join('\n'))}</failure>`,
    );
  }
  const out = [
    ...entry.warnings.map((f) => `warning: ${findingText(f)}`),
    ...(showDefaults ? entry.patch.map((op) => `default: ${describePatchOperation(op)}`) : []),
  ];
  if (out.length > 0) body.push(`      <system-out>${escapeXml(out.join('\n'))}</system-out>`);
  return body.length === 0
    ? `    <testcase ${attrs}/>`
    : `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>`;
}

function errorCase(e: InputError): string {
  return [
    `    <testcase classname="${escapeXml(e.source)}" name="${escapeXml(e.line === undefined ? 'input' : `input (line ${e.line})`)}">`,
    `      <error type="input" message="${escapeXml(e.message)}">${escapeXml(`${positionText(e)}: ${e.message}`)}</error>`,
    '    </testcase>',
  ].join('\n');
}

export function renderJunit(report: CheckReport, _options: ReportOptions): string {
  const s = report.summary;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mcpentry-webhook check" tests="${s.entries + s.inputErrors}" failures="${s.denied}" errors="${s.inputErrors}">`,
  ];
  for (const suite of suitesOf(report)) {
    const failures = suite.entries.filter((e) => !e.allowed).length;
    lines.push(
      `  <testsuite name="${escapeXml(suite.source)}" tests="${suite.entries.length + suite.errors.length}" failures="${failures}" errors="${suite.errors.length}">`,
    );
    for (const e of suite.errors) lines.push(errorCase(e));
    for (const e of suite.entries) lines.push(testCase(e, report.showDefaults));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
