/**
 * WebSocket servers for Node: on an existing http/https server (its `'upgrade'` event, beside
 * ordinary routes) or standalone on a net/tls server (core parses the raw request).
 * Docs: https://nodejs.org/api/http.html#event-upgrade, https://nodejs.org/api/net.html#class-netserver
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { type ParsedRequest, SessionServer, type SessionServerOptions, type ShutdownOptions, type WebSocketSession } from "@wsengine/session";
import { toRequestHead } from "./request.js";
import { withNodeDefaults } from "./native-mask.js";
import { NodeSocketTransport } from "./transport.js";

// --- types ---

/**
 * Where a request came from, for the upgrade hook and the connection callback. The address and
 * port are read from the socket when first accessed (Node then keeps them on the socket, which
 * most servers never need): read them while the connection is open.
 */
export interface ConnectionInfo {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Whether the connection is TLS. */
  readonly secure: boolean;
  /**
   * Node's request object, on an http/https server; `null` standalone. The server lets go of it
   * (and of this info) once `onConnection` returns: keep it yourself if you need it later.
   */
  readonly incomingMessage: IncomingMessage | null;
}

/** Server options: core's connection options, the session's timers and limits, and the hooks. */
export interface WebSocketServerOptions extends SessionServerOptions<ConnectionInfo> {
  /** Serve only this path (the target without its query). Default: every path. */
  readonly path?: string;
}

/** Options of {@link listen}: a standalone server. */
export interface ListenOptions extends WebSocketServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Serve wss:// with these TLS options (key and cert at least). */
  readonly tls?: TlsOptions;
}

/** What ties a {@link WebSocketServer} to a listener: closed, or detached, on shutdown. */
export interface ServerBinding {
  /** A standalone listener to close on shutdown. */
  readonly listener?: NetServer;
  /** Unregister from an http server's upgrade routing. */
  readonly detach?: () => void;
}

// --- adapter ---

/** Routes an http server's upgrades to the WebSocket servers attached to it, by path. */
const routers: WeakMap<HttpServer | HttpsServer, WebSocketServer[]> = new WeakMap();

/**
 * A set of WebSocket connections sharing options. Create one with {@link attach} or
 * {@link listen}; it can also take upgrades or sockets you route yourself.
 */
export class WebSocketServer {
  readonly #options: WebSocketServerOptions;
  readonly #core: SessionServer<ConnectionInfo>;
  /** The standalone listener, if {@link listen} made it. */
  readonly #listener: NetServer | null;
  readonly #detach: (() => void) | null;

  /**
   * A server that takes only what you hand it (`handleUpgrade`, `handleSocket`); `attach` and
   * `listen` pass `binding` to tie it to their listener.
   */
  constructor(options: WebSocketServerOptions = {}, binding: ServerBinding = {}) {
    this.#options = options;
    this.#core = new SessionServer(withNodeDefaults(options));
    this.#listener = binding.listener ?? null;
    this.#detach = binding.detach ?? null;
  }

  /** The open connections. */
  get clients(): ReadonlySet<WebSocketSession> {
    return this.#core.clients;
  }

  /** The standalone listener's address, or `null` on an attached server. */
  address(): AddressInfo | null {
    const address = this.#listener?.address();
    return typeof address === "object" && address !== null ? address : null;
  }

  /** Whether `path` (a request target) is served here. */
  handles(target: string): boolean {
    const path = this.#options.path;
    if (path === undefined) return true;
    const q = target.indexOf("?");
    return (q === -1 ? target : target.slice(0, q)) === path;
  }

  /** Take over an http server's `'upgrade'`: for routing of your own (ws's `noServer` mode). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const s = socket as Socket;
    this.#serve(s, connectionInfo(s, req), { head: toRequestHead(req), rest: head });
  }

  /** Serve a raw connected socket: core reads the HTTP request itself. */
  handleSocket(socket: Socket): void {
    this.#serve(socket, connectionInfo(socket, null), undefined);
  }

  /**
   * Graceful shutdown: stop taking connections, send a Close (1001 by default) to every client,
   * wait for the closing handshakes up to `timeout`, then destroy what is left. An attached http
   * server keeps running; a standalone listener is closed.
   */
  close(options: ShutdownOptions = {}): Promise<void> {
    return this.#core.close(options, () => {
      this.#detach?.();
      const listener = this.#listener;
      if (listener !== null) return new Promise<void>((resolve) => listener.close(() => resolve()));
    });
  }

  #serve(socket: Socket, info: ConnectionInfo, request: ParsedRequest | undefined): void {
    if (this.#core.isClosing) {
      socket.on("error", () => {});
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.#core.serve(new NodeSocketTransport(socket), info, request);
  }
}

/** Where {@link connectionInfo} keeps its socket: a non-enumerable key, so spreads leave it out. */
const SOCKET = Symbol("socket");
type WithSocket = { readonly [SOCKET]: Socket };

/**
 * The address getters every {@link ConnectionInfo} shares. An object literal with getters made
 * two closures and a context per connection (~700 bytes that live until the connection opens,
 * long enough to be promoted and then leave holes in the old generation); these are defined as
 * own, enumerable properties, so an info still spreads as a plain object.
 */
const ADDRESS_GETTERS: PropertyDescriptorMap = {
  remoteAddress: {
    enumerable: true,
    get(this: WithSocket): string | undefined {
      return this[SOCKET].remoteAddress;
    },
  },
  remotePort: {
    enumerable: true,
    get(this: WithSocket): number | undefined {
      return this[SOCKET].remotePort;
    },
  },
};

/** {@link ConnectionInfo} whose address and port are looked up only when read. */
function connectionInfo(socket: Socket, incomingMessage: IncomingMessage | null): ConnectionInfo {
  const info = Object.defineProperty({ secure: "encrypted" in socket, incomingMessage }, SOCKET, { value: socket });
  return Object.defineProperties(info, ADDRESS_GETTERS) as typeof info & Pick<ConnectionInfo, "remoteAddress" | "remotePort">;
}

/**
 * Serve WebSockets on an http or https server, next to its ordinary routes. Several servers
 * may be attached with different `path`s; an upgrade no attached server takes is answered 404
 * (unless another `'upgrade'` listener exists, which then owns it).
 *
 * @example
 * const http = createServer((req, res) => res.end("ok"));
 * const wss = attach(http, { path: "/chat", onConnection: (ws) => ws.on("message", (m) => ws.send(m)) });
 * http.listen(8080);
 */
export function attach(server: HttpServer | HttpsServer, options: WebSocketServerOptions = {}): WebSocketServer {
  let routes = routers.get(server);
  if (routes === undefined) {
    const list: WebSocketServer[] = [];
    routes = list;
    routers.set(server, list);
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const target = list.find((s) => s.handles(req.url ?? "/"));
      if (target !== undefined) return target.handleUpgrade(req, socket, head);
      if (server.listenerCount("upgrade") > 1) return;
      socket.on("error", () => {});
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    };
    server.on("upgrade", onUpgrade);
  }
  const list = routes;
  const wss: WebSocketServer = new WebSocketServer(options, {
    detach: () => {
      const i = list.indexOf(wss);
      if (i !== -1) list.splice(i, 1);
    },
  });
  list.push(wss);
  return wss;
}

/**
 * A standalone WebSocket server on a net (or, with `tls`, a tls) server. Every connection's
 * HTTP request is parsed by core; anything that is not a valid upgrade gets core's 400/426.
 * Resolves once listening; `address()` then gives the port.
 */
export function listen(options: ListenOptions = {}): Promise<WebSocketServer> {
  const onSocket = (socket: Socket): void => wss.handleSocket(socket);
  const listener = options.tls === undefined ? createNetServer(onSocket) : createTlsServer(options.tls, onSocket);
  // A client failing its TLS handshake is that client's problem, not the server's.
  listener.on("tlsClientError", () => {});
  const wss = new WebSocketServer(options, { listener });
  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen({ port: options.port ?? 0, ...(options.host === undefined ? {} : { host: options.host }) }, () => {
      listener.off("error", reject);
      resolve(wss);
    });
  });
}
