// `check` without main.ts: only the CLI's own start-up, to tell its cost apart from whatever
// main.ts loads before dispatching (see bench/check/README.md).
import { runCheck } from '../../src/cli/check.ts';

process.exitCode = await runCheck(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
