/**
 * WebSocket clients for Node over node:net (ws://) and node:tls (wss://).
 * Docs: https://nodejs.org/api/net.html#netconnectoptions-connectlistener,
 * https://nodejs.org/api/tls.html#tlsconnectoptions-callback
 */
import { connect as netConnect, isIP } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { type DialOptions, dialWebSocket, openClientSession, type TransportTarget, type WebSocketSession } from "@wsengine/session";
import { withNodeDefaults } from "./native-mask.js";
import { NodeSocketTransport } from "./transport.js";

// --- types ---

/** Client options: core's connection options, the session's timers and limits, and the transport's. */
export interface ConnectOptions extends DialOptions {
  /** wss:// only: CA, client certificate and key, `rejectUnauthorized`, `servername`... */
  readonly tls?: Omit<TlsConnectionOptions, "host" | "port" | "socket">;
}

// --- adapter ---

function openTransport({ host, port, secure }: TransportTarget, options: ConnectOptions): NodeSocketTransport {
  const socket = secure
    ? tlsConnect({
        host,
        port,
        // SNI takes a DNS name, never an IP address (RFC 6066 §3).
        ...(isIP(host) === 0 ? { servername: host } : {}),
        ALPNProtocols: ["http/1.1"],
        ...options.tls,
      })
    : netConnect({ host, port });
  return new NodeSocketTransport(socket);
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here.
 * @throws {WebSocketError} `INVALID_URL`; `LocalProtocolError` for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  return openClientSession(url, withNodeDefaults(options), openTransport);
}

/**
 * Connect to a ws:// or wss:// URL and resolve once the connection is open.
 * @throws (rejects) `HandshakeRejectedError` with status, headers and body when the server
 *   refuses (401, 403, a redirect not followed...); `WebSocketError` `HANDSHAKE_TIMEOUT`,
 *   `TRANSPORT_ERROR` (refused, reset, TLS failure; the cause attached), `TOO_MANY_REDIRECTS`,
 *   `INVALID_REDIRECT`; core's `HandshakeError` for an invalid 101 response.
 *
 * @example
 * const ws = await connect("wss://example.com/chat", { protocols: ["chat"], headers: { Authorization: "Bearer t" } });
 * await ws.send("hello");
 * for await (const message of ws) console.log(message);
 */
export function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebSocketSession> {
  return dialWebSocket(url, withNodeDefaults(options), openTransport);
}
