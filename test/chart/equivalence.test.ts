// The chart and the kustomize tree render the same objects for every documented choice
// (test/chart/cases.ts), ignoring only the labels Helm adds (and the order of env variables,
// which Kubernetes treats as a map; see normalize.ts). Where the chart generates the
// certificates, their bytes differ by nature; everything around them must still match.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../deploy/kustomize-render.ts';
import { generateCertificates } from '../../certs/generate.ts';
import { chartCases, type Certificates, type ChartCase } from './cases.ts';
import { startHelm, type Helm } from './helm.ts';
import { comparable, objectKey } from './normalize.ts';

let helm: Helm;
let certDir: string;
let certs: Certificates;

before(
  async () => {
    helm = await startHelm();
    certDir = await mkdtemp(join(tmpdir(), 'mcpentry-chart-certs-'));
    certs = await generateCertificates({
      service: 'mcpentry-webhook',
      namespace: 'mcpentry-webhook',
      outDir: certDir,
    });
    // The first run on a machine builds helm (minutes, once).
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  helm?.dispose();
  if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
});

const byKey = (objects: readonly KubeObject[], c: ChartCase): Map<string, unknown> =>
  new Map(objects.map((o) => [objectKey(o), comparable(o, c.generatedCertificates === true)]));

describe('helm template equals the kustomize rendering of the same choice', () => {
  // The cases need the certificates, which exist only once `before` ran; the names do not.
  for (const name of chartCases({ caCertPem: '', tlsCertPem: '', tlsKeyPem: '' }).map(
    (c) => c.name,
  )) {
    test(name, async () => {
      const c = chartCases(certs).find((x) => x.name === name);
      assert.ok(c);
      const fromChart = byKey(await helm.template(c.values, c.namespace), c);
      const fromKustomize = byKey(c.kustomize(), c);
      assert.deepEqual([...fromChart.keys()].sort(), [...fromKustomize.keys()].sort());
      for (const [key, object] of fromChart) {
        assert.deepEqual(object, fromKustomize.get(key), key);
      }
    });
  }
});
