/**
 * The client side every adapter shares: build the upgrade request from a URL and options, open a
 * transport through the adapter's {@link TransportOpener}, and follow redirects. An adapter
 * supplies only "open a transport to host:port, with TLS or without".
 */
import { type ClientOptions, ClientConnection } from "@wsengine/core";
import { withSharedSlabs } from "./bytes.js";
import { HandshakeRejectedError, WebSocketError } from "./errors.js";
import type { SessionOptions } from "./options.js";
import { WebSocketSession } from "./session.js";
import type { Transport } from "./transport.js";
import { followRedirect, hostOf, isRedirectStatus, parseWebSocketUrl, portOf, targetOf } from "./url.js";

// --- types ---

/** Extra request headers as clients take them: name/value pairs, or a record. */
export type RequestHeaders = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** Client options every adapter takes: core's connection options and the session's timers and limits. */
export interface DialOptions
  extends Omit<ClientOptions, "host" | "port" | "secure" | "target" | "headers" | "streaming">,
    Omit<SessionOptions, "onUpgrade"> {
  /** Extra request headers (Authorization, Cookie, User-Agent...). */
  readonly headers?: RequestHeaders;
  /**
   * Follow up to this many redirects (301, 302, 303, 307, 308) in `connect()`. Default 0:
   * a redirect is a {@link HandshakeRejectedError}. Never from wss: to ws:; Authorization and
   * Cookie headers are dropped when a hop changes origin.
   */
  readonly maxRedirects?: number;
}

/** Where a client's transport goes. */
export interface TransportTarget {
  /** The parsed `ws:` or `wss:` URL. */
  readonly url: URL;
  /** The host to connect to: a DNS name or an IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** Whether to speak TLS (a `wss:` URL). */
  readonly secure: boolean;
}

/**
 * An adapter's one client-side job: open a transport to `target` with the adapter's own options
 * (TLS settings, a connector). It may return before the connection is established; a failure to
 * connect is reported through the transport (`receiveEof(error)`), not thrown.
 */
export type TransportOpener<O> = (target: TransportTarget, options: O) => Transport;

// --- dialing ---

function headerPairs(headers: RequestHeaders | undefined): ReadonlyArray<readonly [string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers as ReadonlyArray<readonly [string, string]>;
  return Object.entries(headers as Readonly<Record<string, string>>);
}

/**
 * Start a client connection and return its session at once, still connecting (readyState 0):
 * the WHATWG `WebSocket` builds on this. Redirects are not followed here.
 * @throws {WebSocketError} `INVALID_URL`; core's `LocalProtocolError` for invalid headers or protocols.
 */
export function openClientSession<O extends DialOptions>(url: string | URL, options: O, openTransport: TransportOpener<O>): WebSocketSession {
  const target = parseWebSocketUrl(url);
  const secure = target.protocol === "wss:";
  const port = portOf(target);
  // Build the request first: invalid options throw before a socket exists.
  const connection = new ClientConnection({
    ...withSharedSlabs(options),
    host: target.hostname,
    port,
    secure,
    target: targetOf(target),
    headers: headerPairs(options.headers),
  });
  const transport = openTransport({ url: target, host: hostOf(target), port, secure }, options);
  return new WebSocketSession(connection, transport, options);
}

/**
 * Connect to a ws:// or wss:// URL, following up to `options.maxRedirects` redirects, and resolve
 * once the connection is open.
 * @throws (rejects) {@link HandshakeRejectedError} with status, headers and body when the server
 *   refuses (401, 403, a redirect not followed...); {@link WebSocketError} `HANDSHAKE_TIMEOUT`,
 *   `TRANSPORT_ERROR` (refused, reset, TLS failure; the cause attached), `TOO_MANY_REDIRECTS`,
 *   `INVALID_REDIRECT`, `INVALID_URL`; core's `HandshakeError` for an invalid 101 response.
 */
export async function dialWebSocket<O extends DialOptions>(url: string | URL, options: O, openTransport: TransportOpener<O>): Promise<WebSocketSession> {
  let target = parseWebSocketUrl(url);
  let headers = headerPairs(options.headers);
  const maxRedirects = options.maxRedirects ?? 0;
  for (let hops = 0; ; hops++) {
    const session = openClientSession(target, { ...options, headers }, openTransport);
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
