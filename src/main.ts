// The only file that reads process.argv and process.env and sets the exit code.
// Only what every command needs is imported up front: `check` and `--help` must not pay for
// loading Fastify, pino and prom-client, which only `serve` uses.
import { ConfigError, configurationTable, parseServeConfig } from './config.ts';
import { buildInfo } from './package-files.ts';

const usage = `Usage: mcpentry-webhook <command> [options]

Commands:
  serve     Run the admission webhook server (HTTPS).
  check     Validate MCPServerEntry manifests as the webhook would (CI policy gate).
  policy    Print a ValidatingAdmissionPolicy enforcing the lookup-free rules in the API server.
  version   Print the version.
  help      Show this help, or \`help serve\` for the server options.
`;

function version(): string {
  const { version, commit } = buildInfo();
  return `mcpentry-webhook ${version} (commit ${commit}, Node ${process.version})`;
}

async function serve(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: mcpentry-webhook serve [options]\n\n${configurationTable()}\n`);
    return;
  }
  let config;
  try {
    config = parseServeConfig(args, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mcpentry-webhook serve: invalid configuration: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const [{ createLogger, routeProcessWarnings }, { startServer }] = await Promise.all([
    import('./log.ts'),
    import('./server/serve.ts'),
  ]);
  const log = createLogger(config.logLevel);
  routeProcessWarnings(log);
  let server;
  try {
    server = await startServer(config, log, {
      inCluster: process.env['KUBERNETES_SERVICE_HOST'] !== undefined,
    });
  } catch (err) {
    log.fatal({ problem: err instanceof Error ? err.message : String(err) }, 'cannot start');
    log.flush();
    process.exitCode = 1;
    return;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      // A second signal means "now": skip the endpoint-drain delay.
      log.warn({ signal }, 'second signal: stopping without delay');
      void server.shutdown(0);
      return;
    }
    log.info({ signal }, 'signal received');
    server.shutdown().then(
      () => log.flush(),
      (err: unknown) => {
        log.error({ problem: String(err) }, 'shutdown failed');
        log.flush();
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(rest);
      return;
    case 'check': {
      const { runCheck } = await import('./cli/check.ts');
      process.exitCode = await runCheck(rest, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        cwd: process.cwd(),
      });
      return;
    }
    case 'policy': {
      const { runPolicyCommand } = await import('./cli/policy-command.ts');
      process.exitCode = runPolicyCommand(rest, { stdout: process.stdout, stderr: process.stderr });
      return;
    }
    case 'version':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      if (rest[0] === 'serve')
        process.stdout.write(
          `Usage: mcpentry-webhook serve [options]\n\n${configurationTable()}\n`,
        );
      else process.stdout.write(usage);
      return;
    default:
      process.stderr.write(
        `mcpentry-webhook: unknown command ${JSON.stringify(command)}\n\n${usage}`,
      );
      process.exitCode = 2;
  }
}

await main(process.argv.slice(2));
