// The container image as users run it, on Docker Engine (Debian's docker.io, started by
// .ci/install.d/20-docker.sh): built by image/build.sh (FROM scratch, no registry), inspected
// for what it must and must not hold, then run with the TLS pair mounted read-only and its
// port published on 127.0.0.1 only, registered as the URL webhook of a real kube-apiserver,
// where `kubectl apply` is denied for a bad entry and allowed for a good one; `docker stop`'s
// SIGTERM drains (not ready at once, still answering during the delay, exit 0).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { freeLoopbackPort } from '../harness/ports.ts';
import { probe } from '../harness/readiness.ts';
import { writeWebhookTls, type WebhookTlsFiles } from '../harness/webhook-serve.ts';
import {
  denialPrefix,
  registerDevUrlWebhooks,
  waitForWebhookActive,
} from '../e2e/support/activation.ts';
import { allowedManifest, deniedManifest, repoRoot } from '../package/support.ts';
import { webhookContainer, deploymentOf, renderOverlay } from '../deploy/rendered.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};
const image = `mcpentry-webhook:${pkg.version}`;
const uid = 65532;
// In `default`, naming a group of the bundled examples (the container's reference source
// when it has no cluster credentials), with the cloud metadata endpoint as its URL.
const deniedEntry = readFileSync(join(repoRoot, 'examples/entry-status-page.yaml'), 'utf8')
  .replace('name: status-page', 'name: metadata-probe')
  .replace(/remoteUrl: .*/, 'remoteUrl: http://169.254.169.254/latest/meta-data');

function docker(
  args: string[],
  input = '',
): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync('docker', args, { input, encoding: 'utf8', timeout: 300_000 });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function mustDocker(args: string[], input = ''): string {
  const run = docker(args, input);
  assert.equal(run.code, 0, `docker ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

interface ImageConfig {
  Size: number;
  Config: {
    User: string;
    Entrypoint: string[];
    Labels: Record<string, string>;
    Env: string[];
  };
}

let config: ImageConfig;
let files: string[] = [];
/** The commit the image is built from, read before the build starts. */
let head = '';

before(
  () => {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    // The recipe releases use (image/stage.sh + image/Dockerfile), built for this machine.
    const built = execFileSync('bash', [join(repoRoot, 'image/build.sh')], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    assert.equal(built, image);
    [config] = JSON.parse(mustDocker(['image', 'inspect', image])) as [ImageConfig];
    const container = mustDocker(['create', image]).trim();
    try {
      const tar = spawnSync('sh', ['-c', `docker export ${container} | tar -t`], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      files = tar.stdout.split('\n').filter((f) => f !== '');
    } finally {
      docker(['rm', container]);
    }
  },
  { timeout: 20 * 60_000 },
);

describe('the image', () => {
  test('is under 150 MB uncompressed', () => {
    console.log(`# image ${image}: ${(config.Size / 1e6).toFixed(1)} MB uncompressed`);
    assert.ok(config.Size < 150_000_000, `${config.Size} bytes`);
  });

  test('runs as the non-root uid the Deployment expects', () => {
    assert.equal(config.Config.User, `${uid}:${uid}`);
    const container = webhookContainer(deploymentOf(renderOverlay('base')));
    assert.equal(container.securityContext?.runAsUser, uid);
  });

  test('has no shell, no package manager, no npm: only the libraries Node needs', () => {
    assert.ok(files.length > 0);
    const present = (path: string) => files.some((f) => f.replace(/\/$/, '') === path);
    assert.ok(present('usr/local/bin/node'));
    assert.ok(present('app/dist/main.js'));
    assert.ok(present('app/LICENSE'), 'the license ships with the application');
    for (const path of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/dpkg', 'usr/bin/apt'])
      assert.ok(!present(path), `${path} is absent`);
    assert.deepEqual(
      files.filter((f) => /(^|\/)(npm|npx|corepack|node_modules)(\/|$)/.test(f)),
      [],
    );
    const sh = docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', 'true']);
    assert.notEqual(sh.code, 0);
    assert.match(sh.stderr, /executable file not found/);
  });

  test('carries the OCI labels: version and the commit it was built from', () => {
    const labels = config.Config.Labels;
    assert.equal(labels['org.opencontainers.image.version'], pkg.version);
    assert.equal(labels['org.opencontainers.image.title'], 'mcpentry-webhook');
    assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.ok(labels['org.opencontainers.image.revision']?.startsWith(head), head);
  });

  test('check runs in it on a read-only root filesystem (denied 1, allowed 0)', () => {
    const run = (input: string) =>
      docker(['run', '--rm', '-i', '--read-only', '--network', 'none', image, 'check', '-'], input);
    const denied = run(deniedManifest);
    assert.equal(denied.code, 1, denied.stderr);
    assert.match(denied.stdout, /\[remote-url\.metadata\]/);
    const allowed = run(allowedManifest);
    assert.equal(allowed.code, 0, allowed.stderr + allowed.stdout);
    const version = mustDocker(['run', '--rm', '--read-only', image, '--version']);
    assert.match(
      version,
      new RegExp(`^mcpentry-webhook ${pkg.version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{40}`),
    );
  });
});

describe('the image as the webhook of a real kube-apiserver', { timeout: 30 * 60_000 }, () => {
  let cp: ControlPlane;
  let tlsDir = '';
  let tls: WebhookTlsFiles;
  let port = 0;
  const name = `mcpentry-image-test-${process.pid}`;
  const removeContainer = () => spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' });

  before(async () => {
    process.once('exit', removeContainer);
    cp = await startControlPlane();
    tlsDir = mkdtempSync(join(tmpdir(), 'mcpentry-image-tls-'));
    tls = await writeWebhookTls(tlsDir, 'container');
    // As a Secret volume with fsGroup would: the key readable by the container's group only.
    chownSync(tls.keyFile, 0, uid);
    chmodSync(tls.keyFile, 0o640);
    chmodSync(tlsDir, 0o755);
    port = await freeLoopbackPort();
    mustDocker([
      'run',
      '--detach',
      '--name',
      name,
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--volume',
      `${tlsDir}:/etc/mcpentry-webhook/tls:ro`,
      '--publish',
      `127.0.0.1:${port}:8443`,
      image,
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '8443',
      '--tls-cert',
      '/etc/mcpentry-webhook/tls/tls.crt',
      '--tls-key',
      '/etc/mcpentry-webhook/tls/tls.key',
      '--shutdown-delay',
      '3',
    ]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await probe(`https://127.0.0.1:${port}/readyz`, { ca: tls.caPem }).catch(
        (error: Error) => ({ status: 0, body: error.message }),
      );
      if (answer.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`container not ready: ${answer.body}\n${docker(['logs', name]).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await registerDevUrlWebhooks(cp.kubectl, { port, caPem: tls.caPem });
    await waitForWebhookActive(cp.kubectl, 'default');
  });

  after(async () => {
    removeContainer();
    await cp?.stop();
    if (tlsDir !== '') rmSync(tlsDir, { recursive: true, force: true });
  });

  test('the port is published on 127.0.0.1 only', () => {
    const ports = mustDocker(['port', name, '8443/tcp']).trim().split('\n');
    assert.deepEqual(ports, [`127.0.0.1:${port}`]);
  });

  test('kubectl apply: a bad entry is denied by the containerised webhook', async () => {
    const result = await cp.kubectl(['apply', '-f', '-'], {
      input: deniedEntry,
      allowFailure: true,
    });
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes(`${denialPrefix}spec.remoteUrl`), result.stderr);
  });

  test('kubectl apply: a good entry is allowed', async () => {
    const result = await cp.kubectl([
      'apply',
      '-f',
      join(repoRoot, 'examples/entry-status-page.yaml'),
    ]);
    assert.match(result.stdout, /mcpserverentry\.toolhive\.stacklok\.dev\/status-page created/);
  });

  test('docker stop drains: not ready at once, still answering, then exit 0', async () => {
    // SIGTERM, then SIGKILL after 30 s (exit 137) if the server had not stopped by itself.
    const stopping = new Promise<number | null>((resolve) =>
      spawn('docker', ['stop', '--time', '30', name], { stdio: 'ignore' }).once('exit', resolve),
    );
    // During the shutdown delay /readyz says 503 while reviews are still answered.
    for (;;) {
      const answer = await probe(`https://127.0.0.1:${port}/readyz`, { ca: tls.caPem });
      if (answer.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const during = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: deniedEntry,
      allowFailure: true,
    });
    assert.ok(during.stderr.includes(denialPrefix), during.stderr);
    assert.equal(await stopping, 0);
    const exit = mustDocker(['inspect', '--format', '{{.State.ExitCode}}', name]).trim();
    assert.equal(exit, '0');
    const logs = docker(['logs', name]);
    assert.match(logs.stdout, /"msg":"signal received"/);
    assert.match(logs.stdout, /"msg":"stopped"/);
  });
});

describe("the README's docker run command", { timeout: 10 * 60_000 }, () => {
  // Run as written in the README's install table (it names the published image, which
  // image/build.sh also tags locally), with two changes a test needs: a free loopback port
  // instead of 8443, and --detach with a name so the test can stop it.
  const name = `mcpentry-readme-run-${process.pid}`;
  let work = '';
  after(() => {
    spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' });
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  test('serves the webhook over TLS from the mounted pair, on 127.0.0.1 only', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const command = /`(docker run [^`]+)`/.exec(
      readme.split('\n').find((l) => l.startsWith('| container image |')) ?? '',
    )?.[1];
    assert.ok(command, 'the README install table has a docker run command');
    assert.ok(command.includes('-p 127.0.0.1:8443:8443 '), command);
    work = mkdtempSync(join(tmpdir(), 'mcpentry-readme-run-'));
    const tlsDir = join(work, 'tls');
    mkdirSync(tlsDir);
    const tls = await writeWebhookTls(tlsDir, 'readme');
    chownSync(tls.keyFile, 0, uid);
    chmodSync(tls.keyFile, 0o640);
    chmodSync(tlsDir, 0o755);
    chmodSync(work, 0o755);
    const port = await freeLoopbackPort();
    const line = command
      .replace('docker run ', `docker run --detach --name ${name} `)
      .replace('-p 127.0.0.1:8443:8443 ', `-p 127.0.0.1:${port}:8443 `);
    const started = spawnSync('bash', ['-euc', line], { cwd: work, encoding: 'utf8' });
    assert.equal(started.status, 0, `${line}\n${started.stderr}`);
    assert.deepEqual(mustDocker(['port', name, '8443/tcp']).trim().split('\n'), [
      `127.0.0.1:${port}`,
    ]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await probe(`https://127.0.0.1:${port}/readyz`, { ca: tls.caPem }).catch(
        (error: Error) => ({ status: 0, body: error.message }),
      );
      if (answer.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`not ready: ${answer.body}\n${docker(['logs', name]).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    mustDocker(['stop', name]);
  });
});
