// The stand-in CRDs for cert-manager and the Prometheus Operator (test/deploy/fixtures/
// third-party-crds.yaml): their kinds can be stored and dry-run, though nobody acts on them.
// Applied once per control plane; returns when every one of them is Established.
import { readFile } from 'node:fs/promises';
import type { ControlPlane } from '../../harness/control-plane.ts';

const fixture = new URL('../../deploy/fixtures/third-party-crds.yaml', import.meta.url);

export async function applyThirdPartyCrds(cp: ControlPlane): Promise<void> {
  const standIns = await readFile(fixture, 'utf8');
  const names = [
    ...standIns.matchAll(/^kind: CustomResourceDefinition\n(?:.*\n)*? {2}name: (\S+)$/gm),
  ]
    .map((m) => m[1])
    .filter((n): n is string => n !== undefined);
  if (names.length === 0)
    throw new Error(`no CustomResourceDefinition found in ${fixture.pathname}`);
  await cp.kubectl(['apply', '-f', '-'], { input: standIns });
  await cp.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...names.map((n) => `crd/${n}`),
  ]);
}
