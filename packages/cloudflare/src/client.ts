/// <reference path="./globals.d.ts" />
/**
 * WebSocket clients for Cloudflare Workers over TCP sockets: `connect()` from `cloudflare:sockets`,
 * plain for ws:// and with `secureTransport: "on"` (TLS) for wss://.
 * Docs: https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/
 */
import { connect as connectSocket } from "cloudflare:sockets";
import { type DialOptions, dialWebSocket, openClientSession, type TransportTarget, type WebSocketSession } from "@wsengine/session";
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
export interface ConnectOptions extends DialOptions, SocketTransportOptions {
  /**
   * Open sockets here instead of the global `connect()`: for example a service binding
   * (`env.UPSTREAM`, a `Fetcher`, has a `connect()` method).
   */
  readonly connector?: SocketConnector;
}

// --- adapter ---

const globalConnector: SocketConnector = { connect: (address, options) => connectSocket(address, options) };

function openTransport({ host: hostname, port, secure }: TransportTarget, options: ConnectOptions): CloudflareSocketTransport {
  // allowHalfOpen: the session ends our side only after the closing handshake (RFC 6455 §7.1.1),
  // not as soon as the server's FIN arrives.
  const socket = (options.connector ?? globalConnector).connect({ hostname, port }, { secureTransport: secure ? "on" : "off", allowHalfOpen: true });
  return new CloudflareSocketTransport(socket, options.writeHighWaterMark === undefined ? {} : { writeHighWaterMark: options.writeHighWaterMark });
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here. Call it inside a
 * request (a Worker's `fetch`, a Durable Object's method): Workers open sockets only there.
 * @throws {WebSocketError} `INVALID_URL`; `LocalProtocolError` for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  return openClientSession(url, options, openTransport);
}

/**
 * Connect to a ws:// or wss:// URL and resolve once the connection is open.
 * @throws (rejects) `HandshakeRejectedError` with status, headers and body when the server
 *   refuses; `WebSocketError` `HANDSHAKE_TIMEOUT`, `TRANSPORT_ERROR` (refused, reset, an
 *   untrusted certificate; the cause attached), `TOO_MANY_REDIRECTS`, `INVALID_REDIRECT`; core's
 *   `HandshakeError` for an invalid 101 response.
 *
 * @example
 * const ws = await connect("wss://example.com/chat", { protocols: ["chat"], headers: { Authorization: "Bearer t" } });
 * await ws.send("hello");
 * for await (const message of ws) console.log(message);
 */
export function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebSocketSession> {
  return dialWebSocket(url, options, openTransport);
}
