// Misbehaving clients for timeout tests: raw TLS sockets that trickle a request one byte at a
// time, TCP sockets that never start a handshake, and HTTP/2 streams whose body never ends.
// Each resolves with what the server did and when, measured from the first byte sent.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as http2Connect } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface CutOff {
  /** Milliseconds from the start until the server closed (or reset) the connection or stream. */
  readonly afterMs: number;
  /** The first line the server wrote before closing, if any (`HTTP/1.1 408 Request Timeout`). */
  readonly firstLine: string;
  /** Bytes the client got to send before the cut. */
  readonly bytesSent: number;
}

export function openTls(
  port: number,
  ca: string,
  alpn: string[] = ['http/1.1'],
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: alpn },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/**
 * Writes `text` one byte every `intervalMs` on an open socket, until the server closes it or
 * `giveUpMs` passes (then rejects: the server never cut the client off).
 */
export function trickle(
  socket: Socket,
  text: string,
  intervalMs: number,
  giveUpMs: number,
): Promise<CutOff> {
  const started = Date.now();
  let sent = 0;
  let received = '';
  return new Promise((resolve, reject) => {
    const tick = setInterval(() => {
      if (socket.writable && sent < text.length) socket.write(text[sent++]!);
    }, intervalMs);
    const giveUp = setTimeout(() => {
      clearInterval(tick);
      socket.destroy();
      reject(new Error(`still connected after ${giveUpMs} ms (${sent} bytes sent)`));
    }, giveUpMs);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(tick);
      clearTimeout(giveUp);
      resolve({
        afterMs: Date.now() - started,
        firstLine: received.split('\r\n')[0] ?? '',
        bytesSent: sent,
      });
    });
  });
}

/** A TCP connection to the TLS port that sends `prefix` (maybe nothing) and then waits. */
export function stallHandshake(port: number, prefix: Buffer, giveUpMs: number): Promise<CutOff> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => {
      if (prefix.length > 0) socket.write(prefix);
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`handshake stall still connected after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(giveUp);
      resolve({ afterMs: Date.now() - started, firstLine: '', bytesSent: prefix.length });
    });
  });
}

/** An HTTP/2 POST whose body arrives one byte every `intervalMs` and never ends. */
export function trickleH2Body(
  url: string,
  ca: string,
  intervalMs: number,
  giveUpMs: number,
): Promise<CutOff> {
  const started = Date.now();
  let sent = 0;
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const session = http2Connect(u.origin, { ca });
    session.on('error', () => undefined);
    const stream = session.request({
      ':method': 'POST',
      ':path': u.pathname,
      'content-type': 'application/json',
    });
    let status = '';
    stream.on('response', (h) => (status = String(h[':status'])));
    stream.on('error', () => undefined);
    // Read whatever the server answers: a stream the server ends gracefully (an early answer,
    // then RST_STREAM NO_ERROR) closes only once its body has been read, and would otherwise
    // look like a stream the server never cut.
    stream.resume();
    const tick = setInterval(() => {
      if (!stream.destroyed) {
        stream.write('{');
        sent += 1;
      }
    }, intervalMs);
    const giveUp = setTimeout(() => {
      clearInterval(tick);
      session.destroy();
      reject(new Error(`HTTP/2 stream still open after ${giveUpMs} ms`));
    }, giveUpMs);
    stream.once('close', () => {
      clearInterval(tick);
      clearTimeout(giveUp);
      const afterMs = Date.now() - started;
      session.destroy();
      resolve({
        afterMs,
        firstLine: status === '' ? `RST_STREAM ${stream.rstCode}` : status,
        bytesSent: sent,
      });
    });
  });
}

/** `count` TLS connections that finish the handshake and then say nothing. */
export async function idleTlsSockets(
  port: number,
  ca: string,
  count: number,
): Promise<TLSSocket[]> {
  const sockets: TLSSocket[] = [];
  // In batches, so the test measures idle connections, not a handshake storm.
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () => openTls(port, ca)),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/** `count` plain TCP connections to the TLS port that never send a byte. */
export async function idleTcpSockets(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
}

/**
 * `count` connections that each send one whole review over keep-alive, read its answer, and
 * then stay open saying nothing: the idle-slot attack on --max-connections. Resolves with the
 * sockets and the status line each got.
 */
export async function keptAliveAfterOneReview(
  port: number,
  ca: string,
  count: number,
  body: string,
): Promise<{ sockets: TLSSocket[]; statusLines: string[] }> {
  const sockets = await idleTlsSockets(port, ca, count);
  const statusLines = await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<string>((resolve) => {
          let received = '';
          socket.on('error', () => undefined);
          const onData = (d: Buffer): void => {
            received += d.toString('latin1');
            // A keep-alive answer: headers, then exactly content-length bytes of body.
            const [head, rest] = received.split('\r\n\r\n', 2);
            const length = /content-length: *(\d+)/i.exec(head ?? '')?.[1];
            if (rest !== undefined && length !== undefined && rest.length >= Number(length)) {
              socket.off('data', onData);
              resolve(head?.split('\r\n')[0] ?? '');
            }
          };
          socket.on('data', onData);
          socket.once('close', () => resolve(received.split('\r\n')[0] ?? 'closed'));
          socket.write(
            `POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
              `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        }),
    ),
  );
  return { sockets, statusLines };
}

/** `count` connections each holding a request whose body is only partly sent (busy ones). */
export async function busyTlsSockets(
  port: number,
  ca: string,
  count: number,
): Promise<TLSSocket[]> {
  const sockets = await idleTlsSockets(port, ca, count);
  for (const socket of sockets) {
    socket.on('error', () => undefined);
    socket.write(
      `POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
        `content-length: 64\r\n\r\n{`,
    );
  }
  return sockets;
}
