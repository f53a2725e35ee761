// containerd for a one-node cluster (node-cluster.ts): Debian's containerd (it comes with
// docker.io) and runc, run with a config, root, state and socket of its own under the
// cluster's work dir, so it never touches the machine's other containerd (Docker's).
// Images reach it only by import (`docker save` | `ctr images import`); nothing is pulled.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logTail, startProcess, stopProcess, type ManagedProcess } from './processes.ts';
import { runCaptured } from './run-captured.ts';

/** The CRI plugin's Kubernetes namespace in containerd. */
export const criNamespace = 'k8s.io';

export interface ContainerdPaths {
  readonly dir: string;
  readonly socket: string;
  readonly root: string;
  readonly state: string;
  readonly configPath: string;
  readonly cniConfDir: string;
  readonly logPath: string;
}

export function containerdPaths(workDir: string): ContainerdPaths {
  const dir = join(workDir, 'containerd');
  return {
    dir,
    socket: join(dir, 'containerd.sock'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    configPath: join(dir, 'config.toml'),
    cniConfDir: join(dir, 'cni'),
    logPath: join(workDir, 'containerd.log'),
  };
}

export function containerdConfig(paths: ContainerdPaths, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${paths.root}"
state = "${paths.state}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${paths.socket}"

[ttrpc]
  address = "${paths.socket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(paths.dir, 'opt')}"

[${cri}]
  sandbox_image = "${sandboxImage}"
  # This sandbox may not lower oom_score_adj; without this every sandbox fails with
  # "runc create failed: can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Network namespaces live under our state dir, so teardown finds every one of them.
  netns_mounts_under_state_dir = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${paths.cniConfDir}"
  max_conf_num = 1
`;
}

/** Debian's containerd, runc and CNI plugins, or an error saying what to install. */
export function checkNodePackages(): void {
  const missing = [
    ['containerd', '/usr/bin/containerd', 'docker.io (or containerd)'],
    ['ctr', '/usr/bin/ctr', 'docker.io (or containerd)'],
    ['runc', '/usr/sbin/runc', 'runc'],
    ['CNI bridge plugin', '/usr/lib/cni/bridge', 'containernetworking-plugins'],
    ['iptables', '/usr/sbin/iptables', 'iptables'],
  ].filter(([, path]) => !existsSync(path ?? ''));
  if (missing.length > 0) {
    throw new Error(
      `the node cluster needs ${missing.map(([what, , pkg]) => `${what} (apt-get install ${pkg})`).join(', ')}; .ci/install.d/30-node.sh installs them`,
    );
  }
}

export async function startContainerd(
  paths: ContainerdPaths,
  opts: { sandboxImage: string; cniConfig: string; outliveParent: boolean },
): Promise<ManagedProcess> {
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(join(paths.cniConfDir, '10-bridge.conflist'), opts.cniConfig);
  await writeFile(paths.configPath, containerdConfig(paths, opts.sandboxImage));
  const proc = startProcess({
    name: 'containerd',
    command: '/usr/bin/containerd',
    args: ['--config', paths.configPath, '--log-level', 'warn'],
    logPath: paths.logPath,
    outliveParent: opts.outliveParent,
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`containerd exited:\n${await logTail(paths.logPath)}`);
    if ((await ctr(paths, ['version'], { allowFailure: true })).code === 0) return proc;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stopProcess(proc);
  throw new Error(`containerd did not answer on ${paths.socket}:\n${await logTail(paths.logPath)}`);
}

export async function ctr(
  paths: Pick<ContainerdPaths, 'socket'>,
  args: readonly string[],
  opts: { allowFailure?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await runCaptured('/usr/bin/ctr', [
    '--address',
    paths.socket,
    '--namespace',
    criNamespace,
    ...args,
  ]);
  if (result.code !== 0 && opts.allowFailure !== true)
    throw new Error(`ctr ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result;
}

/**
 * Imports an image tarball (docker save / OCI archive) into the CRI namespace. `source` is
 * a file path, or a command whose stdout is the tarball (`docker save NAME`).
 */
export async function importImage(
  paths: Pick<ContainerdPaths, 'socket'>,
  source: { file: string } | { command: string; args: readonly string[] },
): Promise<void> {
  const importArgs = [
    '--address',
    paths.socket,
    '--namespace',
    criNamespace,
    'images',
    'import',
    'file' in source ? source.file : '-',
  ];
  if ('file' in source) {
    const { code, stderr } = await runCaptured('/usr/bin/ctr', importArgs);
    if (code !== 0) throw new Error(`ctr images import ${source.file} failed: ${stderr.trim()}`);
    return;
  }
  const producer = spawn(source.command, [...source.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const consumer = spawn('/usr/bin/ctr', importArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
  producer.stdout.pipe(consumer.stdin);
  let errors = '';
  producer.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  consumer.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const ended = (child: ChildProcess): Promise<number> =>
    new Promise((resolve) => {
      child.once('error', () => resolve(1));
      child.once('close', (code) => resolve(code ?? 1));
    });
  const [made, taken] = await Promise.all([ended(producer), ended(consumer)]);
  if (made !== 0 || taken !== 0)
    throw new Error(
      `${source.command} ${source.args.join(' ')} | ctr images import failed: ${errors.trim()}`,
    );
}
