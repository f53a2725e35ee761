// The install commands of the README's "Installing in a cluster" section, run as written, in a
// shell, against a real kube-apiserver (with stand-ins for cert-manager's CRDs): each must
// install the webhook server and register both webhook configurations with cert-manager's CA
// injection. The README lists them; this test reads them from there, so a changed command is
// a tested command.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../deploy/kustomize-render.ts';
import { startHelm, type Helm } from '../chart/helm.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { applyThirdPartyCrds } from './support/third-party-crds.ts';
import { runCaptured } from '../harness/run-captured.ts';

const startTimeout = { timeout: 30 * 60_000 };
const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

let cp: ControlPlane;
let helm: Helm;

before(async () => {
  cp = await startControlPlane({ crds: 'toolhive' });
  helm = await startHelm();
  await applyThirdPartyCrds(cp);
}, startTimeout);

after(async () => {
  await cp?.stop();
  helm?.dispose();
});

/** The shell lines of the section's code blocks that install (helm / kubectl), in order. */
async function installCommands(): Promise<string[]> {
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf('## Installing in a cluster');
  assert.notEqual(start, -1, 'README has no "Installing in a cluster" section');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => /^(helm install|kubectl apply -k) /.test(line));
}

/** Runs one README line in a shell, with our helm and kubectl first on PATH. */
async function runLine(line: string): Promise<void> {
  const result = await runCaptured('bash', ['-euc', line], {
    cwd: repoRoot,
    env: {
      ...helm.env,
      PATH: `${helm.binDir}:${cp.binDir}:${process.env['PATH'] ?? ''}`,
      KUBECONFIG: cp.kubeconfigPath,
    },
  });
  assert.equal(result.code, 0, `${line}\n${result.stderr}`);
}

/** What every install path must leave: the server's Deployment and both CA-injected webhooks. */
async function assertInstalled(line: string): Promise<void> {
  const deployment = await cp.kubectl(
    ['-n', 'mcpentry-webhook', 'get', 'deployment', 'mcpentry-webhook', '-o', 'name'],
    { allowFailure: true },
  );
  assert.equal(deployment.code, 0, `${line}: ${deployment.stderr}`);
  for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
    const injected = await cp.kubectl([
      'get',
      kind,
      'mcpentry-webhook',
      '-o',
      String.raw`jsonpath={.metadata.annotations.cert-manager\.io/inject-ca-from}`,
    ]);
    assert.equal(injected.stdout, 'mcpentry-webhook/mcpentry-webhook-serving', `${line}: ${kind}`);
  }
}

test('each install command of the README installs the webhook', async () => {
  const commands = await installCommands();
  assert.deepEqual(
    commands.map((c) => c.split(' ').slice(0, 2).join(' ')),
    ['helm install', 'kubectl apply'],
    'the README should give one helm and one kustomize command',
  );
  for (const line of commands) {
    await runLine(line);
    await assertInstalled(line);
    if (line.startsWith('helm ')) {
      // Make room for the next path (the namespace stays, as --create-namespace made it).
      await runLine('helm uninstall mcpentry-webhook --namespace mcpentry-webhook');
      const left = await cp.kubectl([
        'get',
        'validatingwebhookconfigurations,mutatingwebhookconfigurations',
        '-o',
        'name',
      ]);
      assert.equal(left.stdout.trim(), '', 'helm uninstall left webhook configurations');
    }
  }
});
