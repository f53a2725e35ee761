// A one-node Kubernetes cluster on this machine, for the pod-level e2e tests and
// `npm run cluster:up -- --node`: the control plane of control-plane.ts (etcd +
// kube-apiserver, bound to the node's address on a bridge the test creates),
// kube-controller-manager, kube-scheduler, a kubelet on Debian's containerd + runc with the
// CNI bridge plugin, and kube-proxy (iptables) answering the ClusterIP range on this machine.
// Everything runs as root (the kubelet and containerd need it).
//
// One node cluster at a time per machine: kube-proxy owns the host's KUBE-* iptables chains,
// and a second one would rewrite the first one's rules. A marker file records the running one.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmdirSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTool } from './binaries.ts';
import {
  checkNodePackages,
  containerdPaths,
  ctr,
  importImage,
  startContainerd,
} from './containerd.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import type { CrdSource } from './crds.ts';
import {
  chooseNodeNetwork,
  cniConfig,
  createNodeNetwork,
  removeNodeNetwork,
  type NodeNetwork,
} from './node-network.ts';
import { freeLoopbackPort } from './ports.ts';
import {
  forgetRemoveOnExit,
  groupIsAlive,
  logTail,
  removeOnExit,
  startProcess,
  stopProcess,
  stopProcessGroup,
  type ManagedProcess,
} from './processes.ts';
import { runCaptured } from './run-captured.ts';

export const nodeName = 'mcpentry-node';
/** The pod sandbox image: test/tools/node/pause in a FROM scratch image, never pulled. */
export const sandboxImage = 'localhost/mcpentry-pause:1';
const markerPath = '/run/mcpentry-node-cluster.json';

/** What teardown needs, also after the process that started the cluster is gone. */
export interface NodeClusterRecord {
  readonly workDir: string;
  readonly network: NodeNetwork;
  readonly containerdSocket: string;
  /** The kubelet's --cgroup-root (one per cluster, under every cgroup hierarchy). */
  readonly cgroupRoot: string;
  readonly kubeProxyBinary: string;
}

export interface NodeClusterProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
}

export interface NodeCluster {
  readonly controlPlane: ControlPlane;
  readonly network: NodeNetwork;
  readonly record: NodeClusterRecord;
  readonly binDir: string;
  /** Every process started, in start order (the control plane's first). */
  readonly processes: () => readonly NodeClusterProcess[];
  /** Imports a local Docker image (`docker save NAME`) into the node's containerd. */
  readonly importDockerImage: (name: string) => Promise<void>;
  /** The kubelet's log, for a failure message. */
  readonly kubeletLogTail: () => Promise<string>;
  /** Stops everything and removes the processes, containers, mounts, devices and rules. */
  readonly stop: () => Promise<void>;
  /** Seconds from the start to a Ready node with a default ServiceAccount. */
  readonly readySeconds: number;
}

export interface StartNodeClusterOptions {
  readonly crds?: CrdSource;
  /** Leave everything running after this Node process ends (cluster:up). */
  readonly outliveParent?: boolean;
  /**
   * How often the kubelet syncs every pod; a mounted Secret's new content appears within
   * about this period (plus the Secret watch's delay). Default 10s.
   */
  readonly syncFrequency?: string;
  /** Called as processes start, so that cluster:up can record them before anything fails. */
  readonly onProcess?: (proc: NodeClusterProcess, record: NodeClusterRecord) => Promise<void>;
}

interface Marker {
  readonly workDir: string;
  readonly containerdPid: number | undefined;
  /** Written once known, so that the next start can remove a cluster whose owner died. */
  readonly record?: NodeClusterRecord;
}

async function claimMachine(workDir: string): Promise<void> {
  let previous: Marker | undefined;
  try {
    previous = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
  } catch {
    previous = undefined;
  }
  if (
    previous !== undefined &&
    existsSync(previous.workDir) &&
    previous.containerdPid !== undefined &&
    groupIsAlive(previous.containerdPid)
  ) {
    throw new Error(
      `a node cluster is already running on this machine (work dir ${previous.workDir}); ` +
        'one at a time, as kube-proxy owns the host iptables chains. ' +
        'If cluster:up started it, `npm run cluster:down` stops it.',
    );
  }
  // The previous owner died without its teardown (a killed test run): remove what it left.
  if (previous?.record !== undefined && existsSync(previous.workDir))
    await tearDownNodeCluster(previous.record, () => Promise.resolve());
  await writeFile(markerPath, JSON.stringify({ workDir, containerdPid: undefined }));
}

async function markContainerd(record: NodeClusterRecord, pid: number): Promise<void> {
  const marker: Marker = { workDir: record.workDir, containerdPid: pid, record };
  await writeFile(markerPath, JSON.stringify(marker));
}

function cgroupHierarchies(): string[] {
  try {
    return readdirSync('/sys/fs/cgroup', { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join('/sys/fs/cgroup', entry.name));
  } catch {
    return [];
  }
}

async function createCgroupRoot(cgroupRoot: string): Promise<void> {
  for (const hierarchy of cgroupHierarchies())
    await mkdir(join(hierarchy, cgroupRoot), { recursive: true });
}

/** rmdir depth-first: a cgroup directory goes only when it has no children and no tasks. */
function removeCgroupTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return;
  }
  for (const child of entries) removeCgroupTree(child);
  try {
    rmdirSync(dir);
  } catch {
    // Still has tasks; nothing more to do without killing them.
  }
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Every process in the cgroups below `cgroupRoot` (cgroup v1: any hierarchy has them all). */
function cgroupPids(cgroupRoot: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
        if (/^\d+$/.test(line)) pids.add(Number(line));
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  for (const hierarchy of cgroupHierarchies()) walk(join(hierarchy, cgroupRoot));
  return [...pids];
}

/** Pids whose command line names our containerd socket (its shims). */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes('containerd-shim') && cmdline.includes(socket)) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * Removes what a node cluster leaves on the machine besides its processes: its containers
 * (killed through containerd while it still runs), containerd's shims, kube-proxy's iptables
 * rules, every mount under the work dir (container root filesystems, Secret and token
 * volumes, network namespaces), the kubelet's cgroups, the bridge with its veths, our
 * FORWARD chain and the work dir. `stopContainerd` stops the containerd process itself.
 * Idempotent; each step goes on when an earlier one failed.
 */
export async function tearDownNodeCluster(
  record: NodeClusterRecord,
  stopContainerd: () => Promise<void>,
): Promise<void> {
  const paths = { socket: record.containerdSocket };
  const tasks = await ctr(paths, ['tasks', 'ls', '-q'], { allowFailure: true });
  if (tasks.code === 0) {
    for (const id of tasks.stdout.split('\n').filter(Boolean))
      await ctr(paths, ['tasks', 'kill', '--signal', 'SIGKILL', id], { allowFailure: true });
    for (const id of tasks.stdout.split('\n').filter(Boolean))
      await ctr(paths, ['tasks', 'delete', '--force', id], { allowFailure: true });
    const containers = await ctr(paths, ['containers', 'ls', '-q'], { allowFailure: true });
    for (const id of containers.stdout.split('\n').filter(Boolean))
      await ctr(paths, ['containers', 'delete', id], { allowFailure: true });
  }
  await stopContainerd();
  // Whatever still runs in the pods' cgroups (containerd died before it could kill them, or
  // a crashed run left them): every process under our cgroup root is one this cluster started.
  for (const pid of cgroupPids(record.cgroupRoot)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const pid of shimPids(record.containerdSocket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (existsSync(record.kubeProxyBinary))
    await runCaptured(record.kubeProxyBinary, ['--cleanup']).catch(() => undefined);
  await removeKubeletChains();
  for (const point of mountsUnder(record.workDir))
    await runCaptured('umount', ['-l', point]).catch(() => undefined);
  for (const hierarchy of cgroupHierarchies()) removeCgroupTree(join(hierarchy, record.cgroupRoot));
  await removeNodeNetwork(record.network);
  await rm(record.workDir, { recursive: true, force: true });
  try {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
    if (marker.workDir === record.workDir) await rm(markerPath, { force: true });
  } catch {
    // No marker.
  }
}

/**
 * The kubelet's own iptables chains (kube-proxy --cleanup leaves them): KUBE-FIREWALL with
 * its INPUT/OUTPUT jumps, and the canary and hint chains it uses to notice a flush.
 */
async function removeKubeletChains(): Promise<void> {
  for (const command of ['iptables', 'ip6tables']) {
    const ipt = (args: string[]): Promise<unknown> =>
      runCaptured(command, ['-w', ...args]).catch(() => undefined);
    for (const chain of ['INPUT', 'OUTPUT']) await ipt(['-D', chain, '-j', 'KUBE-FIREWALL']);
    await ipt(['-F', 'KUBE-FIREWALL']);
    await ipt(['-X', 'KUBE-FIREWALL']);
    for (const table of ['filter', 'nat', 'mangle']) {
      await ipt(['-t', table, '-F', 'KUBE-KUBELET-CANARY']);
      await ipt(['-t', table, '-X', 'KUBE-KUBELET-CANARY']);
    }
    await ipt(['-t', 'mangle', '-X', 'KUBE-IPTABLES-HINT']);
  }
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  explain: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} not within ${timeoutMs / 1000}s\n${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The pause program in a FROM scratch image, built with Docker and imported into containerd. */
async function loadSandboxImage(binDir: string, workDir: string, socket: string): Promise<void> {
  const context = join(workDir, 'pause-image');
  await mkdir(context, { recursive: true });
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n',
  );
  await runCaptured('cp', [join(binDir, 'pause'), join(context, 'pause')]);
  const built = await runCaptured('docker', ['build', '-q', '-t', sandboxImage, context]);
  if (built.code !== 0)
    throw new Error(`docker build of the sandbox image failed: ${built.stderr}`);
  await importImage({ socket }, { command: 'docker', args: ['save', sandboxImage] });
}

export async function startNodeCluster(opts: StartNodeClusterOptions = {}): Promise<NodeCluster> {
  const started = Date.now();
  const outliveParent = opts.outliveParent ?? false;
  if (process.getuid?.() !== 0)
    throw new Error('the node cluster needs root (kubelet, containerd)');
  checkNodePackages();
  const binDir = await ensureTool('node');
  const id = randomBytes(3).toString('hex');
  // Short: unix socket paths under it must stay below 108 bytes.
  const workDir = await mkdtemp('/tmp/mcpn-');
  if (!outliveParent) removeOnExit(workDir);
  await claimMachine(workDir);
  const network = await chooseNodeNetwork(id);
  const paths = containerdPaths(workDir);
  const record: NodeClusterRecord = {
    workDir,
    network,
    containerdSocket: paths.socket,
    cgroupRoot: `/mcpentry-${id}`,
    kubeProxyBinary: join(binDir, 'kube-proxy'),
  };
  const processes: ManagedProcess[] = [];
  let controlPlane: ControlPlane | undefined;
  let containerd: ManagedProcess | undefined;
  const launched = async (proc: ManagedProcess): Promise<ManagedProcess> => {
    processes.push(proc);
    await opts.onProcess?.({ name: proc.name, pid: proc.pid, logPath: proc.logPath }, record);
    return proc;
  };
  const stop = async (): Promise<void> => {
    for (const proc of [...processes].reverse()) await stopProcess(proc);
    processes.length = 0;
    await controlPlane?.stop();
    controlPlane = undefined;
    await tearDownNodeCluster(record, async () => {
      if (containerd !== undefined) await stopProcess(containerd);
      containerd = undefined;
    });
    forgetRemoveOnExit(workDir);
  };
  try {
    await createNodeNetwork(network);
    controlPlane = await startControlPlane({
      crds: opts.crds ?? 'project',
      outliveParent,
      workDirParent: workDir,
      network: {
        address: network.nodeIp,
        serviceCidr: network.serviceCidr,
        serviceIp: network.kubernetesServiceIp,
      },
    });
    const cp = controlPlane;
    const ids = cp.processIds();
    for (const [name, pid] of [
      ['etcd', ids.etcd],
      ['kube-apiserver', ids.kubeApiServer],
    ] as const) {
      if (pid !== undefined)
        await opts.onProcess?.({ name, pid, logPath: join(cp.workDir, `${name}.log`) }, record);
    }
    const kubeconfig = cp.kubeconfigPath;
    const start = (name: string, args: string[]): Promise<ManagedProcess> =>
      launched(
        startProcess({
          name,
          command: join(binDir, name),
          args,
          logPath: join(workDir, `${name}.log`),
          outliveParent,
        }),
      );

    containerd = await startContainerd(paths, {
      sandboxImage,
      cniConfig: cniConfig(network, join(workDir, 'cni-ipam')),
      outliveParent,
    });
    // Not in `processes`: teardown still needs it to kill the containers.
    await opts.onProcess?.(
      { name: containerd.name, pid: containerd.pid, logPath: containerd.logPath },
      record,
    );
    await markContainerd(record, containerd.pid);
    await loadSandboxImage(binDir, workDir, paths.socket);

    await start('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      `--root-ca-file=${join(cp.workDir, 'ca.crt')}`,
      `--service-account-private-key-file=${join(cp.workDir, 'sa.key')}`,
      '--use-service-account-credentials=false',
      `--service-cluster-ip-range=${network.serviceCidr}`,
      '--cluster-name=mcpentry',
      '--v=1',
    ]);
    await start('kube-scheduler', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--v=1',
    ]);

    await createCgroupRoot(record.cgroupRoot);
    const kubeletDir = join(workDir, 'kubelet');
    await mkdir(join(workDir, 'pod-logs'), { recursive: true });
    await mkdir(kubeletDir, { recursive: true });
    const kubeletConfig = join(workDir, 'kubelet-config.yaml');
    await writeFile(
      kubeletConfig,
      JSON.stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        address: network.nodeIp,
        port: await freeLoopbackPort(),
        healthzBindAddress: '127.0.0.1',
        healthzPort: await freeLoopbackPort(),
        readOnlyPort: 0,
        cgroupDriver: 'cgroupfs',
        cgroupRoot: record.cgroupRoot,
        failSwapOn: false,
        containerRuntimeEndpoint: `unix://${paths.socket}`,
        // Only the API server calls the kubelet (logs, exec), over the node's bridge address.
        authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
        authorization: { mode: 'AlwaysAllow' },
        podLogsDir: join(workDir, 'pod-logs'),
        syncFrequency: opts.syncFrequency ?? '10s',
        fileCheckFrequency: '0s',
        resolvConf: '',
        serializeImagePulls: false,
        maxPods: 30,
        // A shared CI disk must not make the node evict the webhook mid-test.
        evictionHard: {
          'memory.available': '50Mi',
          'nodefs.available': '1%',
          'imagefs.available': '1%',
        },
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        // Images come only from import; they must never be garbage-collected.
        imageMinimumGCAge: '8760h',
      }),
    );
    await start('kubelet', [
      `--config=${kubeletConfig}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${kubeletDir}`,
      `--node-ip=${network.nodeIp}`,
      `--hostname-override=${nodeName}`,
      '--v=1',
    ]);

    const kubeProxyConfig = join(workDir, 'kube-proxy-config.yaml');
    await writeFile(
      kubeProxyConfig,
      JSON.stringify({
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        clientConnection: { kubeconfig },
        mode: 'iptables',
        hostnameOverride: nodeName,
        bindAddress: network.nodeIp,
        healthzBindAddress: `127.0.0.1:${await freeLoopbackPort()}`,
        metricsBindAddress: `127.0.0.1:${await freeLoopbackPort()}`,
        clusterCIDR: network.podCidr,
        // NodePorts only on the bridge address, never on the machine's own interfaces.
        nodePortAddresses: [`${network.nodeIp}/32`],
        // Leave the host's conntrack settings alone (this sandbox may not change them).
        conntrack: {
          maxPerCore: 0,
          min: 0,
          tcpEstablishedTimeout: '0s',
          tcpCloseWaitTimeout: '0s',
          udpTimeout: '0s',
          udpStreamTimeout: '0s',
        },
        iptables: { minSyncPeriod: '0s', syncPeriod: '30s' },
      }),
    );
    await start('kube-proxy', [`--config=${kubeProxyConfig}`, '--v=1']);

    const logs = async (): Promise<string> => {
      const parts: string[] = [];
      for (const proc of processes)
        parts.push(`--- ${proc.name} ---\n${await logTail(proc.logPath, 15)}`);
      return parts.join('\n');
    };
    const alive = (): void => {
      const dead = processes.find((proc) => proc.hasExited());
      if (dead !== undefined) throw new Error(`${dead.name} exited; log: ${dead.logPath}`);
    };
    await waitFor(
      `node ${nodeName} Ready`,
      120_000,
      async () => {
        alive();
        const got = await cp.kubectl(
          [
            'get',
            'node',
            nodeName,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ],
          { allowFailure: true },
        );
        return got.code === 0 && got.stdout.trim() === 'True' ? true : undefined;
      },
      logs,
    );
    await waitFor(
      'the default ServiceAccount',
      60_000,
      async () => {
        alive();
        const got = await cp.kubectl(['get', 'serviceaccount', 'default', '-n', 'default'], {
          allowFailure: true,
        });
        return got.code === 0 ? true : undefined;
      },
      logs,
    );
    const readySeconds = (Date.now() - started) / 1000;
    return {
      controlPlane: cp,
      network,
      record,
      binDir,
      readySeconds,
      processes: () => {
        const ids = cp.processIds();
        const base: NodeClusterProcess[] = [];
        if (ids.etcd !== undefined)
          base.push({ name: 'etcd', pid: ids.etcd, logPath: join(cp.workDir, 'etcd.log') });
        if (ids.kubeApiServer !== undefined)
          base.push({
            name: 'kube-apiserver',
            pid: ids.kubeApiServer,
            logPath: join(cp.workDir, 'kube-apiserver.log'),
          });
        if (containerd !== undefined)
          base.push({ name: 'containerd', pid: containerd.pid, logPath: containerd.logPath });
        return [
          ...base,
          ...processes.map((proc) => ({ name: proc.name, pid: proc.pid, logPath: proc.logPath })),
        ];
      },
      importDockerImage: (name) =>
        importImage({ socket: paths.socket }, { command: 'docker', args: ['save', name] }),
      kubeletLogTail: () => logTail(join(workDir, 'kubelet.log'), 60),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** For cluster:down: stops recorded process groups, then tears the node down. */
export async function tearDownRecordedNodeCluster(
  record: NodeClusterRecord,
  containerdPgid: number | undefined,
): Promise<void> {
  await tearDownNodeCluster(record, async () => {
    if (containerdPgid !== undefined) await stopProcessGroup(containerdPgid);
  });
}
