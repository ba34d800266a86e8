/**
 * What the fuzz targets share: connections brought to the open state through core's public API
 * only, a seeded RandomSource (core's test helper), frame helpers, and the checks every target
 * runs on the events and the outbox (the h11-style fuzz contract: never throw, never report an internal error,
 * exactly one `closed` and it is last, every byte written parses).
 */
import { createHash } from "node:crypto";
import {
  ClientConnection,
  type ClientOptions,
  type Connection,
  type ConnectionEvent,
  encodeFrame,
  FrameDecoder,
  InternalError,
  LocalProtocolError,
  RSV1,
  ServerConnection,
  type ServerOptions,
} from "@wsengine/core";
import { seededRandom } from "../../../packages/core/test/helpers/random.js";
import { concat, toHex } from "../../../packages/core/test/helpers/bytes.js";

// One xorshift and one set of byte helpers: core's test helpers serve the campaigns too.
export { seededRandom, xorshift32 } from "../../../packages/core/test/helpers/random.js";
export { concat, splitAt, toHex, utf8 } from "../../../packages/core/test/helpers/bytes.js";

export const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

export const REQUEST =
  "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/** `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2), computed with node:crypto, not core. */
export const acceptFor = (key: string): string => createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");

/** A server that accepted a request (with `extraHeaders`), its outbox emptied. */
export function openServer(options: ServerOptions = {}, extraHeaders = ""): ServerConnection {
  const server = new ServerConnection({ random: seededRandom(5), ...options });
  const events = server.receive(latin1(`${REQUEST}${extraHeaders}\r\n`));
  if (events[0]?.type !== "upgrade-request") throw new Error(`fuzz setup: no upgrade-request (${events.map((e) => e.type).join(",")})`);
  server.accept();
  server.takeEvents();
  server.takeOutgoing();
  return server;
}

/** A client whose handshake completed (the 101 carries `extraHeaders`), its outbox emptied. */
export function openClient(options: Partial<ClientOptions> = {}, extraHeaders = ""): ClientConnection {
  const client = new ClientConnection({ host: "server.example.com", random: seededRandom(3), ...options });
  const request = new TextDecoder().decode(concat(client.takeOutgoing()));
  const key = /Sec-WebSocket-Key: (\S+)/i.exec(request)![1]!;
  const events = client.receive(latin1(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extraHeaders}\r\n`));
  if (events[0]?.type !== "open") throw new Error(`fuzz setup: client did not open (${events.map((e) => e.type).join(",")})`);
  return client;
}

export function openConnection(role: "client" | "server", options: ServerOptions & Partial<ClientOptions> = {}): Connection {
  return role === "server" ? openServer(options) : openClient(options);
}

/** A frame as a raw peer sends it to `role`: masked towards a server (RFC 6455 §5.3). */
export function peerFrame(role: "client" | "server", opcode: number, payload: Uint8Array, fin = true, rsv = 0): Uint8Array {
  return encodeFrame({ fin, rsv, opcode, payload }, role === "server" ? Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) : null);
}

/** A failed check: thrown by targets, caught by fast-check, shrunk. */
export class FuzzFailure extends Error {
  override readonly name: string = "FuzzFailure";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FuzzFailure(message);
}

/**
 * The contract on what one connection reported: no internal error, at most one `closed`, and
 * nothing after it.
 */
export function checkEvents(events: readonly ConnectionEvent[], what: string): void {
  const closed = events.filter((e) => e.type === "closed");
  assert(closed.length <= 1, `${what}: ${closed.length} closed events`);
  if (closed.length === 1) assert(events[events.length - 1]!.type === "closed", `${what}: events after closed: ${events.map((e) => e.type).join(",")}`);
  for (const e of closed) {
    if (e.type !== "closed") continue;
    assert(!(e.error instanceof InternalError), `${what}: internal error: ${String((e.error as InternalError | null)?.cause ?? e.error?.message)}`);
  }
}

/**
 * Every frame an open connection of `role` wrote parses as its peer would read it (masked from
 * a client, RSV1 only where `rsvAllowed`), with no bytes left over.
 */
export function checkOutbox(role: "client" | "server", bytes: Uint8Array, rsvAllowed: number, what: string): void {
  const decoder = new FrameDecoder({ role: role === "client" ? "server" : "client", rsvAllowed, maxFrameSize: 1 << 30 });
  let frames;
  try {
    frames = decoder.push(bytes);
  } catch (error) {
    throw new FuzzFailure(`${what}: the outbox does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  // A frame cut in two would leave bytes the decoder is still waiting for.
  const masked = role === "client";
  const expected = frames.reduce((n, f) => n + 2 + (f.payload.length < 126 ? 0 : f.payload.length < 65536 ? 2 : 8) + (masked ? 4 : 0) + f.payload.length, 0);
  assert(expected === bytes.length, `${what}: ${bytes.length - expected} trailing bytes in the outbox`);
}

/** Call an application method: it may throw only `LocalProtocolError` (misuse), never anything else. */
export function apiCall(action: () => void, what: string): void {
  try {
    action();
  } catch (error) {
    assert(error instanceof LocalProtocolError, `${what}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

/** Events as comparable data: byte payloads as hex, errors by code. */
export function comparable(events: readonly ConnectionEvent[]): unknown[] {
  return events.map((e) => {
    const copy: Record<string, unknown> = { ...e };
    if (copy["data"] instanceof Uint8Array) copy["data"] = toHex(copy["data"]);
    if ("error" in e && e.error !== null && e.error !== undefined) copy["error"] = e.error.code;
    if ("headers" in e) delete copy["headers"];
    if ("request" in e) copy["request"] = e.request.target;
    return copy;
  });
}

export { RSV1 };
