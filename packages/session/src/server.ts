/**
 * The server side every adapter shares: one session per accepted transport, the upgrade hook
 * with the adapter's connection info, the set of open clients, and graceful shutdown. An adapter
 * supplies only its listener and a {@link Transport} per connection.
 */
import { ServerConnection, type ServerOptions, type UpgradeRequest } from "@wsengine/core";
import { withSharedSlabs } from "./bytes.js";
import type { SessionOptions, UpgradeDecision } from "./options.js";
import { type ParsedRequest, shareTimers, WebSocketSession } from "./session.js";
import { SessionSet } from "./session-set.js";
import type { Transport } from "./transport.js";

// --- types ---

/**
 * Server options every adapter takes: core's connection options, the session's timers and limits,
 * and the hooks, which also receive the adapter's `Info` about each connection (its address...).
 */
export interface SessionServerOptions<Info> extends Omit<ServerOptions, "streaming">, Omit<SessionOptions, "onUpgrade"> {
  /**
   * Decide about a valid upgrade request: authenticate, check Origin, pick a subprotocol, set
   * cookies, or reject with any status, headers and body. May be async; returning nothing
   * accepts. A throw answers 500 and is passed to `onError`.
   */
  readonly onUpgrade?: (request: UpgradeRequest, info: Info) => UpgradeDecision | void | Promise<UpgradeDecision | void>;
  /** A connection opened. Add listeners here: they see every message. */
  readonly onConnection?: (socket: WebSocketSession, request: UpgradeRequest, info: Info) => void;
  /** A connection failed (protocol error, timeout, transport or TLS error, a failing hook). Informational. */
  readonly onError?: (error: Error, socket: WebSocketSession) => void;
}

/** Options of a server's graceful shutdown (`close()`). */
export interface ShutdownOptions {
  /** Close code sent to every client. Default 1001 (Going Away). */
  readonly code?: number;
  readonly reason?: string;
  /** How long the closing handshakes may take before the remaining transports are destroyed. Default: `closeTimeout`, else 10 s. */
  readonly timeout?: number;
}

// --- server ---

/**
 * The runtime-agnostic part of a WebSocket server: adapters wrap one and feed it a transport per
 * accepted connection. Its sessions are tracked until they close; `clients` holds the open ones.
 *
 * Every session shares the server's options object, its timer lists (one runtime timer per
 * duration, not one per connection) and its three listeners (a listener gets its session as
 * `this`), so an idle connection carries no closure of the server's. The adapter's `Info` is
 * kept only until `onConnection` has run: it may hold the platform's request object, which an
 * open connection has no use for. Sessions are tracked in `SessionSet`s, not `Set`s
 * (session-set.ts says why).
 */
export class SessionServer<Info> {
  readonly #options: SessionServerOptions<Info>;
  readonly #sessionOptions: SessionOptions;
  /** The open sessions (closing ones included) until they close. */
  readonly #clients: SessionSet<WebSocketSession> = new SessionSet();
  /**
   * The sessions not yet open. With {@link #clients} this covers every session not yet closed
   * (a session moves from one to the other when it opens), so no third collection of 10,000
   * entries is kept for shutdown.
   */
  readonly #connecting: SessionSet<WebSocketSession> = new SessionSet();
  /** The adapter's info about each connecting session, until it opens. */
  readonly #info: WeakMap<WebSocketSession, Info> = new WeakMap();
  readonly #onOpen: (this: WebSocketSession) => void;
  readonly #onError: (this: WebSocketSession, error: Error) => void;
  readonly #onClose: (this: WebSocketSession) => void;
  #closing = false;

  constructor(options: SessionServerOptions<Info>) {
    this.#options = withSharedSlabs(options);
    const { onUpgrade: hook, onConnection: _open, onError: _error, ...sessionOptions } = options;
    const connecting = this.#connecting;
    const infos = this.#info;
    this.#sessionOptions =
      hook === undefined ? sessionOptions : { ...sessionOptions, onUpgrade: (request, session) => hook(request, infos.get(session)!) };
    shareTimers(this.#sessionOptions);
    const clients = this.#clients;
    this.#onOpen = function (this: WebSocketSession) {
      const info = infos.get(this)!;
      infos.delete(this);
      connecting.delete(this);
      clients.add(this);
      options.onConnection?.(this, this.request!, info);
    };
    this.#onError = function (this: WebSocketSession, error: Error) {
      options.onError?.(error, this);
    };
    this.#onClose = function (this: WebSocketSession) {
      infos.delete(this);
      connecting.delete(this);
      clients.delete(this);
    };
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#clients;
  }

  /** Whether {@link close} was called: the adapter refuses new connections (and stops accepting). */
  get isClosing(): boolean {
    return this.#closing;
  }

  /**
   * Serve one connection: a session over `transport`, with `info` for the hooks.
   * @param request a request head the platform already parsed (Node's `'upgrade'`), plus the bytes after it.
   */
  serve(transport: Transport, info: Info, request?: ParsedRequest): WebSocketSession {
    const session = new WebSocketSession(new ServerConnection(this.#options), transport, this.#sessionOptions, request);
    this.#connecting.add(session);
    this.#info.set(session, info);
    session.on("open", this.#onOpen);
    session.on("error", this.#onError);
    session.on("close", this.#onClose);
    return session;
  }

  /**
   * Graceful shutdown: call `stopListening` (stop taking connections), send a Close (1001 by
   * default) to every client, wait for the closing handshakes up to `timeout`, then destroy what
   * is left, and finally wait for what `stopListening` returned.
   */
  async close(options: ShutdownOptions = {}, stopListening?: () => void | Promise<void>): Promise<void> {
    this.#closing = true;
    const stopped = stopListening?.();
    const sessions = this.#unclosed();
    for (const session of sessions) {
      if (session.readyState === 0) session.terminate();
      else void session.close(options.code ?? 1001, options.reason ?? "server shutting down");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeout ?? this.#options.closeTimeout ?? 10_000)));
    await Promise.race([Promise.all(sessions.map((s) => s.closed)), expired]);
    clearTimeout(timer);
    for (const session of this.#unclosed()) session.terminate();
    await stopped;
  }

  /** Every session not yet closed, connecting ones included. */
  #unclosed(): WebSocketSession[] {
    return [...this.#connecting, ...this.#clients];
  }
}
