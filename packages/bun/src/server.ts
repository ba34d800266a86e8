/**
 * WebSocket servers for Bun on `Bun.listen` (TCP, or TLS with `tls`); core parses each
 * connection's HTTP request itself.
 * Docs: https://bun.com/docs/api/tcp#start-a-server-bun-listen
 */
import type { TCPSocketListener } from "bun";
import { SessionServer, type SessionServerOptions, type ShutdownOptions, type WebSocketSession } from "@wsengine/session";
import { withBunDefaults } from "./defaults.js";
import { BunSocketTransport, SOCKET_HANDLERS, type TransportSocket } from "./transport.js";

// --- types ---

/** Where a connection came from, for the upgrade hook and the connection callback. */
export interface ConnectionInfo {
  readonly remoteAddress: string;
  /** Whether the connection is TLS. */
  readonly secure: boolean;
}

/** Server options: core's connection options, the session's timers and limits, and the hooks. */
export interface WebSocketServerOptions extends SessionServerOptions<ConnectionInfo> {}

/** Options of {@link listen}. */
export interface ListenOptions extends WebSocketServerOptions {
  /** Default 0: any free port (read it from {@link WebSocketServer.port}). */
  readonly port?: number;
  /** Default `"0.0.0.0"`. */
  readonly hostname?: string;
  /** Serve wss:// with this PEM certificate chain and private key. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

// --- adapter ---

/** A set of WebSocket connections sharing options, made by {@link listen}. */
export class WebSocketServer {
  readonly #core: SessionServer<ConnectionInfo>;
  #listener: TCPSocketListener<BunSocketTransport | undefined> | null = null;

  constructor(options: WebSocketServerOptions = {}) {
    this.#core = new SessionServer(withBunDefaults(options));
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#core.clients;
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
  close(options: ShutdownOptions = {}): Promise<void> {
    return this.#core.close(options, () => this.#listener?.stop(false));
  }

  #serve(socket: TransportSocket, secure: boolean): void {
    if (this.#core.isClosing) return socket.terminate();
    const transport = new BunSocketTransport();
    socket.data = transport;
    transport.attach(socket, true);
    this.#core.serve(transport, { remoteAddress: socket.remoteAddress, secure });
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
