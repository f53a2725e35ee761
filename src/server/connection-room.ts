// Room under --max-connections for the connections that are working. Node's own cap closes new
// connections while the cap is reached, whatever the open ones are doing, so a client that
// opens the cap's worth of connections and leaves them idle (keep-alive lasts 120 s, on
// purpose: app.ts) shuts every other client out, the API server included. Here, while the cap
// is reached, the connection idle the longest (no request in flight, idle for at least
// `minIdleMs`) is closed, so the next arrival has a slot. Busy connections are never closed.
import type { Socket } from 'node:net';

/**
 * A connection must have been idle this long before it is closed to make room. A connection
 * the API server has just opened (it opens one whenever all are busy) is about to carry a
 * request; closing it would fail that request, since the Go client does not retry a POST.
 */
export const minIdleMs = 1_000;

interface Tracked {
  readonly socket: Socket;
  inFlight: number;
  /** When its last request ended, or when it was accepted if it has carried none. */
  idleSince: number;
}

export interface ConnectionRoomOptions {
  readonly maxConnections: number;
  /** Called once per connection closed to make room. */
  readonly onEvicted?: () => void;
  readonly now?: () => number;
}

/** The raw socket under a TLS socket (HTTP/1.1) or an HTTP/2 session's socket proxy. */
type MaybeWrapped = { readonly _parent?: unknown } | null | undefined;

export class ConnectionRoom {
  private readonly open = new Map<Socket, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly opts: ConnectionRoomOptions;

  constructor(opts: ConnectionRoomOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
  }

  /** A connection was accepted (before TLS). */
  accepted(socket: Socket): void {
    this.open.set(socket, { socket, inFlight: 0, idleSince: this.now() });
    socket.once('close', () => this.open.delete(socket));
    this.makeRoom();
  }

  /** Node refused a connection at the cap: free a slot for the client's next attempt. */
  refused(): void {
    this.makeRoom();
  }

  /**
   * A request began on `socket` (the request's socket: a TLS socket or an HTTP/2 proxy).
   * Returns the function to call when its answer is done.
   */
  requestStarted(socket: unknown): () => void {
    const tracked = this.find(socket);
    if (tracked === undefined) return () => undefined;
    tracked.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      tracked.inFlight--;
      if (tracked.inFlight === 0) tracked.idleSince = this.now();
      if (this.atCap()) this.schedule(minIdleMs);
    };
  }

  /** How many connections are open (accepted and not yet closed). */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private find(socket: unknown): Tracked | undefined {
    const direct = this.open.get(socket as Socket);
    if (direct !== undefined) return direct;
    const parent = (socket as MaybeWrapped)?._parent;
    return parent === undefined ? undefined : this.open.get(parent as Socket);
  }

  private atCap(): boolean {
    return this.open.size >= this.opts.maxConnections;
  }

  /** While at the cap, close the longest-idle connection that may be closed; else wait for one. */
  private makeRoom(): void {
    if (!this.atCap()) return;
    const now = this.now();
    let oldest: Tracked | undefined;
    let nextEligible = Number.POSITIVE_INFINITY;
    for (const t of this.open.values()) {
      if (t.inFlight > 0 || t.socket.destroyed) continue;
      if (now - t.idleSince >= minIdleMs) {
        if (oldest === undefined || t.idleSince < oldest.idleSince) oldest = t;
      } else nextEligible = Math.min(nextEligible, t.idleSince + minIdleMs - now);
    }
    if (oldest !== undefined) {
      this.open.delete(oldest.socket);
      oldest.socket.destroy();
      this.opts.onEvicted?.();
    } else if (Number.isFinite(nextEligible)) this.schedule(nextEligible);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.makeRoom();
      },
      Math.max(1, Math.ceil(delayMs)),
    );
    this.timer.unref();
  }
}
