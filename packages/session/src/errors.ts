/**
 * Errors the session layer reports. Like core's, each carries a stable SCREAMING_SNAKE `code`.
 * None is ever thrown at the application because of the peer or the network: they arrive in
 * `error` events, in `close` events (`CloseInfo.error`) and in the rejections of promises the
 * application asked for (`send()`, `ping()`, an adapter's `connect()`).
 */
import type { HttpHeaders } from "@wsengine/core";

/** Stable names of the session layer's errors. */
export type WebSocketErrorCode =
  | "INVALID_STATE"
  | "CONNECTION_CLOSED"
  | "HANDSHAKE_REJECTED"
  | "HANDSHAKE_TIMEOUT"
  | "HANDSHAKE_FAILED"
  | "PING_TIMEOUT"
  | "SEND_BUFFER_FULL"
  | "TRANSPORT_ERROR"
  | "INVALID_REDIRECT"
  | "TOO_MANY_REDIRECTS"
  | "INVALID_URL";

/** Base class of the session layer's errors. */
export class WebSocketError extends Error {
  override readonly name: string = "WebSocketError";
  /** Which condition this is. */
  readonly code: WebSocketErrorCode;
  constructor(code: WebSocketErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** How a connection ended: the `close` event's payload and what `session.closed` resolves to. */
export interface CloseInfo {
  /** The peer's close code, 1005 for an empty Close, 1006 when the transport ended first, or our failure code. */
  readonly code: number;
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** Why the connection failed (a core protocol error, a timeout, a transport error), or `null`. */
  readonly error: Error | null;
}

/** `send()` or `ping()` after the connection started closing; carries how it ended, once known. */
export class ConnectionClosedError extends WebSocketError {
  override readonly name: string = "ConnectionClosedError";
  constructor(message: string = "the connection is closing or closed", options?: { cause?: unknown }) {
    super("CONNECTION_CLOSED", message, options);
  }
}

/** Client: the server answered the upgrade request with something other than 101. */
export class HandshakeRejectedError extends WebSocketError {
  override readonly name: string = "HandshakeRejectedError";
  readonly status: number;
  readonly statusText: string;
  readonly headers: HttpHeaders;
  /** The response body, cut at core's `maxRejectionBodySize`. */
  readonly body: Uint8Array;
  constructor(status: number, statusText: string, headers: HttpHeaders, body: Uint8Array) {
    super("HANDSHAKE_REJECTED", `server answered ${status} ${statusText}`.trimEnd());
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.body = body;
  }
}
