// The layer decomposition's servers (bench/decompose.ts) each do the work their name says: the
// layers below `engine` allow even a review the engine denies, and from `engine` on the real
// rules judge it (the smoke's answer check: status, uid, verdict, number of causes). Without
// this a layer could silently stop doing its work and the table in bench/README.md would
// attribute time to the wrong piece. Nothing is timed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { layers, startLayer, type Layer } from '../../bench/decompose.ts';
import { scenarioByName } from '../../bench/payloads.ts';
import { writeCertificates } from '../../bench/servers.ts';
import { checkAnswer, postH1 } from '../../bench/smoke.ts';

const rulesFrom: Layer = 'engine';

test(
  'decompose: each layer answers as the work it includes decides',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpentry-decompose-test-'));
    try {
      const certs = await writeCertificates(dir);
      const agent = new Agent({ ca: certs.ca, keepAlive: false });
      const cases = [
        ...layers.map((layer) => ({
          layer,
          spin: 0,
          judges: layers.indexOf(layer) >= layers.indexOf(rulesFrom),
        })),
        { layer: 'decode' as const, spin: 20, judges: false },
      ];
      for (const { layer, spin, judges } of cases) {
        const server = await startLayer(layer, certs, spin);
        try {
          for (const scenario of ['create-allowed', 'create-denied'].map(scenarioByName)) {
            const uid = randomUUID();
            const body = JSON.stringify(scenario.review(uid));
            const answer = await postH1(agent, `${server.url}${scenario.path}`, body);
            checkAnswer(scenario, uid, answer, judges, `${layer}${spin > 0 ? ' + spin' : ''}`);
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
