// One published image location. The release workflow's `env` is the one place naming the
// registry and organisation (image/published-name.sh reads it); what users install by default
// must pull from there: the chart's image.repository, deploy/base's image and the README's
// `docker run`. Tests that run a locally built image override these (values, IMAGE=, --image).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deploymentOf, renderOverlay, webhookContainer } from '../deploy/rendered.ts';
import { repoRoot } from './support.ts';

const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};
const published = execFileSync(join(repoRoot, 'image/published-name.sh'), {
  encoding: 'utf8',
}).trim();

test('the release workflow names a registry and organisation, and pushes the image there', () => {
  assert.match(published, /^[a-z0-9.-]+\/[a-z0-9][a-z0-9_.-]*\/mcpentry-webhook$/);
  const release = readFileSync(join(repoRoot, '.github/workflows/release.yml'), 'utf8');
  assert.ok(release.includes('tags: ${{ env.REGISTRY }}/${{ env.ORG }}/mcpentry-webhook:'));
  assert.ok(release.includes('cosign sign --yes "$REGISTRY/$ORG/mcpentry-webhook@$DIGEST"'));
});

test("the chart's default image.repository is the published image", () => {
  const values = parse(
    readFileSync(join(repoRoot, 'deploy/chart/mcpentry-webhook/values.yaml'), 'utf8'),
  ) as { image: { repository: string } };
  assert.equal(values.image.repository, published);
});

test('deploy/base runs the published image at the package version', () => {
  const container = webhookContainer(deploymentOf(renderOverlay('base')));
  assert.equal(container.image, `${published}:${version}`);
});

test("the README's docker run pulls the published image", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.includes('`docker run '));
  assert.ok(line, 'README has a docker run command');
  assert.ok(line.includes(` ${published}:${version} `), line);
});
