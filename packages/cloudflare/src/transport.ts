/// <reference path="./globals.d.ts" />
/**
 * A {@link Transport} over a Cloudflare Workers TCP socket: `connect()` from `cloudflare:sockets`.
 * Docs: https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/
 */
import { concatBytes, type Transport, type TransportHandler } from "@wsengine/session";

// --- types ---

/** The part of a Workers `Socket` the transport uses (what `connect()` returns). */
export interface WorkersSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Options of a {@link CloudflareSocketTransport}. */
export interface SocketTransportOptions {
  /**
   * Bytes handed to the socket's writer and not yet written to the network, past which
   * `write()` reports the transport full; `drain()` follows once half of them are written.
   * Needed because the socket's writer always reports `desiredSize` 1. Default 64 KiB.
   */
  readonly writeHighWaterMark?: number;
}

// Batches up to this size are copied into one chunk: one write into workerd beats many tiny ones.
const CONCAT_LIMIT = 64 * 1024;
const noop = (): void => {};

// --- adapter ---

/**
 * A Workers socket as a session transport. A read loop feeds `receive` (and stops while the
 * session pauses it), the stream's end or error ends the input, writes go through one writer
 * whose pending bytes are counted for backpressure, and `end()` closes the writable side (a TCP
 * half-close: open the socket with `allowHalfOpen: true`). Once both directions are done, or on
 * `destroy()` or an error, the socket is closed and the session hears `closed()`.
 */
export class CloudflareSocketTransport implements Transport {
  readonly socket: WorkersSocket;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #highWaterMark: number;
  #handler: TransportHandler | null = null;
  #pendingBytes = 0;
  #full = false;
  #paused = false;
  #resume: (() => void) | null = null;
  #readDone = false;
  #writeDone = false;
  /** Closing (both directions done, destroyed, or failed): no more I/O, `closed()` is on its way. */
  #closing = false;

  constructor(socket: WorkersSocket, options: SocketTransportOptions = {}) {
    this.socket = socket;
    this.#highWaterMark = options.writeHighWaterMark ?? 64 * 1024;
    this.#writer = socket.writable.getWriter();
    this.#reader = socket.readable.getReader();
    // The read loop reports a refused connection; these must not be unhandled rejections.
    socket.opened.catch(noop);
    socket.closed.catch(noop);
    this.#writer.closed.catch(noop);
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    void this.#readLoop(handler);
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#closing) return true;
    if (chunks.length > 1) {
      let total = 0;
      for (const c of chunks) total += c.length;
      if (total <= CONCAT_LIMIT) chunks = [concatBytes(chunks, new Uint8Array(total))];
    }
    for (const chunk of chunks) {
      const length = chunk.length;
      if (length === 0) continue;
      this.#pendingBytes += length;
      this.#writer.write(chunk).then(
        () => this.#written(length),
        (error: unknown) => this.#fail(error),
      );
    }
    if (this.#pendingBytes >= this.#highWaterMark) this.#full = true;
    return !this.#full;
  }

  end(): void {
    if (this.#closing) return;
    // close() waits for the pending writes, then sends FIN.
    this.#writer.close().then(
      () => {
        this.#writeDone = true;
        this.#maybeFinish();
      },
      (error: unknown) => this.#fail(error),
    );
  }

  destroy(): void {
    this.#finish();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const resume = this.#resume;
    this.#resume = null;
    resume?.();
  }

  async #readLoop(handler: TransportHandler): Promise<void> {
    const reader = this.#reader;
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((resolve) => (this.#resume = resolve));
        if (this.#closing) return;
        const { value, done } = await reader.read();
        if (this.#closing) return;
        if (done) break;
        handler.receive(value);
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#readDone = true;
    handler.receiveEof();
    this.#maybeFinish();
  }

  #written(length: number): void {
    this.#pendingBytes -= length;
    if (this.#full && !this.#closing && this.#pendingBytes <= this.#highWaterMark / 2) {
      this.#full = false;
      this.#handler?.drain();
    }
  }

  /** A read or a write failed (reset, refused, TLS failure): end the input with the error, then close. */
  #fail(error: unknown): void {
    if (this.#closing) return;
    this.#handler?.receiveEof(error);
    this.#finish();
  }

  #maybeFinish(): void {
    if (this.#readDone && this.#writeDone) this.#finish();
  }

  /** Close the socket at once, dropping what is unwritten, and report `closed()` when it is. */
  #finish(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#resume?.();
    this.#resume = null;
    this.#reader.cancel().catch(noop);
    this.#writer.abort().catch(noop);
    const report = (): void => this.#handler?.closed();
    this.socket.close().then(report, report);
  }
}
