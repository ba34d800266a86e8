/**
 * An in-memory byte pipe implementing the session's Transport: a real transport with a bounded
 * buffer, asynchronous delivery, pause/resume, half-close and reset, so session tests exercise
 * backpressure and teardown without sockets. (Socket tests live in @wsengine/node.)
 */
import type { Transport, TransportHandler } from "../../src/index.js";

/** One end of a {@link memoryPipe}. */
export class MemoryTransport implements Transport {
  peer!: MemoryTransport;
  handler: TransportHandler | null = null;
  /** Bytes written by the peer, not yet read here. */
  readonly inbox: Uint8Array[] = [];
  inboxBytes = 0;
  /** Bytes written by this end (everything `write()` was given), for assertions. */
  written = 0;
  paused = false;
  /** Drop everything the peer writes (a peer that stopped reading and answering: half-open). */
  blackhole = false;
  writeEnded = false;
  peerEnded = false;
  destroyed = false;
  closedCalled = false;
  #eofDelivered = false;
  #wantsDrain = false;
  #scheduled = false;
  readonly highWaterMark: number;

  constructor(highWaterMark: number) {
    this.highWaterMark = highWaterMark;
  }

  start(handler: TransportHandler): void {
    this.handler = handler;
    this.#schedule();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.destroyed || this.writeEnded) return false;
    for (const c of chunks) this.written += c.length;
    const peer = this.peer;
    if (!peer.destroyed && !peer.blackhole) {
      for (const c of chunks) {
        peer.inbox.push(c.slice());
        peer.inboxBytes += c.length;
      }
      peer.#schedule();
    }
    const ok = peer.inboxBytes < peer.highWaterMark;
    if (!ok) this.#wantsDrain = true;
    return ok;
  }

  end(): void {
    if (this.writeEnded) return;
    this.writeEnded = true;
    this.peer.peerEnded = true;
    this.peer.#schedule();
    this.#maybeClose();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.inbox.length = 0;
    this.inboxBytes = 0;
    setTimeout(() => {
      this.#close();
      // The peer sees a reset.
      const peer = this.peer;
      if (!peer.destroyed) {
        peer.destroyed = true;
        peer.handler?.receiveEof(new Error("ECONNRESET"));
        peer.#close();
      }
    }, 0);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.handler === null) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.#deliver();
    }, 0);
  }

  #deliver(): void {
    const handler = this.handler;
    if (handler === null || this.destroyed) return;
    while (!this.paused && this.inbox.length > 0 && !this.destroyed) {
      const chunk = this.inbox.shift()!;
      this.inboxBytes -= chunk.length;
      handler.receive(chunk);
    }
    const peer = this.peer;
    if (peer.#wantsDrain && this.inboxBytes < this.highWaterMark && !peer.destroyed) {
      peer.#wantsDrain = false;
      peer.handler?.drain();
    }
    if (!this.paused && this.inbox.length === 0 && this.peerEnded && !this.#eofDelivered && !this.destroyed) {
      this.#eofDelivered = true;
      handler.receiveEof();
      this.#maybeClose();
    }
  }

  #maybeClose(): void {
    if (this.writeEnded && this.#eofDelivered) this.#close();
  }

  #close(): void {
    if (this.closedCalled) return;
    this.closedCalled = true;
    this.handler?.closed();
  }
}

/**
 * Two connected transports, each holding up to `highWaterMark` unread bytes before `write()` says
 * full; `Kind` may be a subclass that observes them.
 */
export function memoryPipe<T extends MemoryTransport = MemoryTransport>(
  highWaterMark = 64 * 1024,
  Kind: new (highWaterMark: number) => T = MemoryTransport as new (highWaterMark: number) => T,
): [T, T] {
  const a = new Kind(highWaterMark);
  const b = new Kind(highWaterMark);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
