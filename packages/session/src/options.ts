/** Session options: timers and the two buffer limits. Core's own limits stay in core's options. */
import type { UpgradeRequest } from "@wsengine/core";
import type { WebSocketSession } from "./session.js";

/** What an `upgrade` hook decides about a request. */
export type UpgradeDecision =
  | {
      readonly action: "accept";
      /** The subprotocol to confirm (one the client offered); by default core's choice. */
      readonly protocol?: string | null;
      /** Extra response headers, such as Set-Cookie. */
      readonly headers?: ReadonlyArray<readonly [string, string]>;
    }
  | {
      readonly action: "reject";
      /** Any HTTP status: 401 with WWW-Authenticate, 403, 404, a 3xx redirect with Location... */
      readonly status: number;
      readonly statusText?: string;
      readonly headers?: ReadonlyArray<readonly [string, string]>;
      readonly body?: string | Uint8Array;
    };

/**
 * Server: decide about a valid upgrade request (authentication, Origin, subprotocol). Returning
 * nothing accepts with the defaults. A throw or a rejected promise answers 500. `session` is the
 * session asking, still connecting.
 */
export type UpgradeHook = (request: UpgradeRequest, session: WebSocketSession) => UpgradeDecision | void | Promise<UpgradeDecision | void>;

/** Options of a {@link WebSocketSession}. Durations are milliseconds; 0 turns a timer off. */
export interface SessionOptions {
  /**
   * How long to wait for the peer to finish the closing handshake (its Close frame, then the
   * end of the transport) before destroying the transport. websockets uses 10 s, ws 30 s.
   */
  readonly closeTimeout?: number;
  /** Longest opening handshake, from the session's start to `open`. On expiry the transport is destroyed (1006). */
  readonly handshakeTimeout?: number;
  /**
   * Send a ping after this long without one and expect its pong within {@link pingTimeout};
   * a missing pong means a half-open connection: the transport is destroyed and `close`
   * reports 1006. Off by default (websockets pings every 20 s; ws never does).
   */
  readonly pingInterval?: number;
  /** How long a keepalive ping may wait for its pong. Default: `pingInterval`. */
  readonly pingTimeout?: number;
  /** Close with 1001 after this long without a data message either way. Off by default. */
  readonly idleTimeout?: number;
  /**
   * Most bytes the session holds for the transport (sent but not yet handed over because the
   * transport is full). A send beyond it fails the connection with 1008, as the WHATWG
   * WebSocket does when its buffer is full; a producer that awaits each `send()` never reaches it.
   */
  readonly maxBufferedAmount?: number;
  /**
   * Received messages (their bytes, UTF-16 code units for text) kept for a consumer that has not
   * asked for them yet. Past it the session pauses the transport, so the peer's TCP window
   * fills; reading resumes once the queue is down to half. The queue can overshoot by one read
   * of the transport and one message, since the read that crosses the mark is delivered whole
   * (a read is at most 64 KiB on Node and Deno and 512 KiB on Bun).
   */
  readonly receiveHighWaterMark?: number;
  /** Server: decide about the upgrade request. */
  readonly onUpgrade?: UpgradeHook;
}

/** The defaults, frozen. */
export const SESSION_DEFAULTS: {
  readonly closeTimeout: number;
  readonly handshakeTimeout: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly idleTimeout: number;
  readonly maxBufferedAmount: number;
  readonly receiveHighWaterMark: number;
} = Object.freeze({
  closeTimeout: 10_000,
  // 10 s, like websockets' open_timeout; ws has none on the client and relies on the OS.
  handshakeTimeout: 10_000,
  pingInterval: 0,
  pingTimeout: 0,
  idleTimeout: 0,
  // 16 MiB: a full default-sized message (core's maxMessageSize) can always wait for the transport.
  maxBufferedAmount: 16 * 1024 * 1024,
  // 1 MiB, websockets' max_queue is 16 messages; bytes bound memory whatever the message size.
  receiveHighWaterMark: 1024 * 1024,
});
