// The golden-file table: each case is a `check` command line over test/fixtures/cli/, run in
// every output format. `npm run golden` rewrites test/golden/ from it; golden.test.ts compares.
// Review regenerated files as diffs: they are the CLI's specification.
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { outputFormats, type OutputFormat } from '../../src/cli/check-args.ts';
import { runCheck } from '../../src/cli/check.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const goldenDir = fileURLToPath(new URL('../golden/', import.meta.url));

export interface GoldenCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly exitCode: 0 | 1 | 2;
  /** Formats to pin; all five unless the case only varies one aspect. */
  readonly formats?: readonly OutputFormat[];
}

const fixtures = 'test/fixtures/cli';

export const goldenCases: readonly GoldenCase[] = [
  { name: 'valid', args: [`${fixtures}/valid`], exitCode: 0 },
  { name: 'denied', args: [`${fixtures}/denied`], exitCode: 1 },
  { name: 'warnings', args: [`${fixtures}/warnings`], exitCode: 0 },
  {
    name: 'warnings-as-errors',
    args: ['--warnings-as-errors', `${fixtures}/warnings`],
    exitCode: 1,
    formats: ['text', 'json'],
  },
  { name: 'broken', args: [`${fixtures}/broken`], exitCode: 2 },
  { name: 'show-defaults', args: ['--show-defaults', `${fixtures}/valid`], exitCode: 0 },
  {
    name: 'missing-reference-error',
    args: [`${fixtures}/no-namespace`],
    exitCode: 1,
    formats: ['text', 'json'],
  },
  {
    name: 'missing-reference-warn',
    args: ['--references', 'warn', '--namespace', 'team-x', `${fixtures}/no-namespace`],
    exitCode: 0,
    formats: ['text', 'json'],
  },
  {
    name: 'missing-reference-ignore',
    args: ['--references=ignore', `${fixtures}/no-namespace/entries.yaml`],
    exitCode: 0,
    formats: ['text'],
  },
];

export const goldenExtension: Readonly<Record<OutputFormat, string>> = {
  text: 'txt',
  json: 'json',
  junit: 'junit.xml',
  sarif: 'sarif.json',
  github: 'github.txt',
};

export const goldenFile = (c: GoldenCase, format: OutputFormat): string =>
  `${goldenDir}${c.name}.${goldenExtension[format]}`;

export const formatsOf = (c: GoldenCase): readonly OutputFormat[] => c.formats ?? outputFormats;

export interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** runCheck in-process, with the repository as working directory and no terminal. */
export async function runCheckCaptured(
  argv: readonly string[],
  options: { stdin?: string; env?: Record<string, string>; isTTY?: boolean } = {},
): Promise<CheckRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await runCheck([...argv], {
    stdin: Readable.from([options.stdin ?? '']),
    stdout: Object.assign(stdout, { isTTY: options.isTTY ?? false }),
    stderr,
    env: options.env ?? {},
    cwd: repoRoot,
  });
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
