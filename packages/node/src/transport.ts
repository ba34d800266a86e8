/**
 * A {@link Transport} over a Node `net.Socket` (or `tls.TLSSocket`).
 * Docs: https://nodejs.org/api/net.html#class-netsocket
 */
import type { Socket } from "node:net";
import { concatBytes, type Transport, type TransportHandler } from "@wsengine/session";

// Batches up to this size are copied into one buffer: one write() and one syscall beat a
// corked writev of many tiny buffers. Larger batches go out corked, without copies.
const CONCAT_LIMIT = 64 * 1024;

/**
 * Node socket as a session transport: `'data'` feeds `receive`, `'end'` and `'error'` end the
 * input, `'drain'` resumes writing, `'close'` finishes. Listeners are attached at construction
 * so an early error (a refused connection, a reset during the upgrade) is never an unhandled
 * `'error'` event; whatever happens before the session starts is replayed to it.
 */
export class NodeSocketTransport implements Transport {
  readonly socket: Socket;
  #handler: TransportHandler | null = null;
  #early: Array<(handler: TransportHandler) => void> | null = [];

  constructor(socket: Socket) {
    this.socket = socket;
    // Small frames must not wait for Nagle's algorithm; an upgraded HTTP socket must not time out.
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on("data", (chunk: Buffer) => this.#emit((h) => h.receive(chunk)));
    socket.on("end", () => this.#emit((h) => h.receiveEof()));
    socket.on("error", (error: Error) => this.#emit((h) => h.receiveEof(error)));
    socket.on("drain", () => this.#emit((h) => h.drain()));
    socket.on("close", () => this.#emit((h) => h.closed()));
    // Until the session starts, hold the bytes in the socket rather than in `#early`.
    socket.pause();
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    const early = this.#early ?? [];
    this.#early = null;
    for (const event of early) event(handler);
    // Node stops on pause(): resume unless the session paused us meanwhile.
    if (!this.#pausedBySession) this.socket.resume();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (chunks.length === 1) return socket.write(chunks[0]!);
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total <= CONCAT_LIMIT) return socket.write(concatBytes(chunks, Buffer.allocUnsafe(total)));
    socket.cork();
    let ok = true;
    for (const c of chunks) ok = socket.write(c);
    socket.uncork();
    return ok;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #pausedBySession = false;

  pause(): void {
    this.#pausedBySession = true;
    this.socket.pause();
  }

  resume(): void {
    this.#pausedBySession = false;
    this.socket.resume();
  }

  #emit(event: (handler: TransportHandler) => void): void {
    const handler = this.#handler;
    if (handler !== null) event(handler);
    else this.#early!.push(event);
  }
}
