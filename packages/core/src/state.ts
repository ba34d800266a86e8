/**
 * Theory of operation: the connection's lifecycle as one explicit table.
 *
 * Everything that changes `ConnectionState` goes through `transition()`; no other code assigns
 * the state. The states say who began closing (wsproto's model):
 *
 * - `connecting`: the opening handshake is in progress (client: request sent; server: waiting
 *   for or holding the request).
 * - `open`: data may flow both ways.
 * - `local-closing`: we sent a Close and wait for the peer's.
 * - `remote-closing`: the peer sent a Close and our reply is not sent yet. With automatic close
 *   replies on (the default) this lasts only inside one `receive()` call.
 * - `closed`: the closing handshake is complete, or the connection failed or lost its transport.
 *
 * Illegal transitions throw `INVALID_STATE` and leave the state unchanged.
 */
import { LocalProtocolError } from "./errors.js";

/** Where a connection is in its lifecycle. */
export type ConnectionState = "connecting" | "open" | "local-closing" | "remote-closing" | "closed";

/** What can move a connection from one state to another. */
export type Trigger = "handshake-done" | "send-close" | "receive-close" | "fail" | "eof";

/** Every legal (state, trigger) pair and where it leads. */
export const TRANSITIONS: { readonly [S in ConnectionState]: Readonly<Partial<Record<Trigger, ConnectionState>>> } = {
  connecting: { "handshake-done": "open", fail: "closed", eof: "closed" },
  open: { "send-close": "local-closing", "receive-close": "remote-closing", fail: "closed", eof: "closed" },
  "local-closing": { "receive-close": "closed", fail: "closed", eof: "closed" },
  "remote-closing": { "send-close": "closed", fail: "closed", eof: "closed" },
  closed: {},
};

/** All states, in lifecycle order. */
export const STATES: readonly ConnectionState[] = ["connecting", "open", "local-closing", "remote-closing", "closed"];
/** All triggers. */
export const TRIGGERS: readonly Trigger[] = ["handshake-done", "send-close", "receive-close", "fail", "eof"];

/**
 * The state `trigger` leads to from `from`.
 * @throws {LocalProtocolError} `INVALID_STATE` when the pair is not in {@link TRANSITIONS}.
 */
export function transition(from: ConnectionState, trigger: Trigger): ConnectionState {
  const to = TRANSITIONS[from][trigger];
  if (to === undefined) throw new LocalProtocolError("INVALID_STATE", `cannot ${trigger} while ${from}`);
  return to;
}
