// Shared by the tests that install the project the way users do (npm tarball, pre-commit, the
// GitHub Action): the project packed once per test process, Node versions from the npm `node`
// package (cached outside the repository), and child processes with a chosen Node first on PATH.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The lowest Node the package supports (`engines`), as users get it from npm. */
export const oldestNode = '22.19.0';

export const cacheRoot = join(
  process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'),
  'mcpentry-webhook',
);

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a user's shell would give: ours minus npm's lifecycle variables, `binDir` first on PATH. */
export function userEnv(binDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  env['PATH'] = `${binDir}${delimiter}${process.env['PATH'] ?? ''}`;
  return { ...env, ...extra };
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Run {
  const child: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

export function mustRun(...args: Parameters<typeof run>): Run {
  const result = run(...args);
  if (result.code !== 0)
    throw new Error(
      `${args[0]} ${args[1].join(' ')} exited ${String(result.code)}\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

/** The directory holding the project's own Node 24 (the devDependency `node`). */
export const projectNodeBin = join(repoRoot, 'node_modules', '.bin');

/**
 * The bin directory of `pkg@version` from the npm registry (it must have a bin named like the
 * package): installed once into the cache (into a scratch directory, renamed into place, so an
 * interrupted install is never reused) and reused afterwards.
 */
function registryBinDir(pkg: string, version: string): string {
  const dir = join(cacheRoot, pkg, version);
  const bin = join(dir, 'node_modules', '.bin');
  if (existsSync(join(bin, pkg))) return bin;
  mkdirSync(dirname(dir), { recursive: true });
  const scratch = mkdtempSync(`${dir}.partial-`);
  writeFileSync(join(scratch, 'package.json'), '{"private":true}\n');
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--no-save', `${pkg}@${version}`], {
    cwd: scratch,
    env: userEnv(projectNodeBin),
  });
  try {
    renameSync(scratch, dir);
  } catch (err) {
    // Another test process won the race; its copy is as good.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(join(bin, pkg))) throw err;
  }
  return bin;
}

/** A bin directory whose `node` is `version` from the npm `node` package. */
export function nodeBinDir(version: string): string {
  return registryBinDir('node', version);
}

/** A bin directory whose `npm` is `version` of npm itself (it runs on the `node` found on PATH). */
export function npmBinDir(version: string): string {
  return registryBinDir('npm', version);
}

let packed: string | undefined;

/** `npm pack` of the working tree (prepack builds dist/), once per test process; the tarball's path. */
export function packedTarball(): string {
  if (packed !== undefined) return packed;
  const dest = mkdtempSync(join(tmpdir(), 'mcpentry-pack-'));
  process.once('exit', () => rmSync(dest, { recursive: true, force: true }));
  const result = mustRun('npm', ['pack', '--json', '--pack-destination', dest], {
    cwd: repoRoot,
    env: userEnv(projectNodeBin),
  });
  const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as {
    filename: string;
  }[];
  if (info === undefined) throw new Error(`npm pack printed no file: ${result.stdout}`);
  packed = join(dest, info.filename);
  return packed;
}

/** An allowed entry (with the group it names) and one the webhook denies (metadata endpoint). */
export const allowedManifest = `apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPGroup
metadata:
  name: tools
  namespace: tools
spec: {}
---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata:
  name: status-page
  namespace: tools
spec:
  remoteUrl: https://status.example.com/mcp
  transport: streamable-http
  groupRef:
    name: tools
`;

export const deniedManifest = allowedManifest.replace(
  'https://status.example.com/mcp',
  'http://169.254.169.254/latest/meta-data',
);
