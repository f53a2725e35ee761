// The project's image on the node cluster: built from the repository's own image recipe
// (unless Docker already has it), imported into the node's containerd, installed with the
// shipped self-signed overlay's install.sh, and waited for until its replicas are Ready.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kubectl } from './kubectl.ts';
import type { NodeCluster } from './node-cluster.ts';
import { runCaptured } from './run-captured.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const webhookNamespace = 'mcpentry-webhook';
export const webhookDeployment = 'mcpentry-webhook';
export const webhookSelector =
  'app.kubernetes.io/name=mcpentry-webhook,app.kubernetes.io/component=admission-webhook';

/** `mcpentry-webhook:<package.json version>`, the tag the base Deployment names. */
export function projectImage(): string {
  const { version } = JSON.parse(readFileSync(`${repo}package.json`, 'utf8')) as {
    version: string;
  };
  return `mcpentry-webhook:${version}`;
}

/**
 * The project's image, built from the working tree with the repository's own recipe
 * (`image/build.sh`; the root Dockerfile where that does not exist). Always built: Docker's
 * layer cache makes an unchanged tree cost seconds, and a stale image would test old code.
 */
export async function ensureProjectImage(): Promise<string> {
  const image = projectImage();
  const built = existsSync(`${repo}image/build.sh`)
    ? await runCaptured('bash', [`${repo}image/build.sh`, image], { cwd: repo })
    : await runCaptured('docker', ['build', '-t', image, repo]);
  if (built.code !== 0)
    throw new Error(`building ${image} failed:\n${built.stderr.split('\n').slice(-30).join('\n')}`);
  return image;
}

/** Environment for the shipped scripts: our kubectl first on PATH, the cluster's kubeconfig. */
export function scriptEnv(
  cluster: NodeCluster,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${cluster.controlPlane.binDir}:${process.env['PATH'] ?? ''}`,
    KUBECONFIG: cluster.controlPlane.kubeconfigPath,
    ...extra,
  };
}

/** deploy/overlays/self-signed/install.sh, exactly as the deploy README tells users to run it. */
export async function runSelfSignedInstall(
  cluster: NodeCluster,
  opts: { certsDir: string; image: string; rotate?: boolean },
): Promise<void> {
  const result = await runCaptured('sh', [`${repo}deploy/overlays/self-signed/install.sh`], {
    env: scriptEnv(cluster, {
      CERTS_DIR: opts.certsDir,
      IMAGE: opts.image,
      ...(opts.rotate === true ? { ROTATE: '1' } : {}),
    }),
  });
  if (result.code !== 0)
    throw new Error(`install.sh exited ${result.code}:\n${result.stderr.trim()}`);
}

/** Waits for the rollout (every replica updated and Ready); the error names the pods' state. */
export async function waitForRollout(kubectl: Kubectl, timeoutSeconds = 180): Promise<void> {
  const done = await kubectl(
    [
      '-n',
      webhookNamespace,
      'rollout',
      'status',
      `deployment/${webhookDeployment}`,
      `--timeout=${timeoutSeconds}s`,
    ],
    { allowFailure: true },
  );
  if (done.code === 0) return;
  const pods = await kubectl(['-n', webhookNamespace, 'get', 'pods', '-o', 'wide'], {
    allowFailure: true,
  });
  const events = await kubectl(
    ['-n', webhookNamespace, 'get', 'events', '--sort-by=.lastTimestamp'],
    { allowFailure: true },
  );
  throw new Error(
    `rollout of ${webhookDeployment} not done: ${done.stderr.trim()}\n${pods.stdout}\n${events.stdout.split('\n').slice(-25).join('\n')}`,
  );
}

/** The stream install.sh applies (deploy/render-self-signed.ts), e.g. to `kubectl delete` it. */
export async function renderSelfSigned(opts: { certsDir: string; image: string }): Promise<string> {
  const node = existsSync(`${repo}node_modules/.bin/node`)
    ? `${repo}node_modules/.bin/node`
    : process.execPath;
  const result = await runCaptured(node, [
    `${repo}deploy/render-self-signed.ts`,
    '--certs',
    opts.certsDir,
    '--image',
    opts.image,
  ]);
  if (result.code !== 0)
    throw new Error(`render-self-signed.ts exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}
