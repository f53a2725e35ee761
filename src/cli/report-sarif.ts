// SARIF 2.1.0 for code scanning (GitHub's upload-sarif, GitLab, Azure DevOps): every finding
// is a result on the manifest line that holds the entry's field.
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { renderFieldPath, renderFinding, renderText } from '../render/messages.ts';
import { entryName, type CheckReport, type InputError } from './check-report.ts';
import type { ReportOptions } from './check-report.ts';

const inputErrorRule = 'input-error';

/** Relative paths stay relative (resolved against the checkout by the viewer). */
function artifactUri(source: string): string {
  if (isAbsolute(source)) return pathToFileURL(source).href;
  return source.split('/').map(encodeURIComponent).join('/');
}

function location(at: Omit<InputError, 'message'>): Record<string, unknown> {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(at.source) },
      ...(at.line === undefined
        ? {}
        : { region: { startLine: at.line, startColumn: at.column ?? 1 } }),
    },
  };
}

export function renderSarif(report: CheckReport, options: ReportOptions): string {
  const results: Record<string, unknown>[] = [];
  const ruleIds = new Set<string>();
  for (const e of report.inputErrors) {
    ruleIds.add(inputErrorRule);
    results.push({
      ruleId: inputErrorRule,
      level: 'error',
      message: { text: renderText(e.message) },
      locations: [location(e)],
    });
  }
  for (const entry of report.entries) {
    const name = renderText(entryName(entry));
    for (const [level, findings] of [
      ['error', entry.denials],
      ['warning', entry.warnings],
    ] as const) {
      for (const f of findings) {
        ruleIds.add(f.rule);
        results.push({
          ruleId: f.rule,
          level,
          message: { text: `${name}: ${renderFinding(f)}` },
          locations: [location(f)],
          properties: {
            field: renderFieldPath(f.path),
            type: f.type,
            namespace: entry.namespace,
            name: entry.name,
          },
        });
      }
    }
  }
  const rules = [...ruleIds].sort().map((id) => ({
    id,
    shortDescription: {
      text:
        id === inputErrorRule
          ? 'A manifest could not be read or parsed'
          : `MCPServerEntry admission rule ${id}`,
    },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mcpentry-webhook',
            version: options.toolVersion,
            rules,
          },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
