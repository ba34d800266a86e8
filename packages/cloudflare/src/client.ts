/// <reference path="./globals.d.ts" />
/**
 * WebSocket clients for Cloudflare Workers over TCP sockets: `connect()` from `cloudflare:sockets`,
 * plain for ws:// and with `secureTransport: "on"` (TLS) for wss://.
 * Docs: https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/
 */
import { connect as connectSocket } from "cloudflare:sockets";
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
import { CloudflareSocketTransport, type SocketTransportOptions, type WorkersSocket } from "./transport.js";

// --- types ---

/** Where a socket is opened: the shape of `connect()` and of a service binding's `connect()`. */
export interface SocketConnector {
  connect(
    address: { hostname: string; port: number },
    options: { secureTransport: "on" | "off"; allowHalfOpen: boolean },
  ): WorkersSocket;
}

/** Client options: core's connection options, the session's timers and limits, and the transport's. */
export interface ConnectOptions
  extends Omit<ClientOptions, "host" | "port" | "secure" | "target" | "headers" | "streaming">,
    Omit<SessionOptions, "onUpgrade">,
    SocketTransportOptions {
  /** Extra request headers (Authorization, Cookie, User-Agent...). */
  readonly headers?: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;
  /**
   * Follow up to this many redirects (301, 302, 303, 307, 308) in {@link connect}. Default 0:
   * a redirect is a {@link HandshakeRejectedError}. Never from wss: to ws:; Authorization and
   * Cookie headers are dropped when a hop changes origin.
   */
  readonly maxRedirects?: number;
  /**
   * Open sockets here instead of the global `connect()`: for example a service binding
   * (`env.UPSTREAM`, a `Fetcher`, has a `connect()` method).
   */
  readonly connector?: SocketConnector;
}

// --- adapter ---

const globalConnector: SocketConnector = { connect: (address, options) => connectSocket(address, options) };

function headerPairs(headers: ConnectOptions["headers"]): ReadonlyArray<readonly [string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers as ReadonlyArray<readonly [string, string]>;
  return Object.entries(headers as Readonly<Record<string, string>>);
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here. Call it inside a
 * request (a Worker's `fetch`, a Durable Object's method): Workers open sockets only there.
 * @throws {WebSocketError} `INVALID_URL`; {@link LocalProtocolError} for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  const target = parseWebSocketUrl(url);
  const secure = target.protocol === "wss:";
  const port = portOf(target);
  // Build the request first: invalid options throw before a socket exists.
  const connection = new ClientConnection({
    ...options,
    host: target.hostname,
    port,
    secure,
    target: targetOf(target),
    headers: headerPairs(options.headers),
  });
  // allowHalfOpen: the session ends our side only after the closing handshake (RFC 6455 §7.1.1),
  // not as soon as the server's FIN arrives.
  const socket = (options.connector ?? globalConnector).connect(
    { hostname: hostOf(target), port },
    { secureTransport: secure ? "on" : "off", allowHalfOpen: true },
  );
  const transport = new CloudflareSocketTransport(
    socket,
    options.writeHighWaterMark === undefined ? {} : { writeHighWaterMark: options.writeHighWaterMark },
  );
  return new WebSocketSession(connection, transport, options);
}

/**
 * Connect to a ws:// or wss:// URL and resolve once the connection is open.
 * @throws (rejects) {@link HandshakeRejectedError} with status, headers and body when the server
 *   refuses; {@link WebSocketError} `HANDSHAKE_TIMEOUT`, `TRANSPORT_ERROR` (refused, reset, an
 *   untrusted certificate; the cause attached), `TOO_MANY_REDIRECTS`, `INVALID_REDIRECT`; core's
 *   `HandshakeError` for an invalid 101 response.
 *
 * @example
 * const ws = await connect("wss://example.com/chat", { protocols: ["chat"], headers: { Authorization: "Bearer t" } });
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
      if (hops >= maxRedirects) {
        throw new WebSocketError("TOO_MANY_REDIRECTS", `more than ${maxRedirects} redirects`, { cause: error });
      }
      ({ url: target, headers } = followRedirect(target, error.headers.get("location"), headers));
    }
  }
}
