// A review that breaks a review limit is answered while its body is still arriving: the client
// sends only the first part of a 5 MiB pathological review (400,000 keys) and holds the rest
// back, and the denial comes anyway, which shows the server decided on the part it had, without
// waiting for, buffering or parsing the whole. The rest is then read and discarded, so the same
// connection serves the next review; others are served throughout. Over HTTP/1.1 with a
// declared length, HTTP/1.1 chunked, and HTTP/2.
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { entry, review, type Json } from '../support/reviews.ts';
import { openTls } from '../support/slow-clients.ts';
import { post, startTestServer, type TestServer } from '../support/test-server.ts';
import { denialCauses } from './answer-shape.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  assert.deepEqual(
    s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
    [],
  );
  await s.stop();
});

const uid = '0f5e2d1c-aaaa-4bbb-8ccc-123456789abc';

function pathologicalReview(keys: number): Buffer {
  const spec: Json = {};
  for (let i = 0; i < keys; i++) spec[`key${i}`] = 0;
  const r = review('CREATE', entry(spec));
  (r['request'] as Json)['uid'] = uid;
  return Buffer.from(JSON.stringify(r));
}

const oversized = pathologicalReview(400_000);
/** Enough of it to break the 10,000-value limit (~13 bytes a key), far from all of it. */
const head = oversized.subarray(0, 300 * 1024);
const rest = oversized.subarray(head.length);
const ordinary = JSON.stringify(review('CREATE', entry()));

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly json: unknown;
}

/** Reads HTTP/1.1 answers (with Content-Length) off a socket, one per `next()`. */
function answers(socket: TLSSocket): { next(): Promise<RawAnswer> } {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
    waiting?.();
  });
  const more = (): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting = resolve;
      socket.once('close', () => reject(new Error('connection closed before a whole answer')));
    });
  return {
    async next() {
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end !== -1) {
          const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
          const headers: Record<string, string> = {};
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(':');
            headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
          }
          const length = Number(headers['content-length']);
          if (buffered.length >= end + 4 + length) {
            const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
            buffered = buffered.subarray(end + 4 + length);
            return {
              status: Number(lines[0]?.split(' ')[1]),
              headers,
              json: JSON.parse(body) as unknown,
            };
          }
        }
        await more();
      }
    },
  };
}

const requestHead = (extra: string): string =>
  `POST /validate?timeout=10s HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${extra}\r\n`;

function assertLimitDenial(a: RawAnswer | { status: number; json: unknown }): void {
  assert.equal(a.status, 200, JSON.stringify(a.json));
  const response = (a.json as { response: { uid: string; allowed: boolean } }).response;
  assert.equal(response.uid, uid);
  assert.equal(response.allowed, false);
  assert.deepEqual(denialCauses(a.json), ['request.object FieldValueTooMany']);
}

function assertAllowed(a: RawAnswer | { status: number; json: unknown }): void {
  assert.equal(a.status, 200, JSON.stringify(a.json));
  assert.equal((a.json as { response: { allowed: boolean } }).response.allowed, true);
}

describe('a review over the limits is refused before its body has arrived', () => {
  test('HTTP/1.1 with Content-Length: denied with its uid; the connection then serves the next review', async () => {
    const socket = await openTls(s.server.port, s.ca);
    try {
      const read = answers(socket);
      socket.write(requestHead(`content-length: ${oversized.length}\r\n`));
      // A first part that breaks no limit yet: nothing is answered, others are served.
      socket.write(head.subarray(0, 16 * 1024));
      assertAllowed(await post(`${s.url}/validate`, s.ca, ordinary));
      socket.write(head.subarray(16 * 1024));
      assertLimitDenial(await read.next());
      // Only now the remaining ~4.7 MiB: read and discarded, then the next request is answered.
      socket.write(rest);
      socket.write(requestHead(`content-length: ${Buffer.byteLength(ordinary)}\r\n`) + ordinary);
      assertAllowed(await read.next());
    } finally {
      socket.destroy();
    }
  });

  test('HTTP/1.1 chunked (no length declared): the same', async () => {
    const socket = await openTls(s.server.port, s.ca);
    try {
      const read = answers(socket);
      socket.write(requestHead('transfer-encoding: chunked\r\n'));
      socket.write(`${head.length.toString(16)}\r\n`);
      socket.write(head);
      socket.write('\r\n');
      assertLimitDenial(await read.next());
      socket.write(`${rest.length.toString(16)}\r\n`);
      socket.write(rest);
      socket.write('\r\n0\r\n\r\n');
      socket.write(requestHead(`content-length: ${Buffer.byteLength(ordinary)}\r\n`) + ordinary);
      assertAllowed(await read.next());
    } finally {
      socket.destroy();
    }
  });

  test('HTTP/2: the stream is answered before it ends; the session serves the next review', async () => {
    const session = http2Connect(s.url, { ca: s.ca });
    session.on('error', () => undefined);
    try {
      const ask = (
        body: Buffer | undefined,
        end: boolean,
      ): Promise<{ status: number; json: unknown }> =>
        new Promise((resolve, reject) => {
          const stream = session.request({
            ':method': 'POST',
            ':path': '/validate?timeout=10s',
            'content-type': 'application/json',
            'content-length': String(
              body === undefined ? Buffer.byteLength(ordinary) : oversized.length,
            ),
          });
          let status = 0;
          const chunks: Buffer[] = [];
          stream.on('response', (h) => (status = Number(h[':status'])));
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () =>
            resolve({ status, json: JSON.parse(Buffer.concat(chunks).toString()) as unknown }),
          );
          stream.on('error', reject);
          if (body === undefined) stream.end(ordinary);
          else if (end) stream.end(body);
          else stream.write(body); // never ended: the answer must not wait for the rest
        });
      assertLimitDenial(await ask(head, false));
      assertAllowed(await ask(undefined, true));
      // Told to stop (RST_STREAM NO_ERROR), the refused stream no longer holds its 5 MiB in the
      // byte budget: three more (over the 12 MiB the budget gives large bodies) are judged, not shed.
      for (let i = 0; i < 3; i++) assertLimitDenial(await ask(head, false));
    } finally {
      session.destroy();
    }
  });
});
