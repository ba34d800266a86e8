/**
 * WebSocket servers for Bun on `Bun.listen` (TCP, or TLS with `tls`); core parses each
 * connection's HTTP request itself.
 * Docs: https://bun.com/docs/api/tcp#start-a-server-bun-listen
 */
import type { TCPSocketListener } from "bun";
import { ServerConnection, type ServerOptions, type UpgradeRequest } from "@wsengine/core";
import { type SessionOptions, type UpgradeDecision, WebSocketSession } from "@wsengine/session";
import { BunSocketTransport, SOCKET_HANDLERS, type TransportSocket } from "./transport.js";

// --- types ---

/** Where a connection came from, for the upgrade hook and the connection callback. */
export interface ConnectionInfo {
  readonly remoteAddress: string;
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
  /** Default `"0.0.0.0"`. */
  readonly hostname?: string;
  /** Serve wss:// with this PEM certificate chain and private key. */
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

/** A set of WebSocket connections sharing options, made by {@link listen}. */
export class WebSocketServer {
  readonly #options: WebSocketServerOptions;
  readonly #sessions: Set<WebSocketSession> = new Set();
  readonly #clients: Set<WebSocketSession> = new Set();
  #listener: TCPSocketListener<BunSocketTransport | undefined> | null = null;
  #closing = false;

  constructor(options: WebSocketServerOptions = {}) {
    this.#options = options;
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#clients;
  }

  /** The listening port, or 0 before {@link listen}. */
  get port(): number {
    return this.#listener?.port ?? 0;
  }

  /** Listen with `Bun.listen`; the shared socket handlers plus an `open` that serves each connection. */
  listen(port: number, hostname: string, tls: ListenOptions["tls"]): this {
    this.#listener = Bun.listen<BunSocketTransport | undefined>({
      hostname,
      port,
      allowHalfOpen: true,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
      socket: { ...SOCKET_HANDLERS, open: (socket) => this.#serve(socket as TransportSocket, tls !== undefined) },
    });
    return this;
  }

  /**
   * Graceful shutdown: stop accepting, send a Close (1001 by default) to every client, wait for
   * the closing handshakes up to `timeout`, then destroy what is left.
   */
  async close(options: ShutdownOptions = {}): Promise<void> {
    this.#closing = true;
    this.#listener?.stop(false);
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

  #serve(socket: TransportSocket, secure: boolean): void {
    if (this.#closing) return socket.terminate();
    const transport = new BunSocketTransport();
    socket.data = transport;
    transport.attach(socket);
    const { onUpgrade: hook, onConnection, onError, ...sessionOptions } = this.#options;
    const info: ConnectionInfo = { remoteAddress: socket.remoteAddress, secure };
    const session = new WebSocketSession(
      new ServerConnection(this.#options),
      transport,
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
}

/**
 * A WebSocket server on `Bun.listen`, TLS with `tls`. Anything that is not a valid upgrade gets
 * core's 400/426 answer.
 *
 * @example
 * const wss = listen({ port: 8080, onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
 * console.log(`ws://localhost:${wss.port}`);
 */
export function listen(options: ListenOptions = {}): WebSocketServer {
  return new WebSocketServer(options).listen(options.port ?? 0, options.hostname ?? "0.0.0.0", options.tls);
}
