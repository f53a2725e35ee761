// The idle-slot attack on --max-connections: a client opens the cap's worth of connections,
// sends one review on each and keeps them open (keep-alive is 120 s). Node's cap alone then
// refuses every new connection, the API server's included. The server must close the
// longest-idle connections to make room, and never a connection with a request in flight.
// Real server, real TLS, raw sockets for the attacker, the test's HTTPS client for the victim.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { entry, review } from '../support/reviews.ts';
import { busyTlsSockets, keptAliveAfterOneReview, openTls } from '../support/slow-clients.ts';
import { post, startTestServer } from '../support/test-server.ts';
import { minIdleMs } from '../../src/server/connection-room.ts';

const body = JSON.stringify(review('CREATE', entry()));

async function counter(s: Awaited<ReturnType<typeof startTestServer>>, name: string) {
  const metric = await s.server.metrics.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

// Waiting is not what is asserted: only connections idle at least minIdleMs may be closed, so
// the test lets that much pass; a slower machine only makes them idler.
const idleLongEnough = (): Promise<void> => new Promise((r) => setTimeout(r, minIdleMs + 300));

function closed(socket: TLSSocket): boolean {
  return socket.destroyed || socket.readyState === 'closed';
}

test('idle keep-alive connections holding every slot make room for a new client', async () => {
  const s = await startTestServer(['--max-connections', '4']);
  const attack = await keptAliveAfterOneReview(s.server.port, s.ca, 4, body);
  try {
    assert.deepEqual(attack.statusLines, Array(4).fill('HTTP/1.1 200 OK'));
    await idleLongEnough();
    const answer = await post(`${s.url}/validate`, s.ca, body);
    assert.equal(answer.status, 200, 'the new client was served');
    assert.ok(
      attack.sockets.some(closed),
      'at least one idle attacker connection was closed to make room',
    );
    assert.ok((await counter(s, 'mcpentry_webhook_connections_evicted_total')) >= 1);
  } finally {
    for (const socket of attack.sockets) socket.destroy();
    await s.stop();
  }
});

test('connections with a request in flight are never closed to make room; the excess is refused', async () => {
  const s = await startTestServer(['--max-connections', '2']);
  const busy = await busyTlsSockets(s.server.port, s.ca, 2);
  try {
    await idleLongEnough();
    const outcome = await openTls(s.server.port, s.ca).then(
      (socket) =>
        new Promise<string>((resolve) => {
          // Node closes a connection over the cap before TLS; a handshake may still appear to
          // complete on a loaded machine, but the socket is closed at once.
          socket.once('close', () => resolve('closed'));
          socket.on('error', () => undefined);
        }),
      (err: Error) => `refused: ${err.message}`,
    );
    assert.match(outcome, /^(refused: |closed$)/);
    assert.equal(busy.filter(closed).length, 0, 'no busy connection was closed');
    assert.equal(await counter(s, 'mcpentry_webhook_connections_evicted_total'), 0);
    assert.ok((await counter(s, 'mcpentry_webhook_connections_refused_total')) >= 1);
  } finally {
    for (const socket of busy) socket.destroy();
    await s.stop();
  }
});

test('idle HTTP/2 sessions holding every slot make room too', async () => {
  const s = await startTestServer(['--max-connections', '3']);
  const sessions = await Promise.all(
    Array.from({ length: 3 }, async () => {
      const session = connect(s.url, { ca: s.ca });
      session.on('error', () => undefined);
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': '/validate',
          'content-type': 'application/json',
          // Declared, as the API server's Go client declares it: a body of unknown length is
          // budgeted at the whole body limit and may be shed (docs/security.md).
          'content-length': Buffer.byteLength(body),
        });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.resume();
        stream.end(body);
      });
      return { session, status };
    }),
  );
  try {
    assert.deepEqual(
      sessions.map((x) => x.status),
      [200, 200, 200],
    );
    await idleLongEnough();
    assert.equal((await post(`${s.url}/validate`, s.ca, body)).status, 200);
    assert.ok((await counter(s, 'mcpentry_webhook_connections_evicted_total')) >= 1);
  } finally {
    for (const { session } of sessions) session.destroy();
    await s.stop();
  }
});
