/**
 * A {@link Transport} over a `Deno.Conn` (TCP or TLS).
 * Docs: https://docs.deno.com/api/deno/~/Deno.Conn
 *
 * Reads: one loop calls `conn.read()` into a reused buffer, so a connection holds at most that
 * much unparsed input; `pause()` simply stops issuing reads and TCP pushes back on the peer.
 * Reusing the buffer is safe because the session (and core) never keep a chunk past `receive()`:
 * core copies whatever it must hold (handshake leftovers, partial frames). The buffer starts at
 * 1 KiB, since an idle connection parks it in its pending read (64 KiB each made an idle Deno
 * connection cost 90 KiB; 4 KiB, 14.5-14.9 KiB of RSS at 10,000 idle connections against
 * 11.4-11.9 with 1 KiB), grows 4x whenever a read fills it, up to 64 KiB, and halves after reads
 * that used less than an eighth of it. A request head over 1 KiB takes one more read.
 *
 * Writes: a byte-counted queue drained by one `conn.write()` loop. `conn.write()` may take part
 * of a buffer (it returns how much), so the loop retries the tail; `write()` reports "full" past
 * {@link WRITE_HIGH_WATER_MARK} queued bytes and `drain()` fires once the queue is back under it.
 * We do not use `conn.writable`: its queuing strategy counts chunks, not bytes, and closing it
 * closes the whole connection, where a WebSocket needs `closeWrite()` (a FIN, still reading).
 */
import { concatBytes, type Transport, type TransportHandler } from "@wsengine/session";

// --- types ---

/** What the transport needs of a `Deno.Conn`; `Deno.TcpConn` and `Deno.TlsConn` both fit. */
export type DenoConn = Pick<Deno.Conn, "read" | "write" | "closeWrite" | "close">;

/** Queued bytes past which `write()` reports the transport full: the session then holds the rest. */
export const WRITE_HIGH_WATER_MARK: number = 64 * 1024;
const MIN_READ_BUFFER = 1024;
const MAX_READ_BUFFER = 64 * 1024;
/** Small queued chunks are merged into one write (one op, one syscall) up to this size. */
const MERGE_LIMIT = 64 * 1024;

// --- adapter ---

/**
 * Deno connection as a session transport. The connection may still be on its way (a client's
 * `Deno.connect()` promise): bytes written meanwhile wait in the queue, and a failed connect
 * ends the input with the error.
 */
export class DenoConnTransport implements Transport {
  #conn: DenoConn | null = null;
  #handler: TransportHandler | null = null;
  readonly #queue: Uint8Array[] = [];
  /** Where {@link #take} merges chunks, while {@link #pump} runs. */
  #scratch: Uint8Array | null = null;
  #queued = 0;
  #writing = false;
  #full = false;
  #ending = false;
  #readDone = false;
  #writeDone = false;
  #destroyed = false;
  #closed = false;
  #paused = false;
  #wake: (() => void) | null = null;
  #failure: unknown;

  constructor(conn: DenoConn | Promise<DenoConn>) {
    if (conn instanceof Promise) {
      conn.then(
        (c) => {
          if (this.#destroyed) return c.close();
          this.#conn = c;
          this.#begin();
        },
        (error: unknown) => this.#fail(error),
      );
    } else {
      this.#conn = conn;
    }
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    // A connect that failed before the session started is reported now.
    if (this.#failure !== undefined) handler.receiveEof(this.#failure);
    if (this.#closed) queueMicrotask(() => handler.closed());
    this.#begin();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#destroyed || this.#writeDone) return true;
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.#queue.push(chunk);
      this.#queued += chunk.length;
    }
    void this.#pump();
    this.#full = this.#queued >= WRITE_HIGH_WATER_MARK;
    return !this.#full;
  }

  end(): void {
    this.#ending = true;
    void this.#pump();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#readDone = this.#writeDone = true;
    this.#queue.length = 0;
    this.#wake?.();
    this.#finish();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wake?.();
  }

  /** Start reading and writing once both the connection and the handler are there. */
  #begin(): void {
    if (this.#conn === null || this.#handler === null || this.#destroyed) return;
    void this.#readLoop(this.#conn, this.#handler);
    void this.#pump();
  }

  async #readLoop(conn: DenoConn, handler: TransportHandler): Promise<void> {
    let buffer = new Uint8Array(MIN_READ_BUFFER);
    try {
      for (;;) {
        while (this.#paused && !this.#destroyed) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        if (this.#destroyed) return;
        const n = await conn.read(buffer);
        if (this.#destroyed) return;
        if (n === null) break;
        handler.receive(buffer.subarray(0, n));
        const size = buffer.length;
        if (n === size && size < MAX_READ_BUFFER) buffer = new Uint8Array(Math.min(MAX_READ_BUFFER, size * 4));
        else if (n < size >> 3 && size > MIN_READ_BUFFER) buffer = new Uint8Array(size >> 1);
      }
      this.#readDone = true;
      handler.receiveEof();
      this.#finish();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #pump(): Promise<void> {
    const conn = this.#conn;
    if (this.#writing || conn === null || this.#handler === null || this.#destroyed || this.#writeDone) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#destroyed) {
        const chunk = this.#take();
        for (let at = 0; at < chunk.length; ) at += await conn.write(at === 0 ? chunk : chunk.subarray(at));
        this.#queued -= chunk.length;
        if (this.#full && this.#queued < WRITE_HIGH_WATER_MARK && !this.#destroyed) {
          this.#full = false;
          this.#handler.drain();
        }
      }
      if (this.#ending && this.#queue.length === 0 && !this.#destroyed) {
        this.#writeDone = true;
        await conn.closeWrite();
        this.#finish();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#writing = false;
      this.#scratch = null; // an idle connection keeps none
    }
  }

  /**
   * The next queued chunk, with small neighbours merged into it. Merges are built in one array
   * kept while {@link #pump} runs: each write ends before the next merge, so the array is free
   * again. A new (zeroed) array per merge cost more than the echo itself: 1 KiB text over 100
   * connections went from ~60 k to ~100 k msg/s without it.
   */
  #take(): Uint8Array {
    const queue = this.#queue;
    let count = 1;
    let size = queue[0]!.length;
    while (count < queue.length && size + queue[count]!.length <= MERGE_LIMIT) size += queue[count++]!.length;
    if (count === 1) return queue.shift()!;
    let scratch = this.#scratch;
    if (scratch === null || scratch.length < size) {
      scratch = this.#scratch = new Uint8Array(Math.min(MERGE_LIMIT, Math.max(size, 2 * (scratch?.length ?? 0))));
    }
    return concatBytes(queue.splice(0, count), scratch).subarray(0, size);
  }

  /** A read, write or connect failed: report it once and close both ways. */
  #fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#readDone = this.#writeDone = true;
    this.#queue.length = 0;
    this.#wake?.();
    if (this.#handler === null) this.#failure = error ?? new Error("connection failed");
    else this.#handler.receiveEof(error);
    this.#finish();
  }

  /** Both directions are done: release the connection and tell the session, once. */
  #finish(): void {
    if (this.#closed || !this.#readDone || !this.#writeDone) return;
    this.#closed = true;
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the runtime (a failed TLS handshake, a reset).
    }
    const handler = this.#handler;
    if (handler !== null) queueMicrotask(() => handler.closed());
  }
}
