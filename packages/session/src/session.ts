/**
 * Theory of operation.
 *
 * A session drives one core `Connection` over one {@link Transport} and gives the application
 * the API it expects: an async iterator of messages, promise-returning `send()`/`ping()`/`close()`,
 * typed events, and the timers core leaves to adapters (STYLE §8).
 *
 * The loop is core's integration contract, run after every input and every method call:
 *
 * ```ts
 * run(conn.receive(chunk));                // dispatch the events in wire order
 * transport.write(conn.takeOutgoing());    // one batch per step, held back while the transport is full
 * if (conn.outgoingEnded) transport.end(); // once everything queued is handed over
 * if (conn.closeExpected) armCloseTimer(); // on expiry: transport.destroy(), then conn.receiveEof()
 * ```
 *
 * Rules:
 * - Queue, then flush. Events are dispatched from one loop; a method called from a listener
 *   (send, close, ping) only queues into core's outbox and, for close/fail, appends the events
 *   it produced to the list being dispatched. Nothing recurses, so the order of events is wire
 *   order whatever the listeners do.
 * - Sends made while dispatching go out together when the dispatch ends; sends made elsewhere
 *   go out in a microtask, so a synchronous burst is one transport write. A batch larger than
 *   {@link FLUSH_THRESHOLD} is written at once.
 * - Outgoing backpressure: when `write()` returns `false` the bytes stay in core's outbox until
 *   `drain()`. `send()` promises resolve when their batch is handed to the transport. Beyond
 *   `maxBufferedAmount` held bytes the connection fails with 1008 (as a WHATWG WebSocket does
 *   when its buffer is full): the held data is dropped and the Close frame goes out alone.
 * - Incoming backpressure: messages nobody consumed yet wait in a queue; past
 *   `receiveHighWaterMark` the transport is paused, and resumed at half of it. While paused the
 *   keepalive and idle timers do not count, because the peer's pongs sit unread behind data.
 * - Nothing the peer or the network does throws: failures end as `error` + `close` events.
 *   Listener exceptions are rethrown from a microtask so they cannot corrupt the loop.
 */
import type {
  ClientConnection,
  ClosedEvent,
  ConnectionEvent,
  HttpHeaders,
  HttpRequestHead,
  ServerConnection,
  UpgradeRequest,
} from "@wsengine/core";
import { ConnectionClosedError, type CloseInfo, HandshakeRejectedError, WebSocketError } from "./errors.js";
import { Listeners, reportError } from "./listeners.js";
import { type UpgradeDecision, type UpgradeHook, SESSION_DEFAULTS, type SessionOptions } from "./options.js";
import { payloadKey, PingTracker } from "./ping-tracker.js";
import { type Message, ReceiveQueue } from "./receive-queue.js";
import { Timer, TimerLists } from "./timers.js";
import type { Transport, TransportHandler } from "./transport.js";

/** Held outgoing bytes past which a batch is written without waiting for the microtask. */
export const FLUSH_THRESHOLD: number = 64 * 1024;

/** `0` connecting, `1` open, `2` closing, `3` closed: the WHATWG `readyState` values. */
export type ReadyState = 0 | 1 | 2 | 3;

/** What the `open` event carries. */
export interface OpenInfo {
  readonly protocol: string | null;
  readonly extensions: readonly string[];
  /** Client: the server's 101 response headers. Server: the request's headers. */
  readonly headers: HttpHeaders;
}

/** Events of a {@link WebSocketSession} and what their listeners receive. */
export interface SessionEventMap {
  /** The opening handshake completed. */
  open: OpenInfo;
  /** A whole message: text as a string, binary as a `Uint8Array` the listener owns. */
  message: Message;
  /** A ping arrived (core already answered it unless `autoPong` is off). */
  ping: Uint8Array;
  /** A pong arrived. */
  pong: Uint8Array;
  /** The connection failed; a `close` event follows. */
  error: Error;
  /** The connection ended. Emitted exactly once, always last. */
  close: CloseInfo;
}

/** Server only: a request the platform already parsed (Node's `'upgrade'` event). */
export interface ParsedRequest {
  readonly head: HttpRequestHead;
  /** Bytes read after the request head. */
  readonly rest?: Uint8Array;
}

/** A settled-once promise shared by every send of one batch: one allocation per batch, not per message. */
interface Batch {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

interface Waiter {
  resolve(result: IteratorResult<Message, undefined>): void;
}

const NO_EVENTS: ConnectionEvent[] = [];
const NO_EXTENSIONS: readonly string[] = Object.freeze([]);
const NO_OPTIONS: SessionOptions = Object.freeze({});
const DONE: IteratorResult<Message, undefined> = Object.freeze({ value: undefined, done: true });
const noop = (): void => {};

/** {@link SessionOptions} with every default filled in. */
interface ResolvedOptions extends Required<Omit<SessionOptions, "onUpgrade">> {
  readonly onUpgrade: UpgradeHook | undefined;
  /** Timer lists shared by every session made with these options (see {@link shareTimers}), or null. */
  readonly timers: TimerLists | null;
}

/**
 * Resolved options per options object. A server hands the same object to every session, so its
 * sessions share one resolved copy instead of carrying one each, as long as the values stay the
 * same: a caller that changes its options object between sessions gets a new copy (with the
 * same shared timers), as core does for its connections.
 */
const resolvedOptions: WeakMap<SessionOptions, ResolvedOptions> = new WeakMap();

/** @internal Exported for the tests. */
export function resolveOptions(options: SessionOptions, timers: TimerLists | null = null): ResolvedOptions {
  const known = resolvedOptions.get(options);
  const pingInterval = options.pingInterval ?? SESSION_DEFAULTS.pingInterval;
  const resolved: ResolvedOptions = {
    closeTimeout: options.closeTimeout ?? SESSION_DEFAULTS.closeTimeout,
    handshakeTimeout: options.handshakeTimeout ?? SESSION_DEFAULTS.handshakeTimeout,
    pingInterval,
    pingTimeout: options.pingTimeout ?? (pingInterval || SESSION_DEFAULTS.pingTimeout),
    idleTimeout: options.idleTimeout ?? SESSION_DEFAULTS.idleTimeout,
    maxBufferedAmount: options.maxBufferedAmount ?? SESSION_DEFAULTS.maxBufferedAmount,
    receiveHighWaterMark: options.receiveHighWaterMark ?? SESSION_DEFAULTS.receiveHighWaterMark,
    onUpgrade: options.onUpgrade,
    timers: timers ?? known?.timers ?? null,
  };
  if (known !== undefined && sameValues(known, resolved)) return known;
  resolvedOptions.set(options, Object.freeze(resolved));
  return resolved;
}

/** Every value compared, written out (a loop over the keys is several times slower); a test checks none is left out. */
function sameValues(a: ResolvedOptions, b: ResolvedOptions): boolean {
  return (
    a.closeTimeout === b.closeTimeout &&
    a.handshakeTimeout === b.handshakeTimeout &&
    a.pingInterval === b.pingInterval &&
    a.pingTimeout === b.pingTimeout &&
    a.idleTimeout === b.idleTimeout &&
    a.maxBufferedAmount === b.maxBufferedAmount &&
    a.receiveHighWaterMark === b.receiveHighWaterMark &&
    a.onUpgrade === b.onUpgrade &&
    a.timers === b.timers
  );
}

/**
 * Let every session constructed with `options` share one set of timer lists: one runtime timer
 * per duration rather than one per session and timer. {@link SessionServer} does this for its
 * connections. Never for sessions of different requests where timers belong to a request
 * (Cloudflare Workers): a timer armed by one request may not do I/O for another.
 */
export function shareTimers(options: SessionOptions): void {
  resolveOptions(options, new TimerLists());
}

function createBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller who does not await a send must not get an unhandled rejection when the
  // connection dies; a caller who awaits still sees it.
  promise.catch(noop);
  return { promise, resolve, reject };
}

function rejected<T>(error: Error): Promise<T> {
  const promise = Promise.reject(error);
  promise.catch(noop);
  return promise;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}

function toBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("send() takes a string, an ArrayBuffer or an ArrayBufferView");
}

/**
 * A WebSocket connection with the API applications expect, over any {@link Transport}.
 * Adapters construct it (`new WebSocketSession(connection, transport, options)`); applications
 * use it:
 *
 * @example
 * for await (const message of session) {
 *   await session.send(typeof message === "string" ? message.toUpperCase() : message);
 * }
 * const { code, reason } = await session.closed;
 *
 * @example
 * session.on("message", (message) => session.send(message));   // the fastest echo
 * session.on("close", ({ code, wasClean }) => console.log(code, wasClean));
 */
export class WebSocketSession implements AsyncIterable<Message> {
  readonly #conn: ClientConnection | ServerConnection;
  readonly #transport: Transport;
  readonly #options: ResolvedOptions;
  /** A server's pre-parsed request, until the session starts. */
  #request: ParsedRequest | null;
  /** A server's validated upgrade request, from its arrival until the open listeners have run. */
  #upgradeRequest: UpgradeRequest | null = null;
  readonly #listeners: Listeners<SessionEventMap, WebSocketSession> = new Listeners<SessionEventMap, WebSocketSession>(this);

  #readyState: ReadyState = 0;
  #protocol: string | null = null;
  #extensions: readonly string[] = NO_EXTENSIONS;
  #closeInfo: CloseInfo | null = null;
  /** The cause to report when the connection ends because of us or the transport, not core. */
  #failure: Error | null = null;
  // `opened` and `closed` are made when first asked for: most server connections never are.
  #closed: Promise<CloseInfo> | null = null;
  #resolveClosed: ((info: CloseInfo) => void) | null = null;
  #opened: Promise<void> | null = null;
  #resolveOpened: (() => void) | null = null;
  #rejectOpened: ((error: Error) => void) | null = null;

  // The dispatch loop.
  #pending: ConnectionEvent[] = NO_EVENTS;
  #dispatching = false;

  // Outgoing side.
  #started = false;
  #writable = true;
  #ended = false;
  /** Destroyed by us or closed by the runtime: no more writes. */
  #transportDone = false;
  #eof = false;
  #flushScheduled = false;
  #batch: Batch | null = null;

  // Incoming side. The queue and the waiters exist only once needed: an idle connection has neither.
  #queue: ReceiveQueue | null = null;
  /** Pending `next()` calls, oldest first (more than one only if the caller does not await). */
  #waiters: Waiter[] | null = null;
  #iterating = false;
  #paused = false;
  #drainScheduled = false;

  // Timers (timers.ts), each made when first armed; no feature that is off has one.
  /** The server's shared timer lists, or this session's own (made on first use). */
  #timers: TimerLists | null;
  #closeTimer: Timer<WebSocketSession> | null = null;
  #handshakeTimer: Timer<WebSocketSession> | null = null;
  /** Waits `pingInterval` to send a keepalive ping, then `pingTimeout` for its pong. */
  #keepaliveTimer: Timer<WebSocketSession> | null = null;
  #awaitingPong = false;
  /** Re-armed on every step after a data message either way. */
  #idleTimer: Timer<WebSocketSession> | null = null;
  #active = false;
  /** Pings waiting for their pong; made by the first ping. */
  #pings: PingTracker | null = null;

  /**
   * Drive `connection` over `transport`. The session starts in a microtask (it calls
   * `transport.start()`, writes a client's request, hands a server's parsed request to core),
   * so listeners added right after construction see every event.
   *
   * @param connection a fresh core connection; its `streaming` option must be off.
   * @param request server only: a request head the platform already parsed, plus the bytes after it.
   */
  constructor(connection: ClientConnection | ServerConnection, transport: Transport, options: SessionOptions = NO_OPTIONS, request?: ParsedRequest) {
    this.#conn = connection;
    this.#transport = transport;
    this.#request = request ?? null;
    this.#options = resolveOptions(options);
    this.#timers = this.#options.timers;
    queueMicrotask(() => this.#start());
  }

  // --- state -------------------------------------------------------------------------------

  /** Which end this is. */
  get role(): "client" | "server" {
    return this.#conn.role;
  }
  /** `0` connecting, `1` open, `2` closing, `3` closed. */
  get readyState(): ReadyState {
    return this.#readyState;
  }
  /** The negotiated subprotocol, or `null`. */
  get protocol(): string | null {
    return this.#protocol;
  }
  /** Names of the negotiated extensions. */
  get extensions(): readonly string[] {
    return this.#extensions;
  }
  /**
   * Server: the validated upgrade request, from its arrival through the `open` listeners (and
   * `onConnection`); `null` after that, and on a client. An open connection does not keep the
   * request's headers and strings (most of what a handshake leaves behind, as ws found when it
   * dropped `upgradeReq`): copy what you need while it is there.
   */
  get request(): UpgradeRequest | null {
    return this.#upgradeRequest;
  }
  /**
   * Bytes sent but not yet handed to the transport (held while it is full). The transport's
   * own buffer (bounded by its high-water mark) is not included.
   */
  get bufferedAmount(): number {
    return this.#conn.bufferedAmount;
  }
  /** Bytes of received messages waiting for a consumer. */
  get receivedAmount(): number {
    return this.#queue?.bytes ?? 0;
  }
  /** Whether reading is paused because received messages are not being consumed. */
  get isPaused(): boolean {
    return this.#paused;
  }
  /** Resolves once open; rejects with the reason when the handshake fails. */
  get opened(): Promise<void> {
    // A session that closed without opening has its rejected promise already (see #onClosed).
    if (this.#opened === null) {
      if (this.#readyState === 0) {
        this.#opened = new Promise((resolve, reject) => {
          this.#resolveOpened = resolve;
          this.#rejectOpened = reject;
        });
        this.#opened.catch(noop);
      } else {
        this.#opened = Promise.resolve();
      }
    }
    return this.#opened;
  }
  /** Resolves with how the connection ended. Never rejects. */
  get closed(): Promise<CloseInfo> {
    if (this.#closed === null) {
      const info = this.#closeInfo;
      this.#closed = info !== null ? Promise.resolve(info) : new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closed;
  }
  /** How the connection ended, or `null` while it has not. */
  get closeInfo(): CloseInfo | null {
    return this.#closeInfo;
  }

  // --- events ------------------------------------------------------------------------------

  /**
   * Listen for `type`. Listeners run synchronously in wire order; they may call any method.
   * A `message` listener consumes messages: while one is registered and no iterator runs,
   * messages are not queued (queued ones are handed to the first listener added).
   */
  on<K extends keyof SessionEventMap>(type: K, listener: (this: WebSocketSession, event: SessionEventMap[K]) => void): this {
    this.#listeners.add(type, listener);
    if (type === "message" && this.#hasQueued() && !this.#iterating) this.#scheduleQueueDrain();
    return this;
  }

  /** Stop listening. */
  off<K extends keyof SessionEventMap>(type: K, listener: (this: WebSocketSession, event: SessionEventMap[K]) => void): this {
    this.#listeners.remove(type, listener);
    return this;
  }

  /** Listen for the next `type` event only. */
  once<K extends keyof SessionEventMap>(type: K, listener: (this: WebSocketSession, event: SessionEventMap[K]) => void): this {
    const wrapper = (event: SessionEventMap[K]): void => {
      this.#listeners.remove(type, wrapper);
      listener.call(this, event);
    };
    return this.on(type, wrapper);
  }

  /**
   * Messages as they arrive; the loop ends (without throwing) when the connection closes and
   * every message received before has been consumed. Read `closed` or `closeInfo` for how it
   * ended. One iterator at a time; leaving the loop does not close the connection.
   * @throws {WebSocketError} `INVALID_STATE` while another iterator is active.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message, undefined, undefined> {
    if (this.#iterating) throw new WebSocketError("INVALID_STATE", "the session is already being iterated");
    this.#iterating = true;
    const iterator: AsyncIterableIterator<Message, undefined, undefined> = {
      next: () => this.#next(),
      return: () => {
        this.#iterating = false;
        this.#endWaiters();
        if (this.#hasQueued() && this.#listeners.has("message")) this.#scheduleQueueDrain();
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // --- sending -----------------------------------------------------------------------------

  /**
   * Send a message: a string as text, bytes as binary. Binary data is not copied: do not modify
   * it until the returned promise resolves.
   * @returns a promise that resolves once the message is handed to the transport, and waits
   *   while the transport is full. It rejects with {@link ConnectionClosedError} when the
   *   connection closed first; an unawaited rejection is never reported as unhandled.
   * @throws {WebSocketError} `INVALID_STATE` before the connection is open.
   */
  send(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): Promise<void> {
    const conn = this.#conn;
    // Core's state, not readyState: a chunk may carry a message and then the peer's Close, and
    // a listener of that message must not send after our Close echo.
    const state = conn.state;
    if (state !== "open" && state !== "remote-closing") {
      if (state === "connecting") throw new WebSocketError("INVALID_STATE", "cannot send before the connection is open");
      return rejected(new ConnectionClosedError());
    }
    if (typeof data === "string") conn.sendText(data);
    else conn.sendBinary(toBytes(data));
    this.#active = true;
    const batch = (this.#batch ??= createBatch());
    if (!this.#writable) {
      if (conn.bufferedAmount > this.#options.maxBufferedAmount) this.#overflow();
    } else if (conn.bufferedAmount >= FLUSH_THRESHOLD) {
      this.#step();
    } else {
      this.#scheduleFlush();
    }
    return batch.promise;
  }

  /**
   * Send a ping and measure the round trip. The pong is matched by payload; a pong also
   * settles every earlier ping (a peer may answer only the latest).
   * @param data at most 125 bytes; by default a fresh 4-byte payload.
   * @returns the round-trip time in milliseconds. Rejects with {@link ConnectionClosedError} if
   *   the connection closes first, or with `INVALID_STATE` if this payload is already waiting.
   * @throws {WebSocketError} `INVALID_STATE` before the connection is open.
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` for a payload over 125 bytes.
   */
  ping(data?: string | Uint8Array): Promise<number> {
    const conn = this.#conn;
    const state = conn.state;
    if (state !== "open" && state !== "remote-closing") {
      if (state === "connecting") throw new WebSocketError("INVALID_STATE", "cannot ping before the connection is open");
      return rejected(new ConnectionClosedError());
    }
    const pings = (this.#pings ??= new PingTracker());
    const payload = data === undefined ? pings.nextPayload() : typeof data === "string" ? new TextEncoder().encode(data) : data;
    const key = payloadKey(payload);
    if (pings.has(key)) return rejected(new WebSocketError("INVALID_STATE", "a ping with this payload is already waiting for its pong"));
    conn.ping(payload);
    const promise = new Promise<number>((resolve, reject) => pings.add(key, performance.now(), resolve, reject));
    promise.catch(noop);
    this.#scheduleFlush();
    return promise;
  }

  /**
   * Start the closing handshake (or abort the opening one: the transport is destroyed and
   * `close` reports 1006). Does nothing when already closing. If the peer does not finish within
   * `closeTimeout`, the transport is destroyed.
   * @param code 1000-1003, 1007-1014 or 3000-4999; without it the Close frame is empty.
   * @param reason at most 123 UTF-8 bytes (longer ones are cut on a code-point boundary).
   * @returns `closed`.
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` for a code that may not be sent.
   */
  close(code?: number, reason?: string): Promise<CloseInfo> {
    const conn = this.#conn;
    switch (conn.state) {
      case "connecting":
        this.#failure ??= new WebSocketError("HANDSHAKE_FAILED", "closed before the opening handshake completed");
        this.#abort();
        break;
      case "open":
      case "remote-closing":
        conn.close(code, reason);
        if (this.#readyState === 1) this.#readyState = 2;
        this.#run(conn.takeEvents());
        break;
      default:
        break;
    }
    return this.closed;
  }

  /** Destroy the transport at once, without a closing handshake; `close` reports 1006. */
  terminate(): void {
    this.#failure ??= new WebSocketError("CONNECTION_CLOSED", "terminated locally");
    this.#abort();
  }

  // --- the loop ----------------------------------------------------------------------------

  /**
   * What the transport calls. Declared inside the class body so that its methods reach the
   * session's private state: each session needs one small object, not a closure per callback.
   */
  static readonly #Input = class SessionInput implements TransportHandler {
    readonly #session: WebSocketSession;

    constructor(session: WebSocketSession) {
      this.#session = session;
    }

    receive(chunk: Uint8Array): void {
      const session = this.#session;
      session.#run(session.#conn.receive(chunk));
    }

    receiveEof(error?: unknown): void {
      const session = this.#session;
      if (session.#eof) return;
      if (error !== undefined) {
        session.#failure ??= new WebSocketError("TRANSPORT_ERROR", error instanceof Error ? error.message : String(error), { cause: error });
        // A failed transport takes no more writes.
        session.#transportDone = true;
      }
      session.#eof = true;
      session.#run(session.#conn.receiveEof());
    }

    drain(): void {
      const session = this.#session;
      session.#writable = true;
      session.#step();
    }

    closed(): void {
      const session = this.#session;
      session.#transportDone = true;
      session.#clearCloseTimer();
      if (!session.#eof) {
        session.#eof = true;
        session.#run(session.#conn.receiveEof());
      } else {
        session.#step();
      }
    }
  };

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const request = this.#request;
    this.#request = null;
    if (this.#transportDone) return;
    this.#transport.start(new WebSocketSession.#Input(this));
    if (this.#conn.state === "connecting" && this.#options.handshakeTimeout > 0) {
      this.#handshakeTimer = this.#arm(new Timer<WebSocketSession>(this, WebSocketSession.#handshakeExpired), this.#options.handshakeTimeout);
    }
    if (request !== null && this.#conn.role === "server") {
      this.#run(this.#conn.receiveRequest(request.head, request.rest));
    } else {
      this.#run(this.#conn.takeEvents());
    }
  }

  /** Dispatch `events` (appending them when a dispatch is already running), then step. */
  #run(events: ConnectionEvent[]): void {
    if (events.length !== 0) {
      if (this.#pending.length === 0) this.#pending = events;
      else for (const e of events) this.#pending.push(e);
    }
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      const list = this.#pending;
      // `list` may grow while it is walked: a listener's close() appends its events here.
      for (let i = 0; i < list.length; i++) this.#handle(list[i]!);
    } finally {
      this.#pending = NO_EVENTS;
      this.#dispatching = false;
    }
    this.#step();
  }

  /** Hand core's outbox to the transport, half-close, and arm the close timer: the loop's tail. */
  #step(): void {
    const conn = this.#conn;
    if (!this.#started) return;
    if (conn.bufferedAmount !== 0) {
      if (this.#transportDone) {
        conn.takeOutgoing();
        this.#rejectBatch();
      } else if (this.#writable) {
        this.#writable = this.#transport.write(conn.takeOutgoing());
        const batch = this.#batch;
        if (batch !== null) {
          this.#batch = null;
          batch.resolve();
        }
      }
    }
    if (this.#transportDone) return;
    if (conn.outgoingEnded && !this.#ended && conn.bufferedAmount === 0) {
      this.#ended = true;
      this.#transport.end();
      // A transport may close inside end(): Bun's socket.end() runs the close handler at once
      // when the peer's FIN is in. No close timer then, which would hold this session until it fired.
      if (this.#transportDone) return;
    }
    if (this.#active && this.#idleTimer !== null) {
      this.#active = false;
      this.#arm(this.#idleTimer, this.#options.idleTimeout);
    }
    if (this.#closeTimer === null && (conn.closeExpected || conn.state === "closed")) {
      // After a clean close this waits for the peer to end the transport; after a failure it
      // bounds how long our Close frame and FIN may take to flush.
      this.#closeTimer = this.#arm(new Timer<WebSocketSession>(this, WebSocketSession.#closeExpired), this.#options.closeTimeout);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#dispatching) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#step();
    });
  }

  #handle(ev: ConnectionEvent): void {
    switch (ev.type) {
      case "text":
      case "binary":
        this.#active = true;
        this.#deliver(ev.data);
        return;
      case "ping":
        this.#listeners.emit("ping", ev.data);
        return;
      case "pong":
        this.#pings?.pong(payloadKey(ev.data), performance.now());
        this.#onPong();
        this.#listeners.emit("pong", ev.data);
        return;
      case "upgrade-request":
        this.#upgradeRequest = ev.request;
        this.#decide(ev.request);
        return;
      case "open":
        this.#onOpen(ev.protocol, ev.extensions, ev.headers);
        return;
      case "rejected":
        this.#failure ??= new HandshakeRejectedError(ev.status, ev.statusText, ev.headers, ev.body);
        return;
      case "closing":
        if (this.#readyState === 1) this.#readyState = 2;
        return;
      case "closed":
        this.#onClosed(ev);
        return;
      case "text-fragment":
      case "binary-fragment":
      case "text-bytes":
        // Whole messages, text as strings, are this layer's contract; anything else is a setup bug.
        this.#conn.fail(1011, "");
        this.#failure ??= new WebSocketError("INVALID_STATE", `the session does not support core's ${ev.type === "text-bytes" ? 'textAs: "bytes"' : "streaming mode"}`);
        this.#run(this.#conn.takeEvents());
        return;
      default:
        ev satisfies never;
    }
  }

  #onOpen(protocol: string | null, extensions: readonly string[], headers: HttpHeaders): void {
    this.#readyState = 1;
    this.#protocol = protocol;
    // Core makes a new array per connection; an empty one need not be kept.
    this.#extensions = extensions.length === 0 ? NO_EXTENSIONS : extensions;
    this.#handshakeTimer?.cancel();
    this.#handshakeTimer = null;
    const { pingInterval, idleTimeout } = this.#options;
    if (pingInterval > 0) this.#keepaliveTimer = this.#arm(new Timer<WebSocketSession>(this, WebSocketSession.#keepaliveExpired), pingInterval);
    if (idleTimeout > 0) {
      this.#active = false;
      this.#idleTimer = this.#arm(new Timer<WebSocketSession>(this, WebSocketSession.#idleExpired), idleTimeout);
    }
    this.#resolveOpened?.();
    this.#resolveOpened = this.#rejectOpened = null;
    this.#listeners.emit("open", { protocol, extensions, headers });
    this.#upgradeRequest = null;
  }

  #onClosed(ev: ClosedEvent): void {
    const neverOpened = this.#readyState === 0;
    this.#readyState = 3;
    this.#upgradeRequest = null;
    const error = this.#failure ?? ev.error;
    const info: CloseInfo = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean, error };
    this.#closeInfo = info;
    this.#handshakeTimer?.cancel();
    this.#keepaliveTimer?.cancel();
    this.#idleTimer?.cancel();
    this.#handshakeTimer = this.#keepaliveTimer = this.#idleTimer = null;
    this.#awaitingPong = false;
    // Made only when a ping or `opened` is left to reject: an Error's stack trace costs ~1 KiB,
    // and most connections close with neither.
    const closedError = (): Error => new ConnectionClosedError(`the connection closed with ${ev.code}`, { cause: error ?? undefined });
    if (this.#pings?.size) this.#pings.rejectAll(closedError());
    if (neverOpened) {
      if (this.#rejectOpened !== null) this.#rejectOpened(error ?? closedError());
      else this.#opened ??= rejected(error ?? closedError());
      this.#resolveOpened = this.#rejectOpened = null;
    }
    // The iterator ends once it has taken what was received before the close.
    if (!this.#hasQueued()) this.#endWaiters();
    if (error !== null) this.#listeners.emit("error", error);
    this.#listeners.emit("close", info);
    this.#resolveClosed?.(info);
    this.#resolveClosed = null;
  }

  // --- incoming messages -------------------------------------------------------------------

  #deliver(message: Message): void {
    const hasListeners = this.#listeners.has("message");
    if (hasListeners) this.#listeners.emit("message", message);
    if (!this.#iterating && hasListeners) return;
    const waiters = this.#waiters;
    if (waiters !== null && waiters.length !== 0) {
      // Waiters exist only while the queue is empty, so this keeps the order.
      waiters.shift()!.resolve({ value: message, done: false });
      return;
    }
    const queue = (this.#queue ??= new ReceiveQueue());
    queue.push(message);
    if (!this.#paused && queue.bytes > this.#options.receiveHighWaterMark) {
      this.#paused = true;
      if (!this.#transportDone) this.#transport.pause();
    }
  }

  #next(): Promise<IteratorResult<Message, undefined>> {
    if (!this.#iterating) return Promise.resolve(DONE);
    const message = this.#queue?.shift();
    if (message !== undefined) {
      this.#maybeResume();
      return Promise.resolve({ value: message, done: false });
    }
    if (this.#readyState === 3) return Promise.resolve(DONE);
    const waiters = (this.#waiters ??= []);
    return new Promise((resolve) => waiters.push({ resolve }));
  }

  #endWaiters(): void {
    const waiters = this.#waiters;
    if (waiters === null || waiters.length === 0) return;
    this.#waiters = null;
    for (const waiter of waiters) waiter.resolve(DONE);
  }

  /** Whether received messages wait for a consumer. */
  #hasQueued(): boolean {
    return this.#queue !== null && this.#queue.length > 0;
  }

  #maybeResume(): void {
    // Only a queue past its high-water mark pauses reading, so a paused session has one.
    if (this.#paused && this.#queue!.bytes <= this.#options.receiveHighWaterMark / 2) {
      this.#paused = false;
      if (!this.#transportDone) this.#transport.resume();
    }
  }

  #scheduleQueueDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      while (!this.#iterating && this.#listeners.has("message")) {
        const message = this.#queue?.shift();
        if (message === undefined) break;
        this.#listeners.emit("message", message);
      }
      this.#maybeResume();
      this.#step();
    });
  }

  // --- server handshake --------------------------------------------------------------------

  #decide(request: UpgradeRequest): void {
    const hook = this.#options.onUpgrade;
    if (hook === undefined) {
      this.#answer(undefined);
      return;
    }
    let result: ReturnType<typeof hook>;
    try {
      result = hook(request, this);
    } catch (error) {
      this.#hookFailed(error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (decision) => this.#answer(decision),
        (error: unknown) => this.#hookFailed(error),
      );
    } else {
      this.#answer(result);
    }
  }

  #answer(decision: UpgradeDecision | void): void {
    const conn = this.#conn as ServerConnection;
    // The client may have gone, or the handshake timed out, while the hook was deciding.
    if (conn.state !== "connecting" || this.#transportDone) return;
    try {
      if (decision === undefined) {
        conn.accept();
      } else if (decision.action === "accept") {
        conn.accept({
          ...(decision.protocol === undefined ? {} : { protocol: decision.protocol }),
          ...(decision.headers === undefined ? {} : { headers: decision.headers }),
        });
      } else {
        conn.reject(decision.status, {
          ...(decision.statusText === undefined ? {} : { statusText: decision.statusText }),
          ...(decision.headers === undefined ? {} : { headers: decision.headers }),
          ...(decision.body === undefined ? {} : { body: decision.body }),
        });
      }
    } catch (error) {
      this.#hookFailed(error);
      return;
    }
    this.#run(conn.takeEvents());
  }

  /** The hook threw, or decided something core refused: answer 500, report the cause. */
  #hookFailed(error: unknown): void {
    const conn = this.#conn as ServerConnection;
    if (conn.state !== "connecting" || this.#transportDone) return;
    this.#failure ??= error instanceof Error ? error : new WebSocketError("HANDSHAKE_FAILED", String(error));
    conn.reject(500, { body: "internal server error" });
    this.#run(conn.takeEvents());
  }

  // --- timers and failure ------------------------------------------------------------------

  /** Destroy the transport and let core report 1006. */
  #abort(): void {
    if (!this.#transportDone) {
      this.#transportDone = true;
      this.#transport.destroy();
    }
    this.#clearCloseTimer();
    this.#rejectBatch();
    if (!this.#eof) {
      this.#eof = true;
      this.#run(this.#conn.receiveEof());
    }
  }

  #closeTimedOut(): void {
    this.#closeTimer = null;
    if (this.#transportDone) return;
    if (this.#conn.state !== "closed") {
      this.#failure ??= new WebSocketError("CONNECTION_CLOSED", `closing handshake not completed within ${this.#options.closeTimeout} ms`);
    }
    this.#abort();
  }

  #clearCloseTimer(): void {
    this.#closeTimer?.cancel();
    this.#closeTimer = null;
  }

  #rejectBatch(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    batch.reject(new ConnectionClosedError("the connection closed before the data was written"));
  }

  /** More than `maxBufferedAmount` held: fail with 1008, dropping the held data. */
  #overflow(): void {
    const conn = this.#conn;
    this.#failure ??= new WebSocketError("SEND_BUFFER_FULL", `more than ${this.#options.maxBufferedAmount} bytes waiting for the transport`);
    // Whole frames only: nothing held was handed over, so dropping it leaves the stream intact.
    conn.takeOutgoing();
    this.#rejectBatch();
    conn.fail(1008, "send buffer full");
    // The Close frame goes out now even though the transport is full: it is small, and the
    // peer should learn why.
    const close = conn.takeOutgoing();
    if (close.length > 0 && !this.#transportDone) this.#transport.write(close);
    this.#run(conn.takeEvents());
  }

  /** Arm `timer` for `ms` on the shared lists, or on this session's own. */
  #arm(timer: Timer<WebSocketSession>, ms: number): Timer<WebSocketSession> {
    (this.#timers ??= new TimerLists()).arm(timer, ms);
    return timer;
  }

  // Timers call these with their session: shared functions, so that a timer holds no closure.
  static #handshakeExpired(session: WebSocketSession): void {
    session.#handshakeTimer = null;
    if (session.#conn.state !== "connecting") return;
    session.#failure ??= new WebSocketError("HANDSHAKE_TIMEOUT", `opening handshake not completed within ${session.#options.handshakeTimeout} ms`);
    session.#abort();
  }

  static #closeExpired(session: WebSocketSession): void {
    session.#closeTimedOut();
  }

  static #keepaliveExpired(session: WebSocketSession): void {
    if (session.#awaitingPong) session.#pongMissing();
    else session.#keepalive();
  }

  static #idleExpired(session: WebSocketSession): void {
    session.#idleCheck();
  }

  /** Time for a keepalive ping. */
  #keepalive(): void {
    if (this.#conn.state !== "open") return;
    const { pingInterval, pingTimeout } = this.#options;
    // While reading is paused the pong cannot be seen; try again later.
    if (!this.#paused) {
      this.#conn.ping((this.#pings ??= new PingTracker()).nextPayload());
      this.#scheduleFlush();
      this.#awaitingPong = true;
      this.#arm(this.#keepaliveTimer!, pingTimeout);
    } else {
      this.#arm(this.#keepaliveTimer!, pingInterval);
    }
  }

  /** Any pong proves the peer alive. */
  #onPong(): void {
    if (!this.#awaitingPong) return;
    this.#awaitingPong = false;
    const timer = this.#keepaliveTimer!;
    if (this.#conn.state === "open") this.#arm(timer, this.#options.pingInterval);
    else timer.cancel();
  }

  #pongMissing(): void {
    if (this.#readyState === 3) return;
    if (this.#paused) {
      this.#arm(this.#keepaliveTimer!, this.#options.pingTimeout);
      return;
    }
    this.#failure ??= new WebSocketError("PING_TIMEOUT", `no pong within ${this.#options.pingTimeout} ms: the connection is half-open`);
    this.#abort();
  }

  /** `idleTimeout` passed since the last step that followed a data message. */
  #idleCheck(): void {
    if (this.#conn.state !== "open") return;
    // A send held back by a full transport has not stepped yet; and while reading is paused,
    // messages sit unread: neither is idleness.
    if (this.#active || this.#paused) {
      this.#active = false;
      this.#arm(this.#idleTimer!, this.#options.idleTimeout);
      return;
    }
    this.close(1001, "idle timeout");
  }
}
