// `mcpentry-webhook check`: parse flags, gather entries (files or a cluster), judge each with
// the server's engine, print one report, return the exit code. main.ts sets it; nothing here
// calls process.exit, so output is never cut short.
import { checkUsage, parseCheckArgs, type CheckConfig } from './check-args.ts';
import type { CheckReport } from './check-report.ts';
import { buildInfo } from '../package-files.ts';

export interface CheckIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
}

async function buildReport(config: CheckConfig, io: CheckIo): Promise<CheckReport> {
  if (config.fromCluster) {
    const { auditCluster } = await import('./check-cluster.ts');
    return auditCluster(config);
  }
  const { checkFiles } = await import('./check-files.ts');
  return checkFiles(config, io);
}

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  const parsed = parseCheckArgs(argv, io.env);
  if (!parsed.ok) {
    io.stderr.write(`mcpentry-webhook check: ${parsed.message}\n`);
    return 2;
  }
  const config = parsed.config;
  if (config.help) {
    io.stdout.write(checkUsage);
    return 0;
  }
  // Everything past the flags loads only now, so `check --help` and usage errors stay instant.
  const [{ exitCodeOf }, { reporters, useColor }, { CheckSetupError }] = await Promise.all([
    import('./check-report.ts'),
    import('./reporter.ts'),
    import('./check-setup-error.ts'),
  ]);
  let report: CheckReport;
  try {
    report = await buildReport(config, io);
  } catch (err) {
    if (err instanceof CheckSetupError) {
      io.stderr.write(`mcpentry-webhook check: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  report = {
    ...report,
    failOn: { warnings: config.warningsAsErrors, noEntries: config.requireEntries },
  };
  const color = config.output === 'text' && useColor(io.stdout.isTTY, io.env);
  io.stdout.write(reporters[config.output](report, { color, toolVersion: buildInfo().version }));
  return exitCodeOf(report);
}
