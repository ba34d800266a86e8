/**
 * receive() totality (h11's fuzz contract): whatever the peer sends, in whatever pieces, with
 * application calls in between, core never throws for the peer's sake, never reports an
 * internal error, reports `closed` exactly once and last, drops input after it, and everything
 * it writes on an open connection parses.
 */
import fc from "fast-check";
import { ClientConnection, type ConnectionEvent, permessageDeflate, ServerConnection, type Connection } from "@wsengine/core";
import { apiCall, assert, checkEvents, checkOutbox, concat, latin1, openClient, openServer, peerFrame, REQUEST, RSV1, seededRandom, utf8 } from "./common.js";
import type { FuzzTarget } from "./target.js";

type Step =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "api"; readonly call: "sendText" | "sendBinary" | "fragment" | "ping" | "pong" | "close" | "fail"; readonly size: number; readonly code: number }
  | { readonly kind: "eof" };

export interface TotalityInput {
  readonly role: "server" | "client";
  readonly phase: "handshake" | "open";
  readonly deflate: boolean;
  readonly streaming: boolean;
  readonly autoPong: boolean;
  readonly autoClose: boolean;
  readonly maxMessageSize: number;
  readonly maxFragments: number;
  readonly steps: readonly Step[];
}

const opcodes = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1, 2, 8, 9, 10) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) });

/** Frames that are mostly well-formed (so the input reaches deep states), then mutated. */
const frameBytes = (role: "server" | "client"): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(
      fc.array(
        fc.record({
          opcode: opcodes,
          fin: fc.boolean(),
          rsv: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0x40, 0x20, 0x10) }),
          payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(utf8("hello"), Uint8Array.of(0x03, 0xe8), Uint8Array.of(0xce, 0xba, 0xe1), new Uint8Array(126), new Uint8Array(300))),
          masked: fc.oneof({ weight: 9, arbitrary: fc.constant(role === "server") }, { weight: 1, arbitrary: fc.boolean() }),
        }),
        { maxLength: 6 },
      ),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    )
    .map(([frames, mutations]) => {
      const bytes = concat(frames.map((f) => peerFrame(f.masked ? "server" : "client", f.opcode, f.payload, f.fin, f.rsv)));
      for (const [at, value] of mutations) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes;
    });

const headBytes = (role: "server" | "client"): fc.Arbitrary<Uint8Array> =>
  role === "server"
    ? fc
        .tuple(fc.constantFrom(REQUEST, REQUEST.replace("GET", "POST"), REQUEST.replace("13", "8"), "GET / HTTP/1.0\r\n"), fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })), { maxLength: 4 }), fc.boolean())
        .map(([start, headers, end]) => latin1(start + headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + (end ? "\r\n" : "")))
    : fc
        .tuple(fc.constantFrom("HTTP/1.1 101 Switching Protocols\r\n", "HTTP/1.1 400 Bad Request\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", "HTTP/1.1 302 Found\r\nTransfer-Encoding: chunked\r\n"), fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })), { maxLength: 4 }), fc.boolean())
        .map(([start, headers, end]) => latin1(start + headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + (end ? "\r\n" : "")));

const step = (role: "server" | "client", phase: "handshake" | "open"): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 120 }).map((bytes): Step => ({ kind: "bytes", bytes })) },
    { weight: 6, arbitrary: frameBytes(role).map((bytes): Step => ({ kind: "bytes", bytes })) },
    { weight: phase === "handshake" ? 4 : 0, arbitrary: headBytes(role).map((bytes): Step => ({ kind: "bytes", bytes })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("api" as const),
        call: fc.constantFrom("sendText" as const, "sendBinary" as const, "fragment" as const, "ping" as const, "pong" as const, "close" as const, "fail" as const),
        size: fc.oneof(fc.nat(200), fc.constantFrom(125, 126, 70_000)),
        code: fc.constantFrom(1000, 1001, 1005, 1006, 3000, 4999, 5000, 999),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "eof" } as Step) },
  );

export const totalityArbitrary: fc.Arbitrary<TotalityInput> = fc
  .record({ role: fc.constantFrom("server" as const, "client" as const), phase: fc.constantFrom("open" as const, "open" as const, "handshake" as const) })
  .chain(({ role, phase }) =>
    fc.record({
      role: fc.constant(role),
      phase: fc.constant(phase),
      deflate: fc.boolean(),
      streaming: fc.boolean(),
      autoPong: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      autoClose: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      maxMessageSize: fc.constantFrom(0, 1, 125, 1024, 1 << 20),
      maxFragments: fc.constantFrom(1, 2, 16, 1024),
      steps: fc.array(step(role, phase), { maxLength: 12 }),
    }),
  );

function setup(input: TotalityInput): Connection {
  const options = {
    random: seededRandom(9),
    streaming: input.streaming,
    autoPong: input.autoPong,
    autoClose: input.autoClose,
    maxMessageSize: input.maxMessageSize,
    maxFragments: input.maxFragments,
    ...(input.deflate ? { extensions: [permessageDeflate({ threshold: 0 })] } : {}),
  };
  if (input.phase === "open") {
    const ext = input.deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "";
    return input.role === "server" ? openServer(options, ext) : openClient(options, ext);
  }
  if (input.role === "server") return new ServerConnection(options);
  const client = new ClientConnection({ host: "h", ...options });
  client.takeOutgoing();
  return client;
}

function check(input: TotalityInput): void {
  const conn = setup(input);
  const events: ConnectionEvent[] = [];
  const out: Uint8Array[] = [];
  const collect = (got: readonly ConnectionEvent[]): void => {
    for (const ev of got) {
      events.push(ev);
      // A server application accepts whatever request arrives.
      if (ev.type === "upgrade-request" && conn instanceof ServerConnection) apiCall(() => conn.accept(), "accept()");
    }
    events.push(...conn.takeEvents());
    out.push(...conn.takeOutgoing());
  };
  for (const s of input.steps) {
    const closedBefore = conn.state === "closed";
    if (s.kind === "bytes") {
      const got = conn.receive(s.bytes);
      if (closedBefore) assert(got.length === 0, `receive() after closed reported ${got.map((e) => e.type).join(",")}`);
      collect(got);
    } else if (s.kind === "eof") {
      collect(conn.receiveEof());
    } else {
      const data = new Uint8Array(s.size).fill(0x61);
      apiCall(() => {
        switch (s.call) {
          case "sendText":
            return conn.sendText("é".repeat(s.size));
          case "sendBinary":
            return conn.sendBinary(data);
          case "fragment":
            return conn.sendBinary(data, { fin: s.size % 2 === 0 });
          case "ping":
            return conn.ping(data);
          case "pong":
            return conn.pong(data);
          case "close":
            return conn.close(s.code, "bye");
          case "fail":
            return conn.fail(s.code);
        }
      }, `${s.call}(${s.size}, ${s.code})`);
      collect([]);
    }
  }
  collect(conn.receiveEof());
  checkEvents(events, `${input.role} ${input.phase}`);
  assert(events.some((e) => e.type === "closed"), "no closed event after receiveEof()");
  if (input.phase === "open") checkOutbox(input.role, concat(out), input.deflate ? RSV1 : 0, `${input.role} outbox`);
}

export const totality: FuzzTarget<TotalityInput> = {
  name: "totality",
  description: "receive() on arbitrary and mutated bytes, with API calls in between, never throws, never reports an internal error, and writes only well-formed frames",
  arbitrary: totalityArbitrary,
  check,
  serializable: true,
};
