/**
 * WebSocket clients for Deno on `Deno.connect` (ws://) and `Deno.connectTls` (wss://).
 * Docs: https://docs.deno.com/api/deno/~/Deno.connect, https://docs.deno.com/api/deno/~/Deno.connectTls
 */
import { type ClientOptions, ClientConnection } from "@wsengine/core";
import {
  followRedirect,
  HandshakeRejectedError,
  hostOf,
  isRedirectStatus,
  parseWebSocketUrl,
  portOf,
  type SessionOptions,
  targetOf,
  WebSocketError,
  WebSocketSession,
} from "@wsengine/session";
import { DenoConnTransport } from "./transport.js";

// --- types ---

/** Client options: core's connection options, the session's timers and limits, and TLS. */
export interface ConnectOptions
  extends Omit<ClientOptions, "host" | "port" | "secure" | "target" | "headers" | "streaming">,
    Omit<SessionOptions, "onUpgrade"> {
  /** Extra request headers (Authorization, Cookie, User-Agent...). */
  readonly headers?: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;
  /** wss:// only: extra trusted CAs (PEM) and a client certificate, as `Deno.connectTls` takes them. */
  readonly tls?: { readonly caCerts?: readonly string[]; readonly cert?: string; readonly key?: string };
  /**
   * Follow up to this many redirects (301, 302, 303, 307, 308) in {@link connect}. Default 0:
   * a redirect is a {@link HandshakeRejectedError}. Never from wss: to ws:; Authorization and
   * Cookie headers are dropped when a hop changes origin.
   */
  readonly maxRedirects?: number;
}

// --- adapter ---

function headerPairs(headers: ConnectOptions["headers"]): ReadonlyArray<readonly [string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers as ReadonlyArray<readonly [string, string]>;
  return Object.entries(headers as Readonly<Record<string, string>>);
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here.
 * @throws {WebSocketError} `INVALID_URL`; {@link LocalProtocolError} for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  const target = parseWebSocketUrl(url);
  const secure = target.protocol === "wss:";
  const hostname = hostOf(target);
  const port = portOf(target);
  // Build the request first: invalid options throw before a connection exists.
  const connection = new ClientConnection({ ...options, host: target.hostname, port, secure, target: targetOf(target), headers: headerPairs(options.headers) });
  const tls = options.tls;
  const conn: Promise<Deno.Conn> = secure
    ? Deno.connectTls({
        hostname,
        port,
        alpnProtocols: ["http/1.1"],
        ...(tls?.caCerts === undefined ? {} : { caCerts: [...tls.caCerts] }),
        ...(tls?.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
      })
    : Deno.connect({ hostname, port }).then((c) => (c.setNoDelay(true), c));
  return new WebSocketSession(connection, new DenoConnTransport(conn), options);
}

/**
 * Connect to a ws:// or wss:// URL and resolve once the connection is open.
 * @throws (rejects) {@link HandshakeRejectedError} with status, headers and body when the server
 *   refuses; {@link WebSocketError} `HANDSHAKE_TIMEOUT`, `TRANSPORT_ERROR` (refused, reset, TLS
 *   failure; the cause attached), `TOO_MANY_REDIRECTS`, `INVALID_REDIRECT`.
 *
 * @example
 * const ws = await connect("wss://example.com/chat", { protocols: ["chat"] });
 * await ws.send("hello");
 * for await (const message of ws) console.log(message);
 */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebSocketSession> {
  let target = parseWebSocketUrl(url);
  let headers = headerPairs(options.headers);
  const maxRedirects = options.maxRedirects ?? 0;
  for (let hops = 0; ; hops++) {
    const session = openSession(target, { ...options, headers });
    try {
      await session.opened;
      return session;
    } catch (error) {
      if (!(error instanceof HandshakeRejectedError) || !isRedirectStatus(error.status) || maxRedirects === 0) throw error;
      if (hops >= maxRedirects) throw new WebSocketError("TOO_MANY_REDIRECTS", `more than ${maxRedirects} redirects`, { cause: error });
      ({ url: target, headers } = followRedirect(target, error.headers.get("location"), headers));
    }
  }
}
