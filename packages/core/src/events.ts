/** What a Connection reports. Every event is a plain readonly object that owns its data. */
import type { HandshakeError, InternalError, RemoteProtocolError } from "./errors.js";
import type { HttpHeaders, UpgradeRequest } from "./handshake/types.js";

/** Server: a valid upgrade request arrived; answer with `accept()` or `reject()`. */
export interface UpgradeRequestEvent {
  readonly type: "upgrade-request";
  readonly request: UpgradeRequest;
}
/** The opening handshake completed. */
export interface OpenEvent {
  readonly type: "open";
  readonly protocol: string | null;
  /** Names of the negotiated extensions, in the order they apply. */
  readonly extensions: readonly string[];
  /** Client: the server's 101 response headers. Server: the request's headers. */
  readonly headers: HttpHeaders;
}
/** Client: the server answered with something other than 101. A `closed` event follows. */
export interface RejectedEvent {
  readonly type: "rejected";
  readonly status: number;
  readonly statusText: string;
  readonly headers: HttpHeaders;
  /** The response body, cut at `maxRejectionBodySize`. */
  readonly body: Uint8Array;
}
export interface TextEvent {
  readonly type: "text";
  readonly data: string;
}
/**
 * A whole text message as its UTF-8 bytes, already validated (option `textAs: "bytes"`). Owned
 * by the application as a `binary` event's data is.
 */
export interface TextBytesEvent {
  readonly type: "text-bytes";
  readonly data: Uint8Array;
}
/**
 * A whole binary message. `data` is the application's to keep and modify. Messages up to 4 KiB
 * that arrived in one input chunk are views into one array allocated for that chunk, so
 * `data.buffer` may also hold other messages of this connection. With `adoptInput`, a message
 * that arrived whole in one chunk is a view of that chunk.
 */
export interface BinaryEvent {
  readonly type: "binary";
  readonly data: Uint8Array;
}
/** Streaming mode: a piece of a text message; `fin` marks its last piece. */
export interface TextFragmentEvent {
  readonly type: "text-fragment";
  readonly data: string;
  readonly fin: boolean;
}
/** Streaming mode: a piece of a binary message; `fin` marks its last piece. */
export interface BinaryFragmentEvent {
  readonly type: "binary-fragment";
  readonly data: Uint8Array;
  readonly fin: boolean;
}
export interface PingEvent {
  readonly type: "ping";
  readonly data: Uint8Array;
}
export interface PongEvent {
  readonly type: "pong";
  readonly data: Uint8Array;
}
/** The peer began the closing handshake. With `autoClose` our reply is already queued. */
export interface ClosingEvent {
  readonly type: "closing";
  readonly code: number;
  readonly reason: string;
}
/** The connection ended. Emitted exactly once, always last. */
export interface ClosedEvent {
  readonly type: "closed";
  /** The peer's close code, 1005 when its Close had none, 1006 when the transport ended first, or our failure code. */
  readonly code: number;
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** Why the connection failed, or `null` after a clean close. */
  readonly error: RemoteProtocolError | HandshakeError | InternalError | null;
}

/** Everything `receive()`, `receiveEof()` and the server's `accept()` can report. */
export type ConnectionEvent =
  | UpgradeRequestEvent
  | OpenEvent
  | RejectedEvent
  | TextEvent
  | TextBytesEvent
  | BinaryEvent
  | TextFragmentEvent
  | BinaryFragmentEvent
  | PingEvent
  | PongEvent
  | ClosingEvent
  | ClosedEvent;
