// The network of a one-node cluster (node-cluster.ts): a Linux bridge the test creates, the
// node's address on it, the pods' subnet behind it and a ClusterIP range routed into it.
//
// No pod traffic may leave the machine. Three things make sure of it:
// - pods get no default route: the CNI config routes only the service range through the
//   bridge, so any other destination is unreachable inside the pod;
// - the service range is routed to the bridge, so a ClusterIP that kube-proxy does not
//   answer stays on the bridge instead of following the host's default route;
// - a filter chain of our own, first in FORWARD, lets packets be forwarded only from the
//   bridge to the bridge (pod to pod) and drops anything else that enters or leaves it.
import { runCaptured } from './run-captured.ts';

export interface NodeNetwork {
  /** Bridge device name (at most 15 characters). */
  readonly bridge: string;
  /** The node's (and the API server's) address on the bridge; the pods' gateway. */
  readonly nodeIp: string;
  /** `a.b.c.0/24`: pod addresses come from here, the bridge holds `.1`. */
  readonly podCidr: string;
  /** `a.b.c.0/24`: the ClusterIP range (kube-apiserver --service-cluster-ip-range). */
  readonly serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP (the range's first address). */
  readonly kubernetesServiceIp: string;
  /** Our filter chain, jumped to from the start of FORWARD. */
  readonly chain: string;
}

async function run(command: string, args: readonly string[]): Promise<string> {
  const { code, stdout, stderr } = await runCaptured(command, args);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return stdout;
}

async function tryRun(command: string, args: readonly string[]): Promise<void> {
  await runCaptured(command, args).catch(() => undefined);
}

/** Every IPv4 route and address prefix on this machine, as text. */
async function takenPrefixes(): Promise<string> {
  const routes = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
  const addresses = await run('ip', ['-4', '-o', 'addr', 'show']);
  return `${routes}\n${addresses}`;
}

/**
 * Picks two /24s in 10.0.0.0/8 that nothing on this machine routes or holds yet: one for
 * the pods (and the node), one for Services.
 */
export async function chooseNodeNetwork(id: string): Promise<NodeNetwork> {
  const taken = await takenPrefixes();
  for (let attempt = 0; attempt < 50; attempt++) {
    const second = 200 + Math.floor(Math.random() * 50);
    const third = Math.floor(Math.random() * 127) * 2;
    const pods = `10.${second}.${third}`;
    const services = `10.${second}.${third + 1}`;
    // A route for a wider prefix (10.0.0.0/8, 10.200.0.0/16) would also cover them.
    const clash = new RegExp(
      `(^|\\s)10\\.(${second}\\.(${third}|${third + 1})\\.|0\\.0\\.0/8|${second}\\.0\\.0/1[0-6])`,
      'm',
    );
    if (clash.test(taken)) continue;
    return {
      bridge: `mcpn-${id}`,
      nodeIp: `${pods}.1`,
      podCidr: `${pods}.0/24`,
      serviceCidr: `${services}.0/24`,
      kubernetesServiceIp: `${services}.1`,
      chain: `MCPN-${id.toUpperCase()}`,
    };
  }
  throw new Error('found no free 10.x.y.0/24 pair for the node cluster');
}

export async function createNodeNetwork(net: NodeNetwork): Promise<void> {
  await run('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${net.nodeIp}/24`, 'dev', net.bridge]);
  await run('ip', ['link', 'set', net.bridge, 'up']);
  await run('ip', ['route', 'add', net.serviceCidr, 'dev', net.bridge, 'src', net.nodeIp]);
  await run('iptables', ['-w', '-N', net.chain]);
  await run('iptables', [
    '-w',
    '-A',
    net.chain,
    '-i',
    net.bridge,
    '-o',
    net.bridge,
    '-j',
    'ACCEPT',
  ]);
  await run('iptables', ['-w', '-A', net.chain, '-i', net.bridge, '-j', 'DROP']);
  await run('iptables', ['-w', '-A', net.chain, '-o', net.bridge, '-j', 'DROP']);
  await run('iptables', ['-w', '-I', 'FORWARD', '1', '-j', net.chain]);
}

/** Removes what createNodeNetwork made, and the pods' veths left on the bridge. Idempotent. */
export async function removeNodeNetwork(net: NodeNetwork): Promise<void> {
  const ports = await runCaptured('ip', ['-o', 'link', 'show', 'master', net.bridge]).catch(() => ({
    stdout: '',
  }));
  for (const line of ports.stdout.split('\n')) {
    const name = /^\d+:\s+([^@:\s]+)/.exec(line)?.[1];
    if (name !== undefined) await tryRun('ip', ['link', 'delete', name]);
  }
  await tryRun('ip', ['route', 'delete', net.serviceCidr, 'dev', net.bridge]);
  await tryRun('ip', ['link', 'delete', net.bridge]);
  // -D until it fails: a crashed start may have inserted the jump twice.
  for (let i = 0; i < 5; i++) {
    const { code } = await runCaptured('iptables', ['-w', '-D', 'FORWARD', '-j', net.chain]);
    if (code !== 0) break;
  }
  await tryRun('iptables', ['-w', '-F', net.chain]);
  await tryRun('iptables', ['-w', '-X', net.chain]);
}

/**
 * The CNI network config for containerd: the bridge above, no default route for pods.
 * `isGateway` stays off: the bridge already holds the gateway address, and the plugin would
 * otherwise switch the host's IPv4 forwarding on.
 */
export function cniConfig(net: NodeNetwork, ipamDir: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: net.bridge,
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: ipamDir,
            ranges: [[{ subnet: net.podCidr, gateway: net.nodeIp }]],
            // Only the service range goes through the node; nothing else is routable.
            routes: [{ dst: net.serviceCidr }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}
