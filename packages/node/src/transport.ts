/**
 * A {@link Transport} over a Node `net.Socket` (or `tls.TLSSocket`).
 * Docs: https://nodejs.org/api/net.html#class-netsocket
 */
import type { Socket } from "node:net";
import { concatBytes, type Transport, type TransportHandler } from "@wsengine/session";

// Batches up to this size are copied into one buffer: one write() and one syscall beat a
// corked writev of many tiny buffers. Larger batches go out corked, without copies.
const CONCAT_LIMIT = 64 * 1024;

/** The socket's own link to its transport, read by the shared listeners (ws does the same). */
const kTransport: unique symbol = Symbol("wsengine.transport");

interface OwnedSocket extends Socket {
  [kTransport]: NodeSocketTransport;
}

/**
 * Node socket as a session transport: `'data'` feeds `receive`, `'end'` and `'error'` end the
 * input, `'drain'` resumes writing, `'close'` finishes. Listeners are attached at construction
 * so an early error (a refused connection, a reset during the upgrade) is never an unhandled
 * `'error'` event; whatever happens before the session starts is replayed to it.
 *
 * The listeners are shared by every socket (Node calls them with the socket as `this`), so an
 * idle connection holds no closures of ours.
 */
export class NodeSocketTransport implements Transport {
  readonly socket: Socket;
  #handler: TransportHandler | null = null;
  /** What happened before `start()`, in order; rarely anything, so made on first use. */
  #early: Array<(handler: TransportHandler) => void> | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    (socket as OwnedSocket)[kTransport] = this;
    // Small frames must not wait for Nagle's algorithm; an upgraded HTTP socket must not time out.
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on("data", NodeSocketTransport.#onData);
    socket.on("end", NodeSocketTransport.#onEnd);
    socket.on("error", NodeSocketTransport.#onError);
    socket.on("drain", NodeSocketTransport.#onDrain);
    socket.on("close", NodeSocketTransport.#onClose);
    // Until the session starts, hold the bytes in the socket rather than in `#early`.
    socket.pause();
  }

  static #onData(this: Socket, chunk: Buffer): void {
    const transport = (this as OwnedSocket)[kTransport];
    const handler = transport.#handler;
    if (handler !== null) handler.receive(chunk);
    else transport.#defer((h) => h.receive(chunk));
  }

  static #onEnd(this: Socket): void {
    const transport = (this as OwnedSocket)[kTransport];
    const handler = transport.#handler;
    if (handler !== null) handler.receiveEof();
    else transport.#defer((h) => h.receiveEof());
  }

  static #onError(this: Socket, error: Error): void {
    const transport = (this as OwnedSocket)[kTransport];
    const handler = transport.#handler;
    if (handler !== null) handler.receiveEof(error);
    else transport.#defer((h) => h.receiveEof(error));
  }

  static #onDrain(this: Socket): void {
    const transport = (this as OwnedSocket)[kTransport];
    const handler = transport.#handler;
    if (handler !== null) handler.drain();
    else transport.#defer((h) => h.drain());
  }

  static #onClose(this: Socket): void {
    const transport = (this as OwnedSocket)[kTransport];
    const handler = transport.#handler;
    if (handler !== null) handler.closed();
    else transport.#defer((h) => h.closed());
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    const early = this.#early;
    this.#early = null;
    if (early !== null) for (const event of early) event(handler);
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

  #defer(event: (handler: TransportHandler) => void): void {
    (this.#early ??= []).push(event);
  }
}
