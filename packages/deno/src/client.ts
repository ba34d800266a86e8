/**
 * WebSocket clients for Deno on `Deno.connect` (ws://) and `Deno.connectTls` (wss://).
 * Docs: https://docs.deno.com/api/deno/~/Deno.connect, https://docs.deno.com/api/deno/~/Deno.connectTls
 */
import { type DialOptions, dialWebSocket, openClientSession, type TransportTarget, type WebSocketSession } from "@wsengine/session";
import { DenoConnTransport } from "./transport.js";

// --- types ---

/** Client options: core's connection options, the session's timers and limits, and TLS. */
export interface ConnectOptions extends DialOptions {
  /** wss:// only: extra trusted CAs (PEM) and a client certificate, as `Deno.connectTls` takes them. */
  readonly tls?: { readonly caCerts?: readonly string[]; readonly cert?: string; readonly key?: string };
}

// --- adapter ---

function openTransport({ host: hostname, port, secure }: TransportTarget, { tls }: ConnectOptions): DenoConnTransport {
  const conn: Promise<Deno.Conn> = secure
    ? Deno.connectTls({
        hostname,
        port,
        alpnProtocols: ["http/1.1"],
        ...(tls?.caCerts === undefined ? {} : { caCerts: [...tls.caCerts] }),
        ...(tls?.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
      })
    : Deno.connect({ hostname, port }).then((c) => (c.setNoDelay(true), c));
  return new DenoConnTransport(conn);
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here.
 * @throws {WebSocketError} `INVALID_URL`; `LocalProtocolError` for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  return openClientSession(url, options, openTransport);
}

/**
 * Connect to a ws:// or wss:// URL and resolve once the connection is open.
 * @throws (rejects) `HandshakeRejectedError` with status, headers and body when the server
 *   refuses; `WebSocketError` `HANDSHAKE_TIMEOUT`, `TRANSPORT_ERROR` (refused, reset, TLS
 *   failure; the cause attached), `TOO_MANY_REDIRECTS`, `INVALID_REDIRECT`.
 *
 * @example
 * const ws = await connect("wss://example.com/chat", { protocols: ["chat"] });
 * await ws.send("hello");
 * for await (const message of ws) console.log(message);
 */
export function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebSocketSession> {
  return dialWebSocket(url, options, openTransport);
}
