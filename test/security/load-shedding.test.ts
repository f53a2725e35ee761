// Load shedding over real HTTPS: connections over the cap are closed before TLS, and when the
// request bytes in flight would exceed their budget or the event loop falls behind, reviews get
// a fast 503 with Retry-After (the API server then applies failurePolicy) while health and
// readiness keep answering, and reviews are served again once pressure drops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entry, review } from '../support/reviews.ts';
import { busyTlsSockets, openTls } from '../support/slow-clients.ts';
import {
  get,
  post,
  startTestServer,
  type HttpAnswer,
  type TestServer,
} from '../support/test-server.ts';
import {
  BytesInFlight,
  declaredBodyBytes,
  pressureOf,
  sampleDelayMs,
  slowBodies,
  type AdmittedBody,
} from '../../src/server/load-shedding.ts';

const body = JSON.stringify(review('CREATE', entry()));

/** A request whose body is only partly sent: it holds its declared bytes until released. */
async function heldRequest(
  port: number,
  ca: string,
  declaredBytes: number,
): Promise<{ answer: Promise<string>; finish(): void }> {
  const socket = await openTls(port, ca);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(
    `POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
      `content-length: ${declaredBytes}\r\nconnection: close\r\n\r\n{`,
  );
  return {
    answer,
    // The rest of the declared body: not JSON, so a 400 ends the request and frees its bytes.
    finish: () => socket.end(' '.repeat(declaredBytes - 1)),
  };
}

test('bytes in flight: a body that does not fit is shed at once, small reviews pass, and the budget is free again when the big one is answered', async () => {
  const mib = 1024 * 1024;
  const s = await startTestServer([
    '--shed-bytes-in-flight',
    '2',
    '--body-limit',
    String(mib),
    '--shed-event-loop-delay',
    '0',
    // The held body below stays half-sent on purpose; it is not to be closed as a slow one.
    '--slow-body-grace',
    '0',
  ]);
  try {
    const part = Math.floor(0.9 * mib);
    // Until the server has read the held request's headers, a big body may still be admitted
    // (then it is judged: a 400, its body is not JSON); once it has, the big one is shed.
    const bigUntilShed = async (): Promise<HttpAnswer> => {
      let a = await post(`${s.url}/validate`, s.ca, ' '.repeat(part));
      for (let i = 0; i < 50 && a.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
        a = await post(`${s.url}/validate`, s.ca, ' '.repeat(part));
      }
      return a;
    };
    // 0.9 MiB held in flight (headers and one byte sent, the body still coming): bodies over
    // 256 KiB share three quarters of the 2 MiB budget (1.5 MiB), so a second one does not fit.
    const held = await heldRequest(s.server.port, s.ca, part);
    const big = await bigUntilShed();
    assert.equal(big.status, 503, big.body);
    assert.equal(big.headers['retry-after'], '1');
    assert.match((big.json as { message: string }).message, /overloaded \(bytesInFlight\)/);
    // Counted, not only logged (every 503 of bigUntilShed's attempts).
    const shed = await s.server.metrics.registry
      .getSingleMetric('mcpentry_webhook_shed_total')
      ?.get();
    const byPressure = shed?.values.find((v) => v.labels['pressure'] === 'bytesInFlight');
    assert.ok((byPressure?.value ?? 0) >= 1, JSON.stringify(shed?.values));
    // Ordinary bodies have their own quarter: an ordinary review, and one of 200 KiB (not
    // JSON: a 400, so it was read), still pass; health never sheds.
    const small = await post(`${s.url}/validate`, s.ca, body);
    assert.equal(small.status, 200, small.body);
    const medium = await post(`${s.url}/validate`, s.ca, ' '.repeat(200 * 1024));
    assert.equal(medium.status, 400, medium.body);
    assert.equal((await get(`${s.url}/healthz`, s.ca)).status, 200);
    assert.equal((await get(`${s.url}/readyz`, s.ca)).status, 200);
    // The held one ends (a 400: its body is not JSON); its bytes are freed with its answer,
    // so the next big body is read and judged (a 400 here too, not a 503).
    held.finish();
    assert.match(await held.answer, /^HTTP\/1\.1 400 /);
    const again = await post(`${s.url}/validate`, s.ca, ' '.repeat(part));
    assert.equal(again.status, 400, again.body);
    assert.equal(
      s.logs.filter(
        (l) => l['msg'] === 'overloaded: answering new reviews with 503 until pressure drops',
      ).length,
      1,
    );
    assert.deepEqual(
      s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
      [],
    );
  } finally {
    await s.stop();
  }
});

test('the byte budget counts declared sizes and frees them exactly', () => {
  assert.equal(declaredBodyBytes('1234', 7000), 1234);
  assert.equal(declaredBodyBytes(undefined, 7000), 7000, 'no length: may be the body limit');
  assert.equal(declaredBodyBytes('99999999', 7000), 7000);
  assert.equal(declaredBodyBytes('12, 12', 7000), 7000);
  const kib = 1024;
  // 16 MiB: 4 MiB for bodies up to 256 KiB, 12 MiB for larger ones.
  const budget = new BytesInFlight(16 * kib * kib);
  assert.equal(budget.admit(7 * kib * kib), true);
  assert.equal(budget.admit(5 * kib * kib), true);
  assert.equal(budget.admit(kib * kib), false, 'the large share is full');
  assert.equal(budget.admit(3 * kib), true, 'an ordinary review has its own share');
  assert.equal(budget.admit(256 * kib), true);
  assert.equal(budget.bytes, 12 * kib * kib + 259 * kib);
  for (let i = 0; i < 14; i++) budget.admit(256 * kib);
  assert.equal(budget.admit(256 * kib), false, 'the ordinary share is full too');
  budget.release(5 * kib * kib);
  assert.equal(budget.admit(kib * kib), true, 'freed bytes are free at once');
  budget.release(256 * kib);
  assert.equal(budget.admit(256 * kib), true);
  assert.equal(new BytesInFlight(0).admit(1e12), true, '0 disables');
});

/** 16 connections that each declare an ordinary 256 KiB body and send one byte of it. */
async function stallOrdinaryBodies(s: TestServer): Promise<{ closed(): number; destroy(): void }> {
  const stalled = await Promise.all(
    Array.from({ length: 16 }, async () => {
      const socket = await openTls(s.server.port, s.ca);
      socket.on('error', () => undefined);
      const state = { closed: false };
      socket.once('close', () => (state.closed = true));
      socket.write(
        `POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
          `content-length: ${256 * 1024}\r\n\r\n{`,
      );
      return { socket, state };
    }),
  );
  return {
    closed: () => stalled.filter((x) => x.state.closed).length,
    destroy: () => stalled.forEach((x) => x.socket.destroy()),
  };
}

test('bodies declared and then not sent cannot hold the budget: their connections are closed when a review needs the room', async () => {
  // The attack: 16 connections each declare an ordinary 256 KiB body and send one byte. Their
  // declared bytes fill the ordinary share (4 MiB of the default 16), and before slow bodies
  // were closed every ordinary review got 503 until the 10 s request deadline, renewably.
  // Two servers, so that no outcome depends on how fast this process gets to its next step:
  // with the closing off (a grace of 0), the stalled bodies hold the room; with the default
  // grace, they lose it once a review needs it.
  const held = await startTestServer(['--shed-bytes-in-flight', '16', '--slow-body-grace', '0']);
  const heldBodies = await stallOrdinaryBodies(held);
  try {
    // Once the server has read their headers, a review finds no room, and finds none again:
    // nothing releases bodies that never end.
    let status = (await post(`${held.url}/validate`, held.ca, body)).status;
    for (let i = 0; i < 50 && status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await post(`${held.url}/validate`, held.ca, body)).status;
    }
    assert.equal(status, 503, 'the stalled bodies hold the ordinary share');
    const again = await post(`${held.url}/validate`, held.ca, body);
    assert.equal(again.status, 503, 'and keep holding it');
  } finally {
    heldBodies.destroy();
    await held.stop();
  }

  const s = await startTestServer(['--shed-bytes-in-flight', '16']);
  const stalled = await stallOrdinaryBodies(s);
  try {
    // Each review either finds the bodies still within their grace (503) or closes those past
    // it and is served; the grace is short, so a few tries reach the second.
    let status = 503;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await post(`${s.url}/validate`, s.ca, body)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, 'an ordinary review was served');
    // The room came from closing stalled connections (those past the grace when it was needed;
    // any admitted a moment later keep theirs until the request deadline or the next need).
    for (let i = 0; i < 50 && stalled.closed() === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(stalled.closed() > 0, 'stalled connections were closed');
    assert.ok(
      s.logs.some((l) => /bodies arrived too slowly/.test(String(l['msg']))),
      'the closing is logged',
    );
  } finally {
    stalled.destroy();
    await s.stop();
  }
});

test('which bodies count as slow: still arriving past the grace plus time for their size, in the same share', () => {
  const kib = 1024;
  const body = (bytes: number, startedMs: number, complete = false): AdmittedBody => ({
    bytes,
    startedMs,
    progress: { received: 1, complete },
    release: () => undefined,
    close: () => undefined,
  });
  const late = body(3 * kib, 0);
  const fresh = body(3 * kib, 900);
  const done = body(3 * kib, 0, true);
  const large = body(7 * kib * kib, 0);
  const all = [late, fresh, done, large];
  assert.deepEqual(slowBodies(all, 3 * kib, 1000, 250), [late], 'ordinary share');
  // 7 MiB gets 250 ms plus 875 ms for its size.
  assert.deepEqual(slowBodies(all, 5 * kib * kib, 1000, 250), [], 'large share, in time');
  assert.deepEqual(slowBodies(all, 5 * kib * kib, 1200, 250), [large], 'large share, late');
  assert.deepEqual(slowBodies(all, 3 * kib, 1e9, 0), [], '0 never closes');
});

test('a lagging event loop sheds large reviews, never ordinary ones, and serves them again when it recovers', async () => {
  const s = await startTestServer(['--shed-event-loop-delay', '30', '--shed-bytes-in-flight', '0']);
  // A valid review padded to 300 KiB: over the 256 KiB of an ordinary one.
  const large = body.replace('{', `{${' '.repeat(300 * 1024)}`);
  try {
    assert.equal((await post(`${s.url}/validate`, s.ca, large)).status, 200);
    // Block this process's event loop 80 ms out of every 100 ms: the server lives here too.
    // The thread sleeps (Atomics.wait) rather than spins, so the lag is the same on any machine.
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const hog = setInterval(() => Atomics.wait(sleeper, 0, 0, 80), 20);
    let shed = 0;
    try {
      for (let i = 0; i < 10 && shed === 0; i++) {
        const a = await post(`${s.url}/validate`, s.ca, large);
        if (a.status === 503) shed += 1;
        else assert.equal(a.status, 200);
        // The same lag never refuses an ordinary review (it is not what makes the delay).
        assert.equal((await post(`${s.url}/validate`, s.ca, body)).status, 200);
      }
      assert.equal(shed, 1, 'a large review was shed while the loop lagged');
      assert.equal((await get(`${s.url}/healthz`, s.ca)).status, 200);
    } finally {
      clearInterval(hog);
    }
    let status = 503;
    for (let i = 0; i < 30 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await post(`${s.url}/validate`, s.ca, large)).status;
    }
    assert.equal(status, 200, 'served again once the loop recovered');
  } finally {
    await s.stop();
  }
});

test('connections over --max-connections are closed before TLS; freed slots serve again', async () => {
  const s = await startTestServer(['--max-connections', '4']);
  // Busy (a request in flight on each): idle ones would be closed to make room instead
  // (test/security/idle-connections.test.ts).
  const held = await busyTlsSockets(s.server.port, s.ca, 4);
  try {
    const refused = await openTls(s.server.port, s.ca).then(
      (socket) => {
        socket.destroy();
        return 'handshake completed';
      },
      (err: Error) => `refused: ${err.message}`,
    );
    assert.match(refused, /^refused: /);
    held.pop()?.destroy();
    // The slot is free once the server has seen that connection close, not at a fixed time.
    const open = (): Promise<number> =>
      new Promise((resolve, reject) =>
        s.server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
    for (let i = 0; i < 100 && (await open()) >= 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await open(), 3, 'the server saw the freed connection close');
    assert.equal((await post(`${s.url}/validate`, s.ca, body)).status, 200);
  } finally {
    for (const socket of held) socket.destroy();
    await s.stop();
  }
});

test("a sample the probe missed counts as the sampler's own lateness, never as infinite delay", () => {
  // One stall covered the whole sample: no probe reading, the sampler ran 130 ms late.
  assert.equal(sampleDelayMs(0, Number.NaN, 130), 130);
  // Probe readings: their mean lateness beyond the probe's own 10 ms period.
  assert.equal(sampleDelayMs(9, 25e6, 3), 15);
  assert.equal(sampleDelayMs(1, 150e6, 140), 140);
  assert.ok(Math.abs(sampleDelayMs(10, 10.2e6, -4) - 0.2) < 1e-9);
  assert.equal(sampleDelayMs(0, Number.NaN, -1), 0);
  assert.deepEqual(pressureOf({ maxEventLoopDelayMs: 200 }, 130), undefined);
  assert.deepEqual(pressureOf({ maxEventLoopDelayMs: 200 }, 201), {
    type: 'eventLoopDelay',
    value: 201,
  });
  assert.deepEqual(pressureOf({ maxEventLoopDelayMs: 0 }, 1e6), undefined, '0 disables');
});

// That single stalls shorter than the limit never shed a review over real HTTPS is measured by
// bench/soak/short-stalls.ts: its outcome depends on how long the OS lets a stall run, which a
// loaded machine stretches past the limit. The rule itself is pinned by the unit test above.
