/**
 * The seam between the session and a runtime's byte stream. An adapter implements
 * {@link Transport} over its socket (Node's `net.Socket`, Bun's `Socket`, a Deno or Cloudflare
 * `WritableStream` writer) and forwards the socket's callbacks to the {@link TransportHandler}
 * the session passes to `start()`.
 *
 * Backpressure is a boolean plus a callback because every runtime can express that cheaply:
 * Node's `write()` returns `false` and later emits `'drain'`; Bun's returns how many bytes it
 * took (the adapter keeps the rest, returns `false`, and calls `drain()` from its `drain`
 * handler); a stream writer reports `desiredSize <= 0` and resolves `ready`.
 */

/** A byte stream as the session needs it. All methods are called by the session only. */
export interface Transport {
  /**
   * Wire the transport's inbound callbacks to `handler` and start reading. Called once, in a
   * microtask after the session is constructed, so that listeners added in the same tick see
   * every event.
   */
  start(handler: TransportHandler): void;
  /**
   * Queue `chunks` for writing, in order, as one batch (one `writev`, or one concatenated
   * write for small buffers). The transport owns the arrays from now on: it must take all of
   * them, even when it then returns `false`.
   * @returns `false` when the transport's buffer is full: the session holds further bytes until
   *   the transport calls {@link TransportHandler.drain}.
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Flush what was written, then close the write side (TCP half-close, FIN). */
  end(): void;
  /** Close both directions at once, dropping unwritten bytes. Must be safe to call twice. */
  destroy(): void;
  /** Stop reading (the application is not consuming messages); bytes stay in the kernel. */
  pause(): void;
  /** Read again after {@link pause}. */
  resume(): void;
}

/** What the transport calls on the session. Every method is safe to call in any state. */
export interface TransportHandler {
  /** Bytes arrived. The chunk is not retained after the call returns. */
  receive(chunk: Uint8Array): void;
  /**
   * The read side ended (FIN), or the transport failed: pass the runtime's error. A socket
   * error therefore ends as a `close` event with 1006, never as an exception.
   */
  receiveEof(error?: unknown): void;
  /** The transport can take bytes again after `write()` returned `false`. */
  drain(): void;
  /** The transport is fully closed (Node's `'close'`): no more I/O either way. */
  closed(): void;
}
