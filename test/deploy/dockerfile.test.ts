// The image cannot be built here (no Docker engine), so this checks what can be checked by
// reading: that the Dockerfile agrees with package.json, the build config and the Deployment.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../deploy/kustomize-render.ts';
import { deploymentOf, renderOverlay, webhookContainer } from './rendered.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const buildConfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
};

/** Instructions with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

const stages = instructions.filter((i) => i.startsWith('FROM '));

describe('Dockerfile', () => {
  test('builds with the same npm script CI runs', () => {
    assert.ok(packageJson.scripts['build']);
    assert.ok(instructions.includes('RUN npm run build'));
  });

  test('the runtime stage gets production dependencies only', () => {
    assert.ok(instructions.some((i) => /^RUN npm ci --omit=dev --ignore-scripts\b/.test(i)));
  });

  test('the entry point is the compiled main in the build output directory', () => {
    assert.ok(instructions.includes('ENTRYPOINT ["node", "dist/main.js"]'));
    assert.equal(buildConfig.compilerOptions.outDir, 'dist');
    assert.equal(buildConfig.compilerOptions.rootDir, 'src');
  });

  test('runs as the non-root uid the Deployment expects, in production mode', () => {
    const user = instructions.filter((i) => i.startsWith('USER ')).at(-1);
    const uid = Number(user?.slice('USER '.length).split(':')[0]);
    const container = webhookContainer(deploymentOf(renderOverlay('base')));
    assert.equal(uid, container.securityContext?.runAsUser);
    assert.ok(instructions.includes('ENV NODE_ENV=production'));
  });

  test('multi-stage, with the last stage the runtime', () => {
    assert.ok(stages.length >= 2);
    assert.match(stages.at(-1) ?? '', / AS runtime$/);
  });

  test('the build context is an allow-list that leaves out keys and local state', () => {
    const lines = dockerignore.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(lines[0], '*');
    for (const line of lines.slice(1)) assert.ok(line.startsWith('!'), line);
    assert.ok(!lines.some((l) => l.startsWith('!certs') || l.startsWith('!.cluster')));
  });

  test('every file copied from the build context exists and passes .dockerignore', () => {
    const allowed = dockerignore
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = instructions
      .filter((i) => i.startsWith('COPY ') && !i.includes('--from='))
      .flatMap((i) => i.split(/\s+/).slice(1, -1));
    assert.ok(sources.length > 0);
    for (const source of sources) {
      assert.ok(existsSync(join(repoRoot, source)), source);
      assert.ok(allowed.includes(source.replace(/\/$/, '')), `${source} is in the build context`);
    }
  });
});
