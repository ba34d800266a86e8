/**
 * WebSocket servers for Deno on `Deno.listen` (ws://) and `Deno.listenTls` (wss://); core parses
 * each connection's HTTP request itself.
 * Docs: https://docs.deno.com/api/deno/~/Deno.listen, https://docs.deno.com/api/deno/~/Deno.listenTls
 */
import { ServerConnection, type ServerOptions, type UpgradeRequest } from "@wsengine/core";
import { type SessionOptions, type UpgradeDecision, WebSocketSession } from "@wsengine/session";
import { DenoConnTransport } from "./transport.js";

// --- types ---

/** Where a connection came from, for the upgrade hook and the connection callback. */
export interface ConnectionInfo {
  readonly remoteAddr: Deno.Addr;
  /** Whether the connection is TLS. */
  readonly secure: boolean;
}

/** Server options: core's connection options, the session's timers and limits, and the hooks. */
export interface WebSocketServerOptions extends Omit<ServerOptions, "streaming">, Omit<SessionOptions, "onUpgrade"> {
  /**
   * Decide about a valid upgrade request: authenticate, check Origin, pick a subprotocol, set
   * cookies, or reject with any status, headers and body. May be async; returning nothing
   * accepts. A throw answers 500 and is passed to `onError`.
   */
  readonly onUpgrade?: (request: UpgradeRequest, info: ConnectionInfo) => UpgradeDecision | void | Promise<UpgradeDecision | void>;
  /** A connection opened. Add listeners here: they see every message. */
  readonly onConnection?: (socket: WebSocketSession, request: UpgradeRequest, info: ConnectionInfo) => void;
  /** A connection failed (protocol error, timeout, transport or TLS error, a failing hook). Informational. */
  readonly onError?: (error: Error, socket: WebSocketSession) => void;
}

/** Options of {@link listen}. */
export interface ListenOptions extends WebSocketServerOptions {
  /** Default 0: any free port (read it from {@link WebSocketServer.port}). */
  readonly port?: number;
  /** Default `"0.0.0.0"`, as `Deno.listen`. */
  readonly hostname?: string;
  /** Serve wss:// with this PEM certificate chain and private key (`Deno.listenTls`). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** Options of {@link WebSocketServer.close}. */
export interface ShutdownOptions {
  /** Close code sent to every client. Default 1001 (Going Away). */
  readonly code?: number;
  readonly reason?: string;
  /** How long the closing handshakes may take before the rest are destroyed. Default: `closeTimeout`, else 10 s. */
  readonly timeout?: number;
}

// --- adapter ---

/** What ties a {@link WebSocketServer} to a listener it accepts from, and closes on shutdown. */
export interface ServerBinding {
  readonly listener?: Deno.Listener;
  /** Whether the listener is a `Deno.listenTls` one. */
  readonly secure?: boolean;
}

/** A set of WebSocket connections sharing options. Made by {@link listen}, or fed with {@link handleConn}. */
export class WebSocketServer {
  readonly #options: WebSocketServerOptions;
  readonly #listener: Deno.Listener | null;
  readonly #sessions: Set<WebSocketSession> = new Set();
  readonly #clients: Set<WebSocketSession> = new Set();
  #closing = false;

  /** With a `binding`, accept from its listener until {@link close}. */
  constructor(options: WebSocketServerOptions = {}, binding: ServerBinding = {}) {
    this.#options = options;
    this.#listener = binding.listener ?? null;
    if (binding.listener !== undefined) void this.#accept(binding.listener, binding.secure ?? false);
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#clients;
  }

  /** The listener's address, or `null` without a listener. */
  get addr(): Deno.NetAddr | null {
    return (this.#listener?.addr as Deno.NetAddr | undefined) ?? null;
  }

  /** The listening port, or 0 without a listener. */
  get port(): number {
    return this.addr?.port ?? 0;
  }

  /** Serve an accepted connection (from a listener of your own): core reads the HTTP request. */
  handleConn(conn: Deno.Conn, secure = false): void {
    if (this.#closing) return conn.close();
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    const { onUpgrade: hook, onConnection, onError, ...sessionOptions } = this.#options;
    const info: ConnectionInfo = { remoteAddr: conn.remoteAddr, secure };
    const session = new WebSocketSession(
      new ServerConnection(this.#options),
      new DenoConnTransport(conn),
      hook === undefined ? sessionOptions : { ...sessionOptions, onUpgrade: (request: UpgradeRequest) => hook(request, info) },
    );
    this.#sessions.add(session);
    session.on("open", () => {
      this.#clients.add(session);
      onConnection?.(session, session.request!, info);
    });
    session.on("error", (error) => onError?.(error, session));
    session.on("close", () => {
      this.#sessions.delete(session);
      this.#clients.delete(session);
    });
  }

  /**
   * Graceful shutdown: stop accepting, send a Close (1001 by default) to every client, wait for
   * the closing handshakes up to `timeout`, then destroy what is left.
   */
  async close(options: ShutdownOptions = {}): Promise<void> {
    this.#closing = true;
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
    const sessions = [...this.#sessions];
    for (const session of sessions) {
      if (session.readyState === 0) session.terminate();
      else void session.close(options.code ?? 1001, options.reason ?? "server shutting down");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeout ?? this.#options.closeTimeout ?? 10_000)));
    await Promise.race([Promise.all(sessions.map((s) => s.closed)), expired]);
    clearTimeout(timer);
    for (const session of this.#sessions) session.terminate();
  }

  /** Accept until the listener closes; a failed accept (out of file descriptors...) is retried shortly. */
  async #accept(listener: Deno.Listener, secure: boolean): Promise<void> {
    while (!this.#closing) {
      try {
        this.handleConn(await listener.accept(), secure);
      } catch (error) {
        if (this.#closing || error instanceof Deno.errors.BadResource) return;
        await new Promise<void>((resolve) => setTimeout(() => resolve(), 50));
      }
    }
  }
}

/**
 * A WebSocket server on `Deno.listen`, or on `Deno.listenTls` with `tls`. Anything that is not a
 * valid upgrade gets core's 400/426 answer.
 *
 * @example
 * const wss = listen({ port: 8080, onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
 * console.log(`ws://localhost:${wss.port}`);
 */
export function listen(options: ListenOptions = {}): WebSocketServer {
  const { port = 0, hostname, tls } = options;
  const address = { port, ...(hostname === undefined ? {} : { hostname }) };
  const listener = tls === undefined ? Deno.listen(address) : Deno.listenTls({ ...address, cert: tls.cert, key: tls.key });
  return new WebSocketServer(options, { listener, secure: tls !== undefined });
}
