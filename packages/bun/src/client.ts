/**
 * WebSocket clients for Bun on `Bun.connect` (ws://, and wss:// with its `tls` option).
 * Docs: https://bun.com/docs/api/tcp#create-a-connection-bun-connect
 */
import { type DialOptions, dialWebSocket, openClientSession, type TransportTarget, type WebSocketSession } from "@wsengine/session";
import { withBunDefaults } from "./defaults.js";
import { BunSocketTransport, SOCKET_HANDLERS, TLS_CLIENT_HANDLERS } from "./transport.js";

// --- types ---

/** Client options: core's connection options, the session's timers and limits, and TLS. */
export interface ConnectOptions extends DialOptions {
  /** wss:// only: trusted CAs (PEM), a client certificate and key, `rejectUnauthorized`, `serverName`. */
  readonly tls?: {
    readonly ca?: string | readonly string[];
    readonly cert?: string;
    readonly key?: string;
    readonly rejectUnauthorized?: boolean;
    readonly serverName?: string;
  };
}

// --- adapter ---

// An IP literal is no server name (RFC 6066 §3: SNI carries DNS names only).
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|.*:.*)$/;

function openTransport({ host: hostname, port, secure }: TransportTarget, options: ConnectOptions): BunSocketTransport {
  const tls = options.tls ?? {};
  const transport = new BunSocketTransport(secure ? tls : undefined);
  Bun.connect<BunSocketTransport | undefined>({
    hostname,
    port,
    data: transport,
    allowHalfOpen: true,
    socket: secure ? TLS_CLIENT_HANDLERS : SOCKET_HANDLERS,
    ...(secure
      ? {
          // Never an empty object: Bun takes `tls: {}` as no TLS at all.
          tls: {
            ...(IP_LITERAL.test(hostname) ? {} : { serverName: hostname }),
            ...tls,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
            ...(typeof tls.ca === "object" ? { ca: [...tls.ca] } : {}),
          } as Bun.TLSOptions,
        }
      : {}),
  }).catch(() => {
    // Reported through the `connectError` handler.
  });
  return transport;
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here.
 * @throws {WebSocketError} `INVALID_URL`; `LocalProtocolError` for invalid headers or protocols.
 */
export function openSession(url: string | URL, options: ConnectOptions = {}): WebSocketSession {
  return openClientSession(url, withBunDefaults(options), openTransport);
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
  return dialWebSocket(url, withBunDefaults(options), openTransport);
}
