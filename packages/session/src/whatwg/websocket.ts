/**
 * The WHATWG `WebSocket` interface (https://websockets.spec.whatwg.org/) over a
 * {@link WebSocketSession}. Each adapter subclasses it with its own dialer, so
 * `new WebSocket(url, protocols)` works as in a browser.
 *
 * Dispatch goes through `EventTarget`, which costs an `Event` per message; applications that
 * need the last microsecond use the session directly.
 */
import type { CloseInfo } from "../errors.js";
import type { OpenInfo, WebSocketSession } from "../session.js";
import { parseWebSocketUrl } from "../url.js";
import { CloseEventClass, MessageEventClass } from "./events.js";

/** Opens a client session for `url` offering `protocols` (in CONNECTING state, synchronously). */
export type WebSocketDialer = (url: URL, protocols: readonly string[]) => WebSocketSession;

/** How binary messages are exposed. */
export type BinaryType = "blob" | "arraybuffer";

/** What `onopen`, `onmessage`, `onerror` and `onclose` accept. */
export type WebSocketEventHandler = ((this: WhatwgWebSocket, event: Event) => unknown) | null;

// RFC 7230 token characters: the grammar of a subprotocol name (RFC 6455 §4.1).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HANDLER_TYPES = ["open", "message", "error", "close"] as const;
type HandlerType = (typeof HANDLER_TYPES)[number];

function syntaxError(message: string): DOMException {
  return new DOMException(message, "SyntaxError");
}

/** WebIDL `[Clamp] unsigned short`. */
function clampUnsignedShort(value: number): number {
  const n = Number(value);
  if (Number.isNaN(n)) return 0;
  const clamped = Math.min(Math.max(n, 0), 65535);
  // Round half to even, as WebIDL's [Clamp] does.
  const floor = Math.floor(clamped);
  const diff = clamped - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** WebIDL `USVString`: lone surrogates become U+FFFD. */
function toUsvString(value: unknown): string {
  return String(value).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * A browser-compatible WebSocket. Construct it through an adapter's subclass (for example
 * `@wsengine/node`'s `WebSocket`).
 *
 * @example
 * const ws = new WebSocket("ws://127.0.0.1:8080/chat", ["chat"]);
 * ws.binaryType = "arraybuffer";
 * ws.onmessage = (event) => console.log((event as MessageEvent).data);
 */
export class WhatwgWebSocket extends EventTarget {
  static readonly CONNECTING: 0 = 0;
  static readonly OPEN: 1 = 1;
  static readonly CLOSING: 2 = 2;
  static readonly CLOSED: 3 = 3;
  readonly CONNECTING: 0 = 0;
  readonly OPEN: 1 = 1;
  readonly CLOSING: 2 = 2;
  readonly CLOSED: 3 = 3;

  readonly #url: URL;
  readonly #session: WebSocketSession;
  #readyState: 0 | 1 | 2 | 3 = 0;
  #binaryType: BinaryType = "blob";
  #protocol = "";
  #extensions = "";
  /** Bytes of Blobs being read, and of data sent after closing (counted, never sent: the spec's rule). */
  #extraBuffered = 0;
  /** While a Blob is read, later sends wait behind it to keep their order. */
  #sendChain: Promise<void> | null = null;
  readonly #handlers: Record<HandlerType, WebSocketEventHandler> = { open: null, message: null, error: null, close: null };

  /**
   * @throws {DOMException} `SyntaxError` for an invalid URL, a scheme other than ws/wss/http/https,
   *   a fragment, or duplicate or invalid subprotocols.
   */
  constructor(url: string | URL, protocols: string | readonly string[] | undefined, dial: WebSocketDialer) {
    super();
    let parsed: URL;
    try {
      parsed = parseWebSocketUrl(url);
    } catch (error) {
      throw syntaxError(error instanceof Error ? error.message : "invalid URL");
    }
    const list = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols];
    const seen = new Set<string>();
    for (const p of list) {
      if (!TOKEN.test(p)) throw syntaxError(`invalid subprotocol ${JSON.stringify(p)}`);
      if (seen.has(p)) throw syntaxError(`duplicate subprotocol ${JSON.stringify(p)}`);
      seen.add(p);
    }
    this.#url = parsed;
    const session = dial(parsed, list);
    this.#session = session;
    session.on("open", (info) => this.#onOpen(info));
    session.on("message", (data) => this.#onMessage(data));
    session.on("close", (info) => this.#onClose(info));
  }

  /** The URL, serialized. */
  get url(): string {
    return this.#url.href;
  }
  /** `CONNECTING`, `OPEN`, `CLOSING` or `CLOSED`. */
  get readyState(): 0 | 1 | 2 | 3 {
    if (this.#readyState === 1 && this.#session.readyState >= 2) return 2;
    return this.#readyState;
  }
  /** Bytes queued by `send()` and not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#session.bufferedAmount + this.#extraBuffered;
  }
  /** The negotiated extensions, as the server's Sec-WebSocket-Extensions header listed them. */
  get extensions(): string {
    return this.#extensions;
  }
  /** The subprotocol the server selected, or `""`. */
  get protocol(): string {
    return this.#protocol;
  }
  /** `"blob"` (the default) or `"arraybuffer"`. Other values are ignored, as in browsers. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
  }

  get onopen(): WebSocketEventHandler {
    return this.#handlers.open;
  }
  set onopen(handler: WebSocketEventHandler) {
    this.#setHandler("open", handler);
  }
  get onmessage(): WebSocketEventHandler {
    return this.#handlers.message;
  }
  set onmessage(handler: WebSocketEventHandler) {
    this.#setHandler("message", handler);
  }
  get onerror(): WebSocketEventHandler {
    return this.#handlers.error;
  }
  set onerror(handler: WebSocketEventHandler) {
    this.#setHandler("error", handler);
  }
  get onclose(): WebSocketEventHandler {
    return this.#handlers.close;
  }
  set onclose(handler: WebSocketEventHandler) {
    this.#setHandler("close", handler);
  }

  /**
   * Send a message. After closing began the data is discarded but counted in `bufferedAmount`,
   * as the standard says.
   * @throws {DOMException} `InvalidStateError` while `CONNECTING`.
   */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.#readyState === 0) throw new DOMException("the connection is not open yet", "InvalidStateError");
    if (this.readyState !== 1) {
      this.#extraBuffered += typeof data === "string" ? utf8Length(data) : data instanceof Blob ? data.size : data.byteLength;
      return;
    }
    const session = this.#session;
    if (data instanceof Blob) {
      const size = data.size;
      this.#extraBuffered += size;
      this.#sendChain = (this.#sendChain ?? Promise.resolve())
        .then(() => data.arrayBuffer())
        .then((buffer) => {
          this.#extraBuffered -= size;
          if (this.readyState === 1) void session.send(buffer);
        })
        .catch(() => {
          this.#extraBuffered -= size;
        });
      return;
    }
    if (this.#sendChain !== null) {
      // Keep the order behind a Blob that is still being read. Views are copied: the caller
      // may reuse its buffer as soon as send() returns.
      const copy = typeof data === "string" ? data : data instanceof ArrayBuffer ? data.slice(0) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      this.#sendChain = this.#sendChain.then(() => {
        if (this.readyState === 1) void session.send(copy);
      });
      return;
    }
    void session.send(data);
  }

  /**
   * Start the closing handshake (or fail a connection still opening).
   * @throws {DOMException} `InvalidAccessError` for a code other than 1000 or 3000-4999;
   *   `SyntaxError` for a reason longer than 123 UTF-8 bytes.
   */
  close(code?: number, reason?: string): void {
    let closeCode: number | undefined;
    if (code !== undefined) {
      closeCode = clampUnsignedShort(code);
      if (closeCode !== 1000 && (closeCode < 3000 || closeCode > 4999)) {
        throw new DOMException(`close code must be 1000 or in 3000-4999, got ${closeCode}`, "InvalidAccessError");
      }
    }
    let closeReason: string | undefined;
    if (reason !== undefined) {
      closeReason = toUsvString(reason);
      if (utf8Length(closeReason) > 123) throw syntaxError("close reason longer than 123 UTF-8 bytes");
    }
    const state = this.readyState;
    if (state === 2 || state === 3) return;
    this.#readyState = 2;
    if (state === 0) {
      void this.#session.close();
      return;
    }
    // A reason needs a code on the wire; 1000 is what the reason-only call means.
    if (closeCode === undefined && closeReason !== undefined && closeReason !== "") closeCode = 1000;
    void this.#session.close(closeCode, closeCode === undefined ? undefined : closeReason);
  }

  #setHandler(type: HandlerType, handler: WebSocketEventHandler): void {
    const value = typeof handler === "function" ? handler : null;
    if (value !== null && this.#handlers[type] === null && !this.#handlerInstalled[type] && !eventTargetCallsHandlerProperties()) {
      this.#handlerInstalled[type] = true;
      // One listener per type, installed at the first assignment: the handler keeps the position
      // in the listener list where it was first set, as event handler attributes do.
      this.addEventListener(type, (event) => {
        const current = this.#handlers[type];
        if (current !== null) current.call(this, event);
      });
    }
    this.#handlers[type] = value;
  }

  readonly #handlerInstalled: Record<HandlerType, boolean> = { open: false, message: false, error: false, close: false };

  #onOpen(info: OpenInfo): void {
    this.#readyState = 1;
    this.#protocol = info.protocol ?? "";
    this.#extensions = info.headers.get("sec-websocket-extensions") ?? info.extensions.join(", ");
    this.dispatchEvent(new Event("open"));
  }

  #onMessage(message: string | Uint8Array): void {
    if (this.#readyState !== 1) return;
    let data: string | ArrayBuffer | Blob;
    if (typeof message === "string") data = message;
    else if (this.#binaryType === "arraybuffer") {
      // The session hands over bytes it owns; only a view into a larger buffer needs a copy
      // (Uint8Array's slice: a Node Buffer's own slice() would be another view).
      data =
        message.byteOffset === 0 && message.byteLength === message.buffer.byteLength && message.buffer instanceof ArrayBuffer
          ? message.buffer
          : Uint8Array.prototype.slice.call(message).buffer;
    } else {
      // A Blob part must be ArrayBuffer-backed (not SharedArrayBuffer) under the DOM typings.
      const part = message.buffer instanceof ArrayBuffer ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength) : Uint8Array.prototype.slice.call(message);
      data = new Blob([part]);
    }
    this.dispatchEvent(new MessageEventClass("message", { data, origin: this.#url.origin }));
  }

  #onClose(info: CloseInfo): void {
    // Events caused by a method call (close() while connecting, an overflowing send()) must not
    // fire inside that call: the standard queues them as tasks.
    queueMicrotask(() => {
      this.#readyState = 3;
      if (!info.wasClean) this.dispatchEvent(new Event("error"));
      this.dispatchEvent(new CloseEventClass("close", { wasClean: info.wasClean, code: info.code, reason: info.reason }));
    });
  }
}

let handlerPropertiesCalled: boolean | undefined;

/**
 * Whether this runtime's `EventTarget` itself calls `on<type>` properties during dispatch.
 * workerd's does; Node's, Deno's and Bun's do not. Where it does, installing our own listener
 * would run every handler twice. Probed once, on first use.
 */
function eventTargetCallsHandlerProperties(): boolean {
  if (handlerPropertiesCalled === undefined) {
    let called = false;
    class Probe extends EventTarget {
      get onwsengineprobe(): () => void {
        return () => {
          called = true;
        };
      }
    }
    new Probe().dispatchEvent(new Event("wsengineprobe"));
    handlerPropertiesCalled = called;
  }
  return handlerPropertiesCalled;
}
