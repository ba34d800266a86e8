/**
 * Theory of operation.
 *
 * A Connection maps (bytes received, methods called) to (events, bytes to send). It never does
 * I/O and never reads a clock; the adapter around it owns the socket and the timers:
 *
 * ```ts
 * for (const ev of conn.receive(chunk)) handle(ev);        // wire order; never throws for the peer
 * for (const bytes of conn.takeOutgoing()) socket.write(bytes);   // after EVERY call
 * if (conn.outgoingEnded) socket.end();                    // the engine will never write again
 * if (conn.closeExpected) armCloseTimer();                 // on expiry: destroy, then receiveEof()
 * for (const ev of conn.receiveEof()) handle(ev);          // on socket end or error
 * ```
 *
 * Rules:
 * - One outbox holds every outgoing byte, so automatic replies (pong, close echo, handshake
 *   responses) keep their causal place among the application's sends.
 * - The peer's mistakes never throw: they fail the connection (RFC 6455 §7.1.7): a Close with
 *   the error's code is queued, input is discarded from then on, and `closed` reports the error.
 * - The caller's mistakes throw `LocalProtocolError` at once and change nothing.
 * - Any other exception is a bug: it fails the connection with 1011 and no details on the wire.
 * - Events that method calls produce (`accept()` opening the connection, `fail()` closing it)
 *   are returned by the next `receive()`, `receiveEof()` or `takeEvents()`.
 * - Only `state.ts` decides transitions; `#state` is assigned only from `transition()`.
 */
import { CloseCode, isSendableCloseCode, MAX_CLOSE_REASON_BYTES } from "./close.js";
import { parseClosePayload, serializeClosePayload } from "./close-payload.js";
import { HandshakeError, InternalError, LocalProtocolError, ProtocolError, RemoteProtocolError } from "./errors.js";
import type { ClosedEvent, ConnectionEvent } from "./events.js";
import type { Extension, ExtensionOffer } from "./extensions/extension.js";
import { headerSize, writeHeader } from "./frame/encoder.js";
import { FrameHeaderParser } from "./frame/header.js";
import { maskInto } from "./frame/mask.js";
import { isControlOpcode, MAX_CONTROL_PAYLOAD, Opcode } from "./frame/opcode.js";
import { generateKey } from "./handshake/accept-key.js";
import { checkHeadLimits, HttpBodyReader, HttpHeadParser } from "./handshake/http.js";
import {
  buildAcceptResponse,
  buildRejectResponse,
  checkSelectedSubprotocol,
  selectSubprotocol,
  validateUpgradeRequest,
} from "./handshake/request.js";
import { buildUpgradeRequest, validateUpgradeResponse } from "./handshake/response.js";
import type { HttpRequestHead, HttpResponseHead, UpgradeRequest } from "./handshake/types.js";
import { NONE } from "./internal/empty.js";
import { encodeUtf8, encodeUtf8Into, isValidUtf8, JS_ENCODE_LIMIT, utf8Length } from "./internal/utf8.js";
import { pooledRandom, type RandomSource } from "./internal/random.js";
import { MessageReader } from "./message.js";
import { type ClientOptions, type CommonOptions, DEFAULTS, type ServerOptions } from "./options.js";
import { type ConnectionState, transition, type Trigger } from "./state.js";

/** Options of a single data frame send. */
export interface SendOptions {
  /** `false` sends a fragment and keeps the message open for more. Default `true`. */
  readonly fin?: boolean;
}

/** Options of {@link ServerConnection.accept}. */
export interface AcceptOptions {
  /** The subprotocol to confirm; by default chosen from the server options. Must be one the client offered. */
  readonly protocol?: string | null;
  /** Extra response headers, such as Set-Cookie. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Options of {@link ServerConnection.reject}. */
export interface RejectOptions {
  readonly statusText?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Uint8Array | string;
}

// Outgoing unmasked payloads up to this size are copied next to their header so that the
// adapter writes one buffer; larger ones go out as a second buffer without a copy.
const COALESCE_LIMIT = 16 * 1024;
/** Largest run buffer allocated ahead of need (a larger frame gets a run of its own size). */
const MAX_RUN = 64 * 1024;
const EMPTY_BYTES = new Uint8Array(0);
const allocateZeroed = (size: number): Uint8Array => new Uint8Array(size);
// Bytes a client may pipeline behind its request before the application answers it.
const MAX_EARLY_INPUT = 64 * 1024;

/** The options a connection reads after construction, defaults filled in. */
type ResolvedOptions = Required<Pick<CommonOptions, "maxMessageSize" | "maxFrameSize" | "maxFragments" | "autoPong" | "autoClose" | "streaming" | "mask" | "allocate" | "allocateOutgoing" | "adoptInput" | "textAs" | "validateUtf8">> & {
  readonly decodeUtf8Slice: NonNullable<CommonOptions["decodeUtf8Slice"]> | null;
  readonly writeUtf8: NonNullable<CommonOptions["writeUtf8"]> | null;
};

/** The last resolution of each options object, shared by the connections made with it. */
const resolvedOptions = new WeakMap<CommonOptions, ResolvedOptions>();

/**
 * `options` with the defaults filled in. A server makes every connection from one options
 * object, and the resolved copy (~140 bytes) is most of what an idle connection would hold apart
 * from itself, so connections share it while every value is the same: a caller that changes its
 * options object between connections gets a new copy, as if nothing were shared.
 */
function resolveOptions(options: CommonOptions): ResolvedOptions {
  const maxMessageSize = options.maxMessageSize ?? DEFAULTS.maxMessageSize;
  const resolved: ResolvedOptions = {
    maxMessageSize,
    maxFrameSize: options.maxFrameSize ?? Math.min(maxMessageSize, Number.MAX_SAFE_INTEGER),
    maxFragments: options.maxFragments ?? DEFAULTS.maxFragments,
    autoPong: options.autoPong ?? DEFAULTS.autoPong,
    autoClose: options.autoClose ?? DEFAULTS.autoClose,
    streaming: options.streaming ?? DEFAULTS.streaming,
    mask: options.mask ?? maskInto,
    allocate: options.allocate ?? allocateZeroed,
    allocateOutgoing: options.allocateOutgoing ?? allocateZeroed,
    adoptInput: options.adoptInput ?? false,
    textAs: options.textAs ?? "string",
    validateUtf8: options.validateUtf8 ?? isValidUtf8,
    decodeUtf8Slice: options.decodeUtf8Slice ?? null,
    writeUtf8: options.writeUtf8 ?? null,
  };
  const known = resolvedOptions.get(options);
  if (known !== undefined && sameValues(known, resolved)) return known;
  resolvedOptions.set(options, Object.freeze(resolved));
  return resolved;
}

/**
 * Every value compared, written out: a loop over the keys made constructing a connection cost 3-4
 * times as much (~180-250 against ~55 ns on Node 20). A test checks that no option is left out.
 */
function sameValues(a: ResolvedOptions, b: ResolvedOptions): boolean {
  return (
    a.maxMessageSize === b.maxMessageSize &&
    a.maxFrameSize === b.maxFrameSize &&
    a.maxFragments === b.maxFragments &&
    a.autoPong === b.autoPong &&
    a.autoClose === b.autoClose &&
    a.streaming === b.streaming &&
    a.mask === b.mask &&
    a.allocate === b.allocate &&
    a.allocateOutgoing === b.allocateOutgoing &&
    a.adoptInput === b.adoptInput &&
    a.textAs === b.textAs &&
    a.validateUtf8 === b.validateUtf8 &&
    a.decodeUtf8Slice === b.decodeUtf8Slice &&
    a.writeUtf8 === b.writeUtf8
  );
}

/** What both roles share: framing, messages, ping/pong, closing, and the outbox. */
export abstract class Connection {
  /** Which end of the connection this is. */
  abstract readonly role: "client" | "server";

  #state: ConnectionState = "connecting";
  /** @internal The options with the defaults filled in, shared (see `resolveOptions`). */
  protected readonly options: ResolvedOptions;
  /** Only a client masks frames, and only a client's handshake needs a key: created on first use. */
  #random: RandomSource | null;
  // The event list and the outbox are made when something goes in: an idle connection holds neither.
  #events: ConnectionEvent[] | null = null;
  #outbox: Uint8Array[] | null = null;
  #outboxBytes = 0;
  /**
   * Frames queued since the last takeOutgoing() are built one after the other in one buffer, the
   * run, handed out as one array: the frames are copied at once (the caller may reuse its
   * payload), a typed array over 64 bytes costs V8 an off-heap allocation (~0.5 µs), and the
   * transport gets one write. Anything else queued (a large payload, the handshake) ends the
   * run; the next one continues in the same buffer. The buffer is let go by takeOutgoing(): an
   * idle connection keeps none.
   */
  #run: Uint8Array = EMPTY_BYTES;
  /** The run is `#run[#runStart..#runUsed)`; what precedes it was handed to the outbox. */
  #runStart = 0;
  #runUsed = 0;
  /** Bytes built in runs since the last takeOutgoing(), and in the batch before it (capped). */
  #batchBytes = 0;
  #runHint = 0;
  #extensions: readonly Extension[] = NONE;
  #protocol: string | null = null;

  // Facts beside the state table (h11's keep_alive, websockets' close_sent/close_rcvd).
  /** We queued a Close frame. */
  #closeSent = false;
  /** The peer's Close arrived. */
  #closeReceived = false;
  /** The transport's read side ended. */
  #eofReceived = false;
  /** The engine will never write again. */
  #outgoingEnded = false;
  /** The connection failed (as opposed to closing cleanly). */
  #failed = false;
  #closedEvent: ClosedEvent | null = null;

  // Incoming frames. The header parser and the message reader (~0.4 KiB together) are made with
  // the first frame byte: a connection that never receives a frame holds neither.
  #header: FrameHeaderParser | null = null;
  #inPayload = false;
  #payloadDone = 0;
  #control: Uint8Array | null = null;
  #reader: MessageReader | null = null;

  // Outgoing fragmented message: its opcode while one is open, else 0.
  #sendingOpcode = 0;
  #maskKey: Uint8Array | null = null;

  constructor(options: CommonOptions) {
    this.options = resolveOptions(options);
    this.#random = options.random ?? null;
  }

  /** The source of masking and handshake keys (see `CommonOptions.random`). */
  protected get random(): RandomSource {
    return (this.#random ??= pooledRandom());
  }

  /** Where the connection is in its lifecycle. */
  get state(): ConnectionState {
    return this.#state;
  }
  /** The negotiated subprotocol, once open. */
  get protocol(): string | null {
    return this.#protocol;
  }
  /** Names of the negotiated extensions, once open. */
  get extensions(): readonly string[] {
    return this.#extensions.map((e) => e.name);
  }
  /** The engine will never write again: end the transport's write side (half-close) now. */
  get outgoingEnded(): boolean {
    return this.#outgoingEnded;
  }
  /**
   * The engine waits for the peer to finish closing (its Close frame, or the end of the
   * transport after the closing handshake). Arm a close timer; when it fires, destroy the
   * transport and call `receiveEof()`.
   */
  get closeExpected(): boolean {
    return this.#state === "local-closing" || (this.#state === "closed" && !this.#eofReceived && !this.#failed && this.#closedEvent?.wasClean === true);
  }
  /** Bytes queued in the outbox and not yet taken. */
  get bufferedAmount(): number {
    return this.#outboxBytes;
  }
  /** The `closed` event once the connection has ended, else `null`. */
  get closedEvent(): ClosedEvent | null {
    return this.#closedEvent;
  }

  /**
   * Feed bytes read from the transport. `chunk` is not retained after the call returns (unless
   * the `adoptInput` option says it may be).
   * @returns the events these bytes (and any earlier method calls) produced, in wire order.
   *   Never throws because of the peer. After this, call `takeOutgoing()`.
   */
  receive(chunk: Uint8Array): ConnectionEvent[] {
    // RFC 6455 §1.4: after a Close, "the endpoint MUST NOT continue to attempt to process data".
    if (this.#state === "closed" || this.#closeReceived || chunk.length === 0) return this.takeEvents();
    this.guard(() => {
      if (this.#state === "connecting") this.receiveHandshake(chunk);
      else this.#receiveFrames(chunk, 0);
    });
    this.#reader?.endInput();
    return this.takeEvents();
  }

  /**
   * The transport's read side ended (or it failed, or the adapter destroyed it). Reports 1006
   * unless the closing handshake completed. After this, call `takeOutgoing()`.
   */
  receiveEof(): ConnectionEvent[] {
    if (this.#eofReceived) return this.takeEvents();
    this.#eofReceived = true;
    this.guard(() => {
      if (this.#state === "connecting") this.eofDuringHandshake();
      if (this.#state !== "closed") {
        this.#to("eof");
        this.#outgoingEnded = true;
        this.#emitClosed(CloseCode.AbnormalClosure, "", false, new RemoteProtocolError("UNEXPECTED_EOF", "transport ended without a close frame"));
      } else {
        // Closing handshake done (or failed): nothing more to write either way.
        this.#outgoingEnded = true;
      }
    });
    return this.takeEvents();
  }

  /** Events produced by method calls since the last `receive()`/`receiveEof()`/`takeEvents()`. */
  takeEvents(): ConnectionEvent[] {
    const out = this.#events;
    if (out === null) return [];
    this.#events = null;
    return out;
  }

  /** Queue an event for the next `takeEvents()`. */
  protected emit(event: ConnectionEvent): void {
    (this.#events ??= []).push(event);
  }

  /**
   * Everything queued for the transport, in order; the outbox is emptied. Write the buffers in
   * this order. Large binary payloads may be the caller's own arrays (not copied).
   */
  takeOutgoing(): Uint8Array[] {
    this.#sealRun();
    if (this.#batchBytes > 0) {
      this.#runHint = Math.min(this.#batchBytes, MAX_RUN);
      this.#batchBytes = 0;
      this.#run = EMPTY_BYTES;
      this.#runStart = 0;
      this.#runUsed = 0;
    }
    const out = this.#outbox;
    if (out === null) return [];
    this.#outbox = null;
    this.#outboxBytes = 0;
    return out;
  }

  /**
   * Send a text message, or a fragment of one with `{ fin: false }`.
   * @throws {LocalProtocolError} `INVALID_STATE` unless the connection is open (or the peer began
   *   closing and our Close is not sent), or while a binary message is being fragmented.
   */
  sendText(text: string, options?: SendOptions): void {
    const fin = options?.fin ?? true;
    // Text no extension transforms, short enough that its frame goes into the run whatever its
    // UTF-8 length, is encoded straight into the run: no array of its own for the bytes.
    if (this.#extensions.length === 0 && text.length <= COALESCE_LIMIT / 3) this.#sendShortText(text, fin);
    else this.#sendData(Opcode.Text, encodeUtf8(text), fin);
  }

  /**
   * Send a binary message, or a fragment with `{ fin: false }`. Payloads over 16 KiB are not
   * copied on the server side: do not modify `data` until `takeOutgoing()` has handed it out.
   * @throws {LocalProtocolError} like {@link sendText}.
   */
  sendBinary(data: Uint8Array, options?: SendOptions): void {
    this.#sendData(Opcode.Binary, data, options?.fin ?? true);
  }

  /**
   * Send a ping (at most 125 bytes of payload).
   * @throws {LocalProtocolError} `INVALID_STATE` after our Close, `INVALID_ARGUMENT` for a long payload.
   */
  ping(data: Uint8Array | string = new Uint8Array(0)): void {
    this.#sendControl(Opcode.Ping, typeof data === "string" ? encodeUtf8(data) : data);
  }

  /** Send an unsolicited pong (a unidirectional heartbeat). Same rules as {@link ping}. */
  pong(data: Uint8Array | string = new Uint8Array(0)): void {
    this.#sendControl(Opcode.Pong, typeof data === "string" ? encodeUtf8(data) : data);
  }

  /**
   * Start the closing handshake, or answer the peer's Close when `autoClose` is off. Without a
   * code the Close frame is empty (the peer reports 1005). A reason over 123 bytes is cut on a
   * code-point boundary.
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` for a code that may not be sent (1004-1006,
   *   1015, outside 1000-4999, or a reason without a code); `INVALID_STATE` when our Close was
   *   already sent or the connection is not open.
   */
  close(code?: number, reason: string = ""): void {
    if (code === undefined && reason !== "") {
      throw new LocalProtocolError("INVALID_ARGUMENT", "a close reason needs a close code");
    }
    if (code !== undefined && !isSendableCloseCode(code)) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `close code ${code} may not be sent`);
    }
    if (this.#state !== "open" && this.#state !== "remote-closing") {
      throw new LocalProtocolError("INVALID_STATE", `cannot close while ${this.#state}`);
    }
    const answering = this.#state === "remote-closing";
    this.#sendClose(code, reason);
    if (answering) this.#afterCloseHandshake();
  }

  /**
   * Fail the connection (RFC 6455 §7.1.7) without waiting for the peer: a Close with `code` is
   * sent when the connection is open, the transport should be closed at once, and a `closed`
   * event is queued (take it with `takeEvents()`). Does nothing once closed.
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` for a code that may not be sent.
   */
  fail(code: number = CloseCode.PolicyViolation, reason: string = ""): void {
    if (!isSendableCloseCode(code)) throw new LocalProtocolError("INVALID_ARGUMENT", `close code ${code} may not be sent`);
    if (this.#state === "closed") return;
    if (this.#state === "open" || this.#state === "remote-closing") this.#queueClose(code, reason);
    this.#to("fail");
    this.#failed = true;
    this.#outgoingEnded = true;
    this.#reader?.reset();
    this.#emitClosed(code, reason, false, null);
  }

  // --- for the role classes ---

  /** Run `body`, turning a peer error into a failed connection and anything else into 1011. */
  protected guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      if (error instanceof RemoteProtocolError) this.failWith(error);
      else this.failWith(new InternalError("INTERNAL_ERROR", "internal error", { cause: error }));
    }
  }

  /** Fail because of `error`: the peer's (or core's) fault. */
  protected failWith(error: RemoteProtocolError | InternalError): void {
    if (this.#state === "closed") return;
    // V8 formats stacks lazily and keeps the frames' arguments (the input chunk) alive until
    // then; the error outlives the call in `closedEvent`, so format it now.
    void error.stack;
    let code = error.closeCode;
    if (this.#state === "connecting") {
      code = this.failHandshake(error);
    } else if (!this.#closeSent) {
      // Internal details may be security-sensitive; a peer error's message helps debugging.
      this.#queueClose(code, error instanceof InternalError ? "" : error.message);
    }
    this.#to("fail");
    this.#failed = true;
    this.#outgoingEnded = true;
    this.#reader?.reset();
    this.#emitClosed(code, error instanceof InternalError ? "" : error.message, false, error);
  }

  /** Called by the role when the handshake succeeded. Processes `rest` as frames. */
  protected opened(protocol: string | null, extensions: readonly Extension[], rest: Uint8Array | null): void {
    this.#protocol = protocol;
    this.#extensions = extensions;
    this.#to("handshake-done");
    if (rest !== null && rest.length > 0) {
      try {
        this.#receiveFrames(rest, 0);
      } finally {
        this.#reader?.endInput();
      }
    }
  }

  /** End the handshake phase without a WebSocket connection (rejected or invalid). */
  protected endHandshake(error: HandshakeError): void {
    this.#to("fail");
    this.#failed = true;
    this.#outgoingEnded = true;
    this.#emitClosed(CloseCode.AbnormalClosure, "", false, error);
  }

  /** Queue a Close frame outside the open state (a client refusing the server's 101). */
  protected queueCloseFrame(code: number, reason: string): void {
    this.#queueClose(code, reason);
  }

  /** The run's buffer with room for `size` more bytes at `#runUsed`. */
  #reserveRun(size: number): Uint8Array {
    if (this.#runUsed + size > this.#run.length) {
      // Full: hand the run over and start another, sized like the last batch (so steady traffic
      // allocates once per takeOutgoing()) or twice the last run. Nothing is copied twice.
      this.#sealRun();
      this.#run = this.options.allocateOutgoing(Math.max(size, this.#runHint, Math.min(this.#run.length * 2, MAX_RUN)));
      this.#runStart = 0;
      this.#runUsed = 0;
    }
    this.#batchBytes += size;
    return this.#run;
  }

  /** Move the frames built since the run began into the outbox. */
  #sealRun(): void {
    if (this.#runUsed === this.#runStart) return;
    const run = this.#run;
    // The whole buffer as is when it fits exactly: a view would move a small (on-heap) typed
    // array off the heap, which costs more than the allocation it saves.
    (this.#outbox ??= []).push(this.#runStart === 0 && this.#runUsed === run.length ? run : run.subarray(this.#runStart, this.#runUsed));
    this.#runStart = this.#runUsed;
  }

  protected queue(bytes: Uint8Array): void {
    this.#sealRun();
    (this.#outbox ??= []).push(bytes);
    this.#outboxBytes += bytes.length;
  }

  protected abstract receiveHandshake(chunk: Uint8Array): void;
  /** Answer a failed handshake (an HTTP error, or nothing) and say which close code to report. */
  protected abstract failHandshake(error: RemoteProtocolError | InternalError): number;
  protected abstract eofDuringHandshake(): void;

  // --- internals ---

  #to(trigger: Trigger): void {
    this.#state = transition(this.#state, trigger);
  }

  #emitClosed(code: number, reason: string, wasClean: boolean, error: ClosedEvent["error"]): void {
    if (this.#closedEvent !== null) return;
    for (const e of this.#extensions) e.dispose();
    this.#closedEvent = { type: "closed", code, reason, wasClean, error };
    this.emit(this.#closedEvent);
  }

  #receiveFrames(chunk: Uint8Array, from: number): void {
    const header = this.#header ?? this.#startReceiving();
    const reader = this.#reader!;
    const events = (this.#events ??= []);
    let pos = from;
    const end = chunk.length;
    while (pos < end && !this.#closeReceived && this.#state !== "closed") {
      if (!this.#inPayload) {
        const next = header.parse(chunk, pos);
        if (next < 0) return;
        pos = next;
        this.#inPayload = true;
        this.#payloadDone = 0;
        if (isControlOpcode(header.opcode)) {
          this.#control = header.length === 0 ? null : new Uint8Array(header.length);
        } else {
          reader.startFrame(header.opcode, header.fin, header.rsv, header.length);
        }
      }
      const length = header.length;
      const n = Math.min(length - this.#payloadDone, end - pos);
      const key = header.masked ? header.maskKey : null;
      const offset = this.#payloadDone;
      this.#payloadDone += n;
      const frameEnd = this.#payloadDone === length;
      if (isControlOpcode(header.opcode)) {
        if (n > 0) {
          if (key !== null) maskInto(chunk, pos, this.#control!, offset, n, key, offset & 3);
          else this.#control!.set(chunk.subarray(pos, pos + n), offset);
        }
        pos += n;
        if (frameEnd) {
          this.#inPayload = false;
          this.#onControl(header.opcode, this.#control ?? new Uint8Array(0));
          this.#control = null;
        }
      } else {
        reader.payload(chunk, pos, pos + n, key, offset & 3, frameEnd, length - this.#payloadDone, events);
        pos += n;
        if (frameEnd) this.#inPayload = false;
      }
    }
  }

  /** Makes the header parser and the message reader, with the first frame byte. */
  #startReceiving(): FrameHeaderParser {
    let rsv = 0;
    for (const e of this.#extensions) rsv |= e.rsvBits;
    this.#reader = new MessageReader(this.options);
    this.#reader.setExtensions(this.#extensions);
    return (this.#header = new FrameHeaderParser({ role: this.role, rsvAllowed: rsv, maxFrameSize: this.options.maxFrameSize }));
  }

  #onControl(opcode: number, payload: Uint8Array): void {
    switch (opcode) {
      case Opcode.Ping:
        this.emit({ type: "ping", data: payload });
        // RFC 6455 §5.5.2: answer with a Pong carrying the same payload, unless our Close is out.
        if (this.options.autoPong && !this.#closeSent) this.#writeFrame(Opcode.Pong, true, 0, payload);
        return;
      case Opcode.Pong:
        this.emit({ type: "pong", data: payload });
        return;
      case Opcode.Close: {
        const { code, reason } = parseClosePayload(payload);
        this.#closeReceived = true;
        this.#to("receive-close");
        // RFC 6455 §5.5.1: nothing is processed after a Close.
        this.#reader!.reset();
        if (this.#state === "remote-closing") {
          this.emit({ type: "closing", code, reason });
          if (this.options.autoClose) {
            // Echo the code and reason (RFC 6455 §5.5.1 "typically echos the status code"); an
            // empty Close is answered with an empty one.
            this.#sendClose(code === CloseCode.NoStatusReceived ? undefined : code, reason);
          } else {
            this.#peerClose = { code, reason };
            return;
          }
        }
        this.#peerClose = { code, reason };
        this.#afterCloseHandshake();
        return;
      }
      default:
        throw new InternalError("INTERNAL_ERROR", `unhandled control opcode ${opcode}`);
    }
  }

  /** The peer's Close code and reason, once received. */
  #peerClose: { code: number; reason: string } | null = null;

  #afterCloseHandshake(): void {
    const peer = this.#peerClose!;
    // RFC 6455 §7.1.1: the server closes the TCP connection first; a client waits for it.
    if (this.role === "server") this.#outgoingEnded = true;
    this.#emitClosed(peer.code, peer.reason, true, null);
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#queueClose(code, reason);
    this.#to("send-close");
  }

  #queueClose(code: number | undefined, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#writeFrame(Opcode.Close, true, 0, serializeClosePayload(code, reason));
  }

  #checkCanSend(opcode: number): void {
    if (this.#state !== "open" && this.#state !== "remote-closing") {
      throw new LocalProtocolError("INVALID_STATE", `cannot send data while ${this.#state}`);
    }
    if (this.#sendingOpcode !== 0 && this.#sendingOpcode !== opcode) {
      throw new LocalProtocolError("INVALID_STATE", "another message is being fragmented");
    }
  }

  #sendData(opcode: number, payload: Uint8Array, fin: boolean): void {
    this.#checkCanSend(opcode);
    const first = this.#sendingOpcode === 0;
    let data = payload;
    let rsv = 0;
    for (const ext of this.#extensions) {
      const encoded = ext.encode(data, first, fin);
      data = encoded.data;
      if (first) rsv |= encoded.rsv;
    }
    this.#writeFrame(first ? opcode : Opcode.Continuation, fin, first ? rsv : 0, data);
    this.#sendingOpcode = fin ? 0 : opcode;
  }

  #sendControl(opcode: number, payload: Uint8Array): void {
    if (this.#state !== "open" && this.#state !== "remote-closing") {
      throw new LocalProtocolError("INVALID_STATE", `cannot send a control frame while ${this.#state}`);
    }
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new LocalProtocolError("INVALID_ARGUMENT", "control frame payload longer than 125 bytes");
    }
    this.#writeFrame(opcode, true, 0, payload);
  }

  /** RFC 6455 §5.3: a fresh, unpredictable masking key for every frame (one array, reused). */
  #nextMaskKey(): Uint8Array {
    const key = (this.#maskKey ??= new Uint8Array(4));
    this.random(key);
    return key;
  }

  /** {@link sendText} for text of at most COALESCE_LIMIT / 3 characters and no extensions. */
  #sendShortText(text: string, fin: boolean): void {
    this.#checkCanSend(Opcode.Text);
    const client = this.role === "client";
    // Room for the encoding under the header its length needs. Short text is measured first.
    // Longer text is tried in what the run has left when that may hold it (one byte per
    // character at least): reserving the longest encoding, three bytes per character, at a run's
    // end started a new run for the last message of most batches, so a batch went out as two
    // buffers. Text that does not fit there gets a new run with room for the longest encoding.
    let room: number;
    if (text.length <= JS_ENCODE_LIMIT) {
      room = utf8Length(text);
    } else {
      const left = this.#run.length - this.#runUsed;
      const fits = left - headerSize(left, client);
      room = fits >= text.length && fits < text.length * 3 ? fits : text.length * 3;
    }
    // The bytes go after the header of one byte per character, and move only when the encoding
    // turned out long enough for a longer header.
    const guessHead = headerSize(text.length, client);
    let roomHead: number;
    let out: Uint8Array;
    let at: number;
    let length: number;
    for (;;) {
      roomHead = headerSize(room, client);
      out = this.#reserveRun(roomHead + room);
      at = this.#runUsed;
      length = encodeUtf8Into(text, out, at + guessHead, at + guessHead + room, this.options.writeUtf8);
      if (length >= 0) break;
      // What the run had left was too small: give it back, and take the longest encoding's room.
      this.#batchBytes -= roomHead + room;
      room = text.length * 3;
    }
    const head = headerSize(length, client);
    if (head !== guessHead) out.copyWithin(at + head, at + guessHead, at + guessHead + length);
    const opcode = this.#sendingOpcode === 0 ? Opcode.Text : Opcode.Continuation;
    if (client) {
      const key = this.#nextMaskKey();
      const p = writeHeader(out, at, fin, 0, opcode, length, key);
      this.options.mask(out, p, out, p, length, key, 0);
    } else {
      writeHeader(out, at, fin, 0, opcode, length, null);
    }
    this.#runUsed = at + head + length;
    this.#outboxBytes += head + length;
    // Count what was used of the room reserved.
    this.#batchBytes -= roomHead + room - (head + length);
    this.#sendingOpcode = fin ? 0 : Opcode.Text;
  }

  #writeFrame(opcode: number, fin: boolean, rsv: number, payload: Uint8Array): void {
    const length = payload.length;
    const client = this.role === "client";
    if (client || length <= COALESCE_LIMIT) {
      const size = headerSize(length, client) + length;
      // Frames up to COALESCE_LIMIT go into the run (see #run); a client's larger frames get a
      // buffer of their own, since masking copies the payload anyway.
      const small = length <= COALESCE_LIMIT;
      const out = small ? this.#reserveRun(size) : this.options.allocateOutgoing(size);
      const at = small ? this.#runUsed : 0;
      let p: number;
      if (client) {
        const key = this.#nextMaskKey();
        p = writeHeader(out, at, fin, rsv, opcode, length, key);
        this.options.mask(payload, 0, out, p, length, key, 0);
      } else {
        p = writeHeader(out, at, fin, rsv, opcode, length, null);
        out.set(payload, p);
      }
      if (small) {
        this.#runUsed = at + size;
        this.#outboxBytes += size;
      } else {
        this.queue(out);
      }
    } else {
      const head = this.options.allocateOutgoing(headerSize(length, false));
      writeHeader(head, 0, fin, rsv, opcode, length, null);
      this.queue(head);
      this.queue(payload);
    }
  }
}

/**
 * The server end. Feed it the client's bytes; it emits `upgrade-request`, and the application
 * answers with {@link accept} or {@link reject}.
 *
 * @example
 * const conn = new ServerConnection({ subprotocols: ["chat"] });
 * for (const ev of conn.receive(bytes)) if (ev.type === "upgrade-request") conn.accept();
 * for (const b of conn.takeOutgoing()) socket.write(b);
 */
export class ServerConnection extends Connection {
  readonly role = "server" as const;
  readonly #serverOptions: ServerOptions;
  /** Whether the request head is still to come (through receive() or receiveRequest()). */
  #awaitingHead = true;
  /**
   * Made when the first request bytes arrive, not with the connection: a server accepts sockets
   * in bursts, and a parser made early lives long enough to be promoted, then dies with the
   * handshake and leaves holes in the old generation.
   */
  #parser: HttpHeadParser | null = null;
  #request: UpgradeRequest | null = null;
  /** Frames the client pipelined behind its request, kept until accept(); created when some come. */
  #early: Uint8Array[] | null = null;
  #earlyBytes = 0;

  constructor(options: ServerOptions = {}) {
    super(options);
    this.#serverOptions = options;
    checkHeadLimits(options.maxHandshakeSize ?? DEFAULTS.maxHandshakeSize, options.maxHeaderCount ?? DEFAULTS.maxHeaderCount);
  }

  /**
   * The validated upgrade request from its `upgrade-request` event until `accept()` or
   * `reject()`; `null` before and after. An open connection does not keep it (its headers and
   * strings are most of what a handshake leaves behind): keep what you need from the event.
   */
  get request(): UpgradeRequest | null {
    return this.#request;
  }

  /**
   * Hand in a request the platform already parsed (Node's `'upgrade'` event) plus the bytes read
   * after it. Returns the same events `receive()` would: `upgrade-request`, or `closed` when the
   * request is invalid (the HTTP error response is then in the outbox).
   */
  receiveRequest(head: HttpRequestHead, rest?: Uint8Array): ConnectionEvent[] {
    if (this.state !== "connecting" || !this.#awaitingHead) {
      throw new LocalProtocolError("INVALID_STATE", "the request was already received");
    }
    this.#awaitingHead = false;
    this.#parser = null;
    this.guard(() => {
      this.#onRequest(head);
      if (rest !== undefined && rest.length > 0) this.#keepEarly(rest);
    });
    return this.takeEvents();
  }

  /**
   * Accept the upgrade request: queue the 101 response, negotiate extensions, open the
   * connection, and process any frames that arrived early. Take the `open` event (and any
   * others) with `takeEvents()`, then call `takeOutgoing()`.
   * @throws {LocalProtocolError} `INVALID_STATE` without a pending request; `INVALID_ARGUMENT`
   *   for a subprotocol the client did not offer or headers the handshake owns.
   */
  accept(options?: AcceptOptions): void {
    const request = this.#request;
    if (this.state !== "connecting" || request === null) {
      throw new LocalProtocolError("INVALID_STATE", "no upgrade request to accept");
    }
    const opts = this.#serverOptions;
    let protocol: string | null;
    if (options?.protocol !== undefined) protocol = options.protocol;
    else if (opts.selectSubprotocol !== undefined) protocol = opts.selectSubprotocol(request.protocols, request);
    else protocol = selectSubprotocol(request.protocols, opts.subprotocols ?? NONE);
    checkSelectedSubprotocol(protocol, request.protocols);

    // Most requests offer no extension: no arrays for them.
    let extensions: readonly Extension[] = NONE;
    let responses: readonly ExtensionOffer[] = NONE;
    if (request.extensions.length !== 0 && opts.extensions !== undefined && opts.extensions.length !== 0) {
      const chosen: Extension[] = [];
      const answers: ExtensionOffer[] = [];
      let rsvUsed = 0;
      for (const factory of opts.extensions) {
        const offers = request.extensions.filter((o) => o.name === factory.name);
        if (offers.length === 0) continue;
        const result = factory.negotiate(offers);
        if (result === null || (result.extension.rsvBits & rsvUsed) !== 0) continue;
        rsvUsed |= result.extension.rsvBits;
        chosen.push(result.extension);
        answers.push(result.response);
      }
      if (chosen.length !== 0) {
        extensions = chosen;
        responses = answers;
      }
    }
    const response = buildAcceptResponse({ key: request.key, protocol, extensions: responses, headers: options?.headers ?? NONE });
    this.#request = null;
    this.queue(response);
    const none = extensions.length === 0;
    this.emit({ type: "open", protocol, extensions: none ? NONE : extensions.map((e) => e.name), headers: request.headers });
    const early = this.#takeEarly();
    this.guard(() => this.opened(protocol, extensions, early));
  }

  /**
   * Refuse the upgrade request with any HTTP status (401 with WWW-Authenticate, 403, a 3xx
   * redirect...). The connection ends: a `closed` event is queued and `outgoingEnded` is set.
   * @throws {LocalProtocolError} `INVALID_STATE` without a pending request, `INVALID_ARGUMENT`
   *   for an invalid status or header.
   */
  reject(status: number, options: RejectOptions = {}): void {
    if (this.state !== "connecting" || this.#request === null) {
      throw new LocalProtocolError("INVALID_STATE", "no upgrade request to reject");
    }
    const body = typeof options.body === "string" ? encodeUtf8(options.body) : options.body;
    this.queue(buildRejectResponse(status, { ...options, ...(body === undefined ? {} : { body }) }));
    this.#request = null;
    this.#early = null;
    this.endHandshake(new HandshakeError(`rejected with status ${status}`, status, { code: "HANDSHAKE_REJECTED" }));
  }

  protected receiveHandshake(chunk: Uint8Array): void {
    if (!this.#awaitingHead) {
      this.#keepEarly(chunk);
      return;
    }
    const opts = this.#serverOptions;
    const parser = (this.#parser ??= new HttpHeadParser({
      kind: "request",
      maxHeadSize: opts.maxHandshakeSize ?? DEFAULTS.maxHandshakeSize,
      maxHeaderCount: opts.maxHeaderCount ?? DEFAULTS.maxHeaderCount,
    }));
    const head = parser.push(chunk);
    if (head === null) return;
    this.#awaitingHead = false;
    this.#parser = null;
    this.#onRequest(head as HttpRequestHead);
    const rest = parser.rest();
    if (rest.length > 0 && this.state === "connecting") this.#keepEarly(rest);
  }

  protected failHandshake(error: RemoteProtocolError | InternalError): number {
    const status = error instanceof HandshakeError ? error.status : error instanceof InternalError ? 500 : 400;
    const headers = error instanceof HandshakeError ? error.headers : [];
    this.queue(buildRejectResponse(status, { headers, body: encodeUtf8(error instanceof InternalError ? "internal error" : error.message) }));
    return CloseCode.AbnormalClosure;
  }

  protected eofDuringHandshake(): void {}

  #onRequest(head: HttpRequestHead): void {
    const request = validateUpgradeRequest(head);
    const check = this.#serverOptions.checkOrigin;
    if (check !== undefined && !check(request.origin, request)) {
      throw new HandshakeError("origin not allowed", 403, { code: "HANDSHAKE_REJECTED" });
    }
    this.#request = request;
    this.emit({ type: "upgrade-request", request });
  }

  #keepEarly(bytes: Uint8Array): void {
    this.#earlyBytes += bytes.length;
    if (this.#earlyBytes > MAX_EARLY_INPUT) {
      throw new HandshakeError("too much data before the handshake completed", 400);
    }
    // A copy, also of a Node Buffer (whose slice() is a view): the caller may reuse its chunk.
    (this.#early ??= []).push(new Uint8Array(bytes));
  }

  #takeEarly(): Uint8Array | null {
    const early = this.#early;
    this.#early = null;
    if (early === null || early.length === 0) return null;
    if (early.length === 1) return early[0]!;
    const out = new Uint8Array(this.#earlyBytes);
    let at = 0;
    for (const b of early) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
}

/**
 * The client end. The constructor queues the upgrade request: call `takeOutgoing()` and write it,
 * then feed the server's bytes to `receive()`.
 *
 * @example
 * const conn = new ClientConnection({ host: "example.com", target: "/chat", protocols: ["chat"] });
 * for (const b of conn.takeOutgoing()) socket.write(b);
 */
export class ClientConnection extends Connection {
  readonly role = "client" as const;
  readonly #clientOptions: ClientOptions;
  readonly #key: string;
  #parser: HttpHeadParser | null;
  #rejection: { head: HttpResponseHead; body: HttpBodyReader } | null = null;

  /**
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` for invalid request parts (headers the
   *   handshake owns, CR/LF in values, a target without a leading `/`).
   */
  constructor(options: ClientOptions) {
    super(options);
    this.#clientOptions = options;
    this.#key = generateKey(this.random);
    const offers: ExtensionOffer[] = [];
    for (const factory of options.extensions ?? []) for (const o of factory.offers()) offers.push(o);
    this.queue(
      buildUpgradeRequest({
        host: options.host,
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.secure === undefined ? {} : { secure: options.secure }),
        ...(options.target === undefined ? {} : { target: options.target }),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
        protocols: options.protocols ?? [],
        extensionOffers: offers,
        headers: options.headers ?? [],
        key: this.#key,
      }),
    );
    this.#parser = new HttpHeadParser({
      kind: "response",
      maxHeadSize: options.maxHandshakeSize ?? DEFAULTS.maxHandshakeSize,
      maxHeaderCount: options.maxHeaderCount ?? DEFAULTS.maxHeaderCount,
    });
  }

  protected receiveHandshake(chunk: Uint8Array): void {
    if (this.#rejection !== null) {
      this.#rejection.body.push(chunk);
      this.#maybeRejected();
      return;
    }
    const parser = this.#parser!;
    const head = parser.push(chunk) as HttpResponseHead | null;
    if (head === null) return;
    this.#parser = null;
    const rest = parser.rest();
    if (head.status !== 101) {
      this.#rejection = {
        head,
        body: new HttpBodyReader(head, this.#clientOptions.maxRejectionBodySize ?? DEFAULTS.maxRejectionBodySize),
      };
      if (rest.length > 0) this.#rejection.body.push(rest);
      this.#maybeRejected();
      return;
    }
    const opts = this.#clientOptions;
    const factories = opts.extensions ?? [];
    const result = validateUpgradeResponse(head, {
      key: this.#key,
      protocols: opts.protocols ?? [],
      requireProtocol: opts.requireProtocol ?? false,
      extensionNames: factories.map((f) => f.name),
    });
    const extensions: Extension[] = [];
    for (const response of result.extensions) {
      const factory = factories.find((f) => f.name === response.name)!;
      extensions.push(factory.accept(response));
    }
    this.emit({ type: "open", protocol: result.protocol, extensions: extensions.map((e) => e.name), headers: head.headers });
    this.opened(result.protocol, extensions, rest.length > 0 ? rest.slice() : null);
  }

  protected failHandshake(error: RemoteProtocolError | InternalError): number {
    // EXTENSION_NOT_ACCEPTED is raised only once the 101 itself (status, tokens, accept key) has
    // passed, so the server considers the connection open; RFC 6455 §7.4.1: 1010 is how a
    // client says the server did not negotiate what it needs.
    if (error.code === "EXTENSION_NOT_ACCEPTED") {
      this.queueCloseFrame(CloseCode.MandatoryExtension, error.message);
      return CloseCode.MandatoryExtension;
    }
    return CloseCode.AbnormalClosure;
  }


  protected eofDuringHandshake(): void {
    if (this.#rejection !== null) {
      this.#rejection.body.end();
      this.#maybeRejected(true);
    }
  }

  #maybeRejected(eof = false): void {
    const rejection = this.#rejection!;
    if (!rejection.body.complete && !eof) return;
    const { head, body } = rejection;
    this.emit({ type: "rejected", status: head.status, statusText: head.statusText, headers: head.headers, body: body.body() });
    this.endHandshake(new HandshakeError(`server answered ${head.status} ${head.statusText}`.trimEnd(), head.status, { code: "HANDSHAKE_REJECTED" }));
  }
}

export { MAX_CLOSE_REASON_BYTES, ProtocolError };
