/** Connections brought to the open state in memory, and an in-memory client/server pair. */
import { expect } from "vitest";
import {
  ClientConnection,
  type ClientOptions,
  type ConnectionEvent,
  type ErrorCode,
  ServerConnection,
  type ServerOptions,
  computeAcceptKey,
  type Connection,
} from "../../src/index.js";
import { seededRandom } from "./random.js";
import { concat, utf8 } from "./bytes.js";

export const REQUEST =
  "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/** A server that accepted {@link REQUEST}, with its outbox emptied. */
export function openServer(options: ServerOptions = {}): ServerConnection {
  const server = new ServerConnection(options);
  const events = server.receive(utf8(REQUEST));
  expect(events.map((e) => e.type)).toEqual(["upgrade-request"]);
  server.accept();
  expect(server.takeEvents().map((e) => e.type)).toEqual(["open"]);
  server.takeOutgoing();
  return server;
}

/** The 101 response for a client's queued request. */
export function responseFor(requestBytes: Uint8Array, extra = ""): Uint8Array {
  const text = new TextDecoder().decode(requestBytes);
  const key = /Sec-WebSocket-Key: (\S+)/i.exec(text)![1]!;
  return utf8(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n${extra}\r\n`,
  );
}

/** A client whose handshake completed, with its outbox emptied. */
export function openClient(options: Partial<ClientOptions> = {}): ClientConnection {
  const client = new ClientConnection({ host: "server.example.com", random: seededRandom(), ...options });
  const request = concat(client.takeOutgoing());
  const events = client.receive(responseFor(request));
  expect(events.map((e) => e.type)).toEqual(["open"]);
  return client;
}

/** Open a connection in the given role. */
export function openConnection(role: "client" | "server", options: ServerOptions & Partial<ClientOptions> = {}): Connection {
  return role === "server" ? openServer(options) : openClient(options);
}

/** The `closed` event in `events`, asserting there is exactly one and it is last. */
export function closedOf(events: readonly ConnectionEvent[]): Extract<ConnectionEvent, { type: "closed" }> {
  const closed = events.filter((e) => e.type === "closed");
  expect(closed).toHaveLength(1);
  expect(events[events.length - 1]!.type).toBe("closed");
  return closed[0] as Extract<ConnectionEvent, { type: "closed" }>;
}

/**
 * Assert that `events` end the connection with `errorCode` and wire code `closeCode`, that a
 * Close frame with that code is in the outbox, and that the state is closed (websockets'
 * assertConnectionFailing).
 */
export function expectFailed(conn: Connection, events: readonly ConnectionEvent[], errorCode: ErrorCode, closeCode: number): void {
  const closed = closedOf(events);
  expect(closed.error?.code).toBe(errorCode);
  expect(closed.code).toBe(closeCode);
  expect(closed.wasClean).toBe(false);
  expect(conn.state).toBe("closed");
  expect(conn.outgoingEnded).toBe(true);
  const out = concat(conn.takeOutgoing());
  // The last frame written is our Close with the code (unmasked at a server, masked at a client).
  expect(out.length).toBeGreaterThanOrEqual(4);
  const close = lastCloseFrame(out, conn.role === "client");
  expect(close).not.toBeNull();
  expect(close!.code).toBe(closeCode);
}

/** Find the Close frame at the end of an outbox (frames are small in tests). */
export function lastCloseFrame(bytes: Uint8Array, masked: boolean): { code: number } | null {
  let pos = 0;
  let found: { code: number } | null = null;
  while (pos + 2 <= bytes.length) {
    const opcode = bytes[pos]! & 0x0f;
    let len = bytes[pos + 1]! & 0x7f;
    let p = pos + 2;
    if (len === 126) {
      len = (bytes[p]! << 8) | bytes[p + 1]!;
      p += 2;
    } else if (len === 127) {
      len = Number(new DataView(bytes.buffer, bytes.byteOffset + p, 8).getBigUint64(0));
      p += 8;
    }
    let key: Uint8Array | null = null;
    if (masked) {
      key = bytes.subarray(p, p + 4);
      p += 4;
    }
    if (opcode === 0x8) {
      const payload = bytes.slice(p, p + len);
      if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
      found = { code: payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : 1005 };
    }
    pos = p + len;
  }
  return found;
}

/** An in-memory client/server pair that pumps bytes between the two until both are quiet. */
export class ConnectedPair {
  readonly client: ClientConnection;
  readonly server: ServerConnection;
  readonly clientEvents: ConnectionEvent[] = [];
  readonly serverEvents: ConnectionEvent[] = [];
  /** Every chunk that crossed, in order, for inspection. */
  readonly wire: { from: "client" | "server"; bytes: Uint8Array }[] = [];

  #clientSawEof = false;
  #serverSawEof = false;

  constructor(clientOptions: Partial<ClientOptions> = {}, serverOptions: ServerOptions = {}) {
    this.client = new ClientConnection({ host: "localhost", random: seededRandom(7), ...clientOptions });
    this.server = new ServerConnection({ random: seededRandom(11), ...serverOptions });
    this.pump();
  }

  /** Move outboxes across (and answer upgrade requests) until nothing moves. */
  pump(): void {
    for (let guard = 0; guard < 1000; guard++) {
      let moved = false;
      const fromClient = this.client.takeOutgoing();
      if (fromClient.length > 0) {
        moved = true;
        const bytes = concat(fromClient);
        this.wire.push({ from: "client", bytes });
        for (const ev of this.server.receive(bytes)) {
          this.serverEvents.push(ev);
          if (ev.type === "upgrade-request") this.server.accept();
        }
        this.serverEvents.push(...this.server.takeEvents());
      }
      const fromServer = this.server.takeOutgoing();
      if (fromServer.length > 0) {
        moved = true;
        const bytes = concat(fromServer);
        this.wire.push({ from: "server", bytes });
        this.clientEvents.push(...this.client.receive(bytes));
      }
      // An ended write side reaches the other end as EOF once its bytes are delivered (TCP FIN).
      if (this.server.outgoingEnded && !this.#clientSawEof) {
        this.#clientSawEof = true;
        this.clientEvents.push(...this.client.receiveEof());
        moved = true;
      }
      if (this.client.outgoingEnded && !this.#serverSawEof) {
        this.#serverSawEof = true;
        this.serverEvents.push(...this.server.receiveEof());
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error("pump did not settle");
  }
}
