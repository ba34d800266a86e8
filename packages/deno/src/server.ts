/**
 * WebSocket servers for Deno on `Deno.listen` (ws://) and `Deno.listenTls` (wss://); core parses
 * each connection's HTTP request itself.
 * Docs: https://docs.deno.com/api/deno/~/Deno.listen, https://docs.deno.com/api/deno/~/Deno.listenTls
 */
import { SessionServer, type SessionServerOptions, type ShutdownOptions, type WebSocketSession } from "@wsengine/session";
import { DenoConnTransport } from "./transport.js";

// --- types ---

/** Where a connection came from, for the upgrade hook and the connection callback. */
export interface ConnectionInfo {
  readonly remoteAddr: Deno.Addr;
  /** Whether the connection is TLS. */
  readonly secure: boolean;
}

/** Server options: core's connection options, the session's timers and limits, and the hooks. */
export interface WebSocketServerOptions extends SessionServerOptions<ConnectionInfo> {}

/** Options of {@link listen}. */
export interface ListenOptions extends WebSocketServerOptions {
  /** Default 0: any free port (read it from {@link WebSocketServer.port}). */
  readonly port?: number;
  /** Default `"0.0.0.0"`, as `Deno.listen`. */
  readonly hostname?: string;
  /** Serve wss:// with this PEM certificate chain and private key (`Deno.listenTls`). */
  readonly tls?: { readonly cert: string; readonly key: string };
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
  readonly #core: SessionServer<ConnectionInfo>;
  readonly #listener: Deno.Listener | null;

  /** With a `binding`, accept from its listener until {@link close}. */
  constructor(options: WebSocketServerOptions = {}, binding: ServerBinding = {}) {
    this.#core = new SessionServer(options);
    this.#listener = binding.listener ?? null;
    if (binding.listener !== undefined) void this.#accept(binding.listener, binding.secure ?? false);
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#core.clients;
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
    if (this.#core.isClosing) return conn.close();
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    this.#core.serve(new DenoConnTransport(conn), { remoteAddr: conn.remoteAddr, secure });
  }

  /**
   * Graceful shutdown: stop accepting, send a Close (1001 by default) to every client, wait for
   * the closing handshakes up to `timeout`, then destroy what is left.
   */
  close(options: ShutdownOptions = {}): Promise<void> {
    return this.#core.close(options, () => {
      try {
        this.#listener?.close();
      } catch {
        // Already closed.
      }
    });
  }

  /** Accept until the listener closes; a failed accept (out of file descriptors...) is retried shortly. */
  async #accept(listener: Deno.Listener, secure: boolean): Promise<void> {
    while (!this.#core.isClosing) {
      try {
        this.handleConn(await listener.accept(), secure);
      } catch (error) {
        if (this.#core.isClosing || error instanceof Deno.errors.BadResource) return;
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
