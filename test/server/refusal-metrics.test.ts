// What the server refuses before judging a review is counted, not only logged: 4xx answers by
// status, connections closed at --max-connections, and 503s from load shedding by pressure.
// Real server, real TLS, real clients; the counts are read from the server's own registry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { post, startTestServer, type TestServer } from '../support/test-server.ts';
import { busyTlsSockets } from '../support/slow-clients.ts';
import { WebhookMetrics } from '../../src/server/metrics.ts';

async function series(m: WebhookMetrics, name: string): Promise<Record<string, number>> {
  const metric = await m.registry.getSingleMetric(name)?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[Object.values(v.labels).join(',')] = v.value;
  return out;
}

describe('4xx answers and connection-cap refusals', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(['--body-limit', '2048', '--max-connections', '2']);
  });
  after(() => s.stop());

  test('400, 404, 413 and 415 are counted by status', async () => {
    const validate = `${s.url}/validate`;
    assert.equal((await post(validate, s.ca, '{not json')).status, 400);
    assert.equal((await post(validate, s.ca, 'x'.repeat(4096))).status, 413);
    assert.equal((await post(validate, s.ca, '{}', { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post(`${s.url}/nowhere`, s.ca, '{}')).status, 404);
    assert.equal((await post(`${s.url}/nowhere`, s.ca, '{}')).status, 404);
    assert.deepEqual(await series(s.server.metrics, 'mcpentry_webhook_http_refusals_total'), {
      '400': 1,
      '404': 2,
      '413': 1,
      '415': 1,
      other: 0,
    });
  });

  test('a connection over --max-connections is closed and counted', async () => {
    const metric = 'mcpentry_webhook_connections_refused_total';
    const before = (await series(s.server.metrics, metric))[''] ?? 0;
    const open = (): Promise<TLSSocket> =>
      new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: s.server.port, ca: s.ca });
        socket.once('secureConnect', () => resolve(socket));
        socket.once('error', () => resolve(socket));
        socket.once('close', () => resolve(socket));
      });
    // Busy connections: idle ones would be closed to make room instead.
    const held = await busyTlsSockets(s.server.port, s.ca, 2);
    const third = await open();
    await new Promise((resolve) =>
      third.closed ? resolve(undefined) : third.once('close', resolve),
    );
    assert.equal((await series(s.server.metrics, metric))[''], before + 1);
    for (const socket of held) socket.destroy();
  });
});

test('shed reviews are counted by pressure, every series present from the start', async () => {
  const m = new WebhookMetrics();
  assert.deepEqual(await series(m, 'mcpentry_webhook_shed_total'), {
    eventLoopDelay: 0,
    bytesInFlight: 0,
  });
  m.shedReview('bytesInFlight');
  m.shedReview('bytesInFlight');
  m.shedReview('eventLoopDelay');
  m.httpRefusal(418);
  assert.deepEqual(await series(m, 'mcpentry_webhook_shed_total'), {
    eventLoopDelay: 1,
    bytesInFlight: 2,
  });
  assert.equal((await series(m, 'mcpentry_webhook_http_refusals_total'))['other'], 1);
});
