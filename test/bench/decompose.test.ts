// The layer decomposition's servers (bench/decompose.ts) each do the work their name says: the
// layers below `engine` allow even a review the engine denies, and from `engine` on the real
// rules judge it. Without this a layer could silently stop doing its work and the table in
// bench/README.md would attribute time to the wrong piece. Nothing is timed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { layers, startLayer } from '../../bench/decompose.ts';
import { scenarioByName } from '../../bench/payloads.ts';
import { writeCertificates } from '../../bench/servers.ts';
import { postH1 } from '../../bench/smoke.ts';

interface Answer {
  response?: { uid?: string; allowed?: boolean };
}

test(
  'decompose: each layer answers as the work it includes decides',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpentry-decompose-test-'));
    try {
      const certs = await writeCertificates(dir);
      const agent = new Agent({ ca: certs.ca, keepAlive: false });
      const review = (name: string, uid: string): string => {
        const r = scenarioByName(name).review();
        (r['request'] as Record<string, unknown>)['uid'] = uid;
        return JSON.stringify(r);
      };
      const cases = [
        ...layers.map((layer) => ({
          layer,
          spin: 0,
          judges: !['stack', 'decode'].includes(layer),
        })),
        { layer: 'decode' as const, spin: 20, judges: false },
      ];
      for (const { layer, spin, judges } of cases) {
        const server = await startLayer(layer, certs, spin);
        try {
          for (const [scenario, allowedWhenJudged] of [
            ['create-allowed', true],
            ['create-denied', false],
          ] as const) {
            const uid = randomUUID();
            const answer = await postH1(agent, `${server.url}/validate`, review(scenario, uid));
            assert.equal(answer.status, 200, `${layer}: ${answer.body}`);
            const body = JSON.parse(answer.body) as Answer;
            assert.equal(body.response?.uid, uid, `${layer} echoes the uid`);
            assert.equal(
              body.response?.allowed,
              judges ? allowedWhenJudged : true,
              `${layer}${spin > 0 ? ` + ${spin} µs spin` : ''} on ${scenario}`,
            );
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
