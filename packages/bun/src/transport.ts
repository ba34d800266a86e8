/**
 * A {@link Transport} over a Bun TCP or TLS `Socket`.
 * Docs: https://bun.com/docs/api/tcp
 *
 * `socket.write()` is unbuffered: it returns how many bytes the kernel took, maybe fewer than
 * given (or -1 once the socket is closed), and Bun calls the `drain` handler when it can take
 * more. The transport keeps the unwritten tail, in order, and every later write goes behind it,
 * so no byte is lost or reordered: `write()` returns `false` while a tail is waiting, and the
 * `drain` handler writes the tail, then tells the session. `end()` waits for the tail too.
 *
 * Sockets are opened with `allowHalfOpen: true`: the peer's FIN must not close our write side
 * before the closing handshake's last frame and our own FIN are out (core decides when).
 *
 * `end()` half-closes with `socket.shutdown()` (shutdown(2), SHUT_WR) and keeps reading until the
 * peer's FIN; only then is the socket closed. Bun's `socket.end()` is a full close(2) at once,
 * whatever `allowHalfOpen` says, and closing a socket with unread input makes the kernel send a
 * reset instead of a FIN (RFC 1122 §4.2.2.13), which can destroy our last bytes (a Close frame)
 * before the peer reads them: the "lingering close" of RFC 9112 §9.6. After failing a
 * connection the peer's bytes often keep coming, so that was the usual case, not a corner.
 *
 * TLS clients have a `handshake` handler, so `open` fires before the TLS handshake: nothing is
 * written until the handshake succeeded and the certificate was verified, and a verification
 * failure is reported as the transport's error (without the handler, Bun just closes the socket).
 */
import type { Socket, SocketHandler } from "bun";
import { concatBytes, type Transport, type TransportHandler } from "@wsengine/session";
import { isOutgoingSlab, releaseOutgoing } from "./defaults.js";

// --- types ---

/** A socket whose `data` is its transport, as the shared {@link SOCKET_HANDLERS} expect. */
export type TransportSocket = Socket<BunSocketTransport>;

/** Batches up to this size are copied into one buffer: one `write()`, one syscall. */
const CONCAT_LIMIT = 64 * 1024;

// --- adapter ---

/** Bun socket as a session transport. Created before the socket exists (a client still connecting) or in `open`. */
export class BunSocketTransport implements Transport {
  #socket: TransportSocket | null = null;
  /** Whether writes may go out: after `open`, and for a TLS client after a verified handshake. */
  #ready = false;
  readonly #awaitHandshake: boolean;
  readonly #rejectUnauthorized: boolean;
  #handler: TransportHandler | null = null;
  /** Events that arrived before the session started, replayed to it in order. */
  #early: Array<(handler: TransportHandler) => void> | null = [];
  /**
   * Bytes not yet taken by the socket, oldest first; the first may be the tail of a partial write.
   * Pieces of the shared outgoing slabs are copied in (see {@link keep}), so a stalled connection
   * holds its own bytes, not the 256 KiB slab its frames were built in. `null` when empty, so
   * that a connection whose writes all went out holds no array.
   */
  #tail: Uint8Array[] | null = null;
  #ending = false;
  /** Our FIN is out (shutdown): close the socket once the peer's FIN arrives. */
  #writeShut = false;
  /** The peer's FIN arrived. */
  #readEnded = false;
  /** The application asked us to stop reading (the session's {@link pause}). */
  #paused = false;
  /** Whether the socket itself is paused, so that resuming it is needed (and only then a call). */
  #socketPaused = false;
  #destroyed = false;
  #closed = false;

  /**
   * @param tls a TLS client's settings: wait for the `handshake` handler before writing, and
   *   whether a certificate that fails verification ends the connection (default `true`).
   */
  constructor(tls?: { readonly rejectUnauthorized?: boolean }) {
    this.#awaitHandshake = tls !== undefined;
    this.#rejectUnauthorized = tls?.rejectUnauthorized ?? true;
  }

  /**
   * The socket opened (client: connected; server: accepted, TLS handshake done).
   *
   * A server socket is not paused until its session starts: Bun drains the microtask queue right
   * after the `open` handler, and the session starts in a microtask, so no byte can arrive first
   * (if one did, {@link onData} would keep it). Pausing cost two `epoll_ctl` calls and an
   * extra writable wake-up per connection. Nor does it set TCP_NODELAY: uSockets sets it on every
   * socket Bun accepts (one `setsockopt` per connection, seen with strace on Bun 1.4.5).
   *
   * @param accepted whether the socket was accepted by a server rather than connected by a client.
   */
  attach(socket: TransportSocket, accepted = false): void {
    if (this.#destroyed) return socket.terminate();
    this.#socket = socket;
    if (!accepted) socket.setNoDelay(true);
    if (this.#paused || (!accepted && this.#handler === null)) this.#pauseSocket(socket);
    if (!this.#awaitHandshake) this.#open();
  }

  /** A TLS client's handshake ended. */
  onHandshake(authorizationError: Error | null): void {
    if (authorizationError !== null && this.#rejectUnauthorized) {
      this.onError(authorizationError);
      this.#socket?.terminate();
    } else {
      this.#open();
    }
  }

  #open(): void {
    this.#ready = true;
    // Bytes written while connecting go out now.
    this.onDrain();
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    const early = this.#early ?? [];
    this.#early = null;
    for (const event of early) event(handler);
    if (!this.#paused) this.#resumeSocket();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const taken = this.#take(chunks);
    // Nothing here holds a piece of the outgoing slabs any more (the tail keeps copies): hand
    // them back, newest first, so that the next batch is built in the same bytes.
    for (let i = chunks.length - 1; i >= 0; i--) releaseOutgoing(chunks[i]!);
    return taken;
  }

  #take(chunks: readonly Uint8Array[]): boolean {
    if (this.#destroyed || this.#closed) return true;
    // The usual batch (core coalesces small frames into one buffer) goes straight to the socket.
    if (chunks.length === 1 && this.#tail === null && this.#ready) {
      const socket = this.#socket;
      if (socket !== null) return this.#writeNow(socket, chunks[0]!);
    }
    let total = 0;
    for (const chunk of chunks) total += chunk.length;
    if (chunks.length > 1 && total <= CONCAT_LIMIT) {
      (this.#tail ??= []).push(concatBytes(chunks, new Uint8Array(total)));
    } else {
      for (const chunk of chunks) if (chunk.length > 0) (this.#tail ??= []).push(keep(chunk));
    }
    return this.#flush();
  }

  end(): void {
    this.#ending = true;
    this.#flush();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#tail = null;
    if (this.#socket !== null) this.#socket.terminate();
    else this.onClose();
  }

  pause(): void {
    this.#paused = true;
    if (this.#socket !== null) this.#pauseSocket(this.#socket);
  }

  resume(): void {
    this.#paused = false;
    if (this.#handler !== null) this.#resumeSocket();
  }

  #pauseSocket(socket: TransportSocket): void {
    this.#socketPaused = true;
    socket.pause();
  }

  #resumeSocket(): void {
    const socket = this.#socket;
    if (socket === null || !this.#socketPaused) return;
    this.#socketPaused = false;
    socket.resume();
  }

  // Called by the socket handlers.

  onData(chunk: Uint8Array): void {
    const handler = this.#handler;
    // Each chunk is a fresh buffer Bun never writes again (test/fresh-chunks.test.ts), so one
    // that arrives before the session starts is kept as it is.
    if (handler !== null) handler.receive(chunk);
    else this.#early?.push((h) => h.receive(chunk));
  }

  onDrain(): void {
    if (this.#flush() && this.#handler !== null) this.#handler.drain();
  }

  onEnd(): void {
    this.#readEnded = true;
    this.#emit((h) => h.receiveEof());
    // Both directions are done: nothing unread is left, so this close is a clean one.
    if (this.#writeShut && !this.#closed) this.#socket?.end();
  }

  onError(error: Error): void {
    this.#tail = null;
    this.#emit((h) => h.receiveEof(error));
  }

  onClose(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tail = null;
    if (error !== undefined) this.#emit((h) => h.receiveEof(error));
    this.#emit((h) => h.closed());
    // Bun may keep a closed socket (and its `data`, this transport) until a later GC: let go of
    // the session so that only this small object lingers. (Before start(), the events wait.)
    if (this.#handler !== null) this.#handler = null;
  }

  /** Write the queued bytes until the socket is full. Returns whether everything was taken. */
  #flush(): boolean {
    const socket = this.#socket;
    const tail = this.#tail;
    if (socket === null || !this.#ready) return tail === null;
    if (tail !== null) {
      while (tail.length > 0) {
        const chunk = tail[0]!;
        const n = socket.write(chunk);
        if (n < 0) {
          // Closed or shutting down: nothing more can go out; `close` reports it.
          this.#tail = null;
          return true;
        }
        if (n < chunk.length) {
          tail[0] = chunk.subarray(n);
          return false;
        }
        tail.shift();
      }
      this.#tail = null;
    }
    if (this.#ending && !this.#closed) {
      this.#ending = false;
      this.#shutWrite(socket);
    }
    return true;
  }

  /** Write `chunk` with nothing queued before it; keep what the socket did not take. */
  #writeNow(socket: TransportSocket, chunk: Uint8Array): boolean {
    const n = socket.write(chunk);
    // n < 0: closed or shutting down; nothing more can go out and `close` reports it.
    if (n < 0 || n === chunk.length) return true;
    (this.#tail ??= []).push(keep(chunk.subarray(n)));
    return false;
  }

  /** Send our FIN. A full close waits for the peer's, so no unread byte turns it into a reset. */
  #shutWrite(socket: TransportSocket): void {
    if (this.#readEnded) {
      socket.end();
      return;
    }
    this.#writeShut = true;
    socket.shutdown();
    // Core discards whatever still comes, but it must be read: a paused socket would keep it
    // unread until the close timer destroys the connection.
    this.#paused = false;
    this.#resumeSocket();
  }

  #emit(event: (handler: TransportHandler) => void): void {
    const handler = this.#handler;
    if (handler !== null) event(handler);
    else this.#early?.push(event);
  }
}

/**
 * The socket handlers every socket shares: each socket's `data` is its transport. A server
 * socket has none before `open` (a TLS client failing the handshake is reported before it).
 */
export const SOCKET_HANDLERS: SocketHandler<BunSocketTransport | undefined> = {
  // Plain Uint8Arrays rather than Buffers. (bun-types only types handlers of the default
  // "buffer" kind; a Buffer is a Uint8Array, so the handler below fits either way.)
  binaryType: "uint8array",
  open: (socket) => socket.data?.attach(socket as TransportSocket),
  data: (socket, chunk) => socket.data?.onData(chunk),
  drain: (socket) => socket.data?.onDrain(),
  end: (socket) => socket.data?.onEnd(),
  error: (socket, error) => socket.data?.onError(error),
  close: (socket, error) => socket.data?.onClose(error),
  connectError: (socket, error) => {
    socket.data?.onError(error);
    socket.data?.onClose();
  },
};

/** A TLS client's handlers: {@link SOCKET_HANDLERS} plus the certificate check. */
export const TLS_CLIENT_HANDLERS: SocketHandler<BunSocketTransport | undefined> = {
  ...SOCKET_HANDLERS,
  handshake: (socket, _success, authorizationError) => socket.data?.onHandshake(authorizationError),
};

/**
 * `chunk` to hold on to while the socket is full: a copy when it is a piece of a shared outgoing
 * slab, which would otherwise stay alive whole for as long as the socket stays full.
 */
function keep(chunk: Uint8Array): Uint8Array {
  return isOutgoingSlab(chunk.buffer) ? new Uint8Array(chunk) : chunk;
}
