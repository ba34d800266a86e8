/**
 * Split invariance (undici's split-data fuzzing): a stream written by a real core peer (after a
 * real handshake, with or without permessage-deflate), possibly mutated, gives the same events
 * and the same replies whether it arrives whole, cut at random points, or one byte at a time.
 */
import fc from "fast-check";
import { ClientConnection, type Connection, type ConnectionEvent, FrameDecoder, permessageDeflate, ServerConnection } from "@wsengine/core";
import { apiCall, assert, comparable, concat, seededRandom, splitAt, toHex, xorshift32 } from "./common.js";
import type { FuzzTarget } from "./target.js";

type Send =
  | { readonly kind: "text"; readonly text: string; readonly pieces: number }
  | { readonly kind: "binary"; readonly size: number; readonly seed: number; readonly pieces: number }
  | { readonly kind: "ping" | "pong"; readonly size: number }
  | { readonly kind: "close"; readonly code: number };

export interface SplitInput {
  /** The receiver under test. */
  readonly role: "server" | "client";
  readonly deflate: boolean;
  readonly streaming: boolean;
  readonly sends: readonly Send[];
  /** Byte mutations of the stream: [position, value]. */
  readonly mutations: ReadonlyArray<readonly [number, number]>;
  /** Cut points, or "bytewise". */
  readonly cuts: readonly number[] | "bytewise";
}

const send: fc.Arbitrary<Send> = fc.oneof(
  fc.record({ kind: fc.constant("text" as const), text: fc.string({ unit: "grapheme", maxLength: 40 }), pieces: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("binary" as const), size: fc.oneof(fc.nat(300), fc.constantFrom(125, 126, 65535, 65536, 70_000)), seed: fc.integer(), pieces: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constantFrom("ping" as const, "pong" as const), size: fc.nat(125) }),
  fc.record({ kind: fc.constant("close" as const), code: fc.constantFrom(1000, 1001, 3000) }),
);

export const splitArbitrary: fc.Arbitrary<SplitInput> = fc.record({
  role: fc.constantFrom("server" as const, "client" as const),
  deflate: fc.boolean(),
  streaming: fc.boolean(),
  sends: fc.array(send, { maxLength: 6 }),
  mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }) }),
  cuts: fc.oneof({ weight: 4, arbitrary: fc.array(fc.nat(200_000), { maxLength: 24 }) }, { weight: 1, arbitrary: fc.constant("bytewise" as const) }),
});

function bytesFrom(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  const next = xorshift32(seed | 1);
  for (let i = 0; i < size; i++) out[i] = next() & 3; // compressible
  return out;
}

/** Two receivers in the same state after one real handshake, and the peer that talks to them. */
function pair(input: SplitInput): { sender: Connection; receivers: [Connection, Connection] } {
  const ext = (): { extensions?: ReturnType<typeof permessageDeflate>[] } => (input.deflate ? { extensions: [permessageDeflate({ threshold: 0 })] } : {});
  const client = (): ClientConnection => new ClientConnection({ host: "h", random: seededRandom(3), streaming: input.streaming, ...ext() });
  const server = (): ServerConnection => new ServerConnection({ random: seededRandom(5), streaming: input.streaming, ...ext() });
  const accept = (s: ServerConnection, request: Uint8Array): Uint8Array => {
    const events = s.receive(request);
    assert(events[0]?.type === "upgrade-request", "setup: no upgrade-request");
    s.accept();
    s.takeEvents();
    return concat(s.takeOutgoing());
  };
  if (input.role === "server") {
    const c = client();
    const request = concat(c.takeOutgoing());
    const a = server();
    const b = server();
    const response = accept(a, request);
    accept(b, request);
    c.receive(response);
    return { sender: c, receivers: [a, b] };
  }
  const s = server();
  const a = client();
  const b = client();
  const request = concat(a.takeOutgoing());
  b.takeOutgoing();
  const response = accept(s, request);
  a.receive(response);
  b.receive(response);
  return { sender: s, receivers: [a, b] };
}

/** The outbox with Close reasons removed: its frames as opcode and payload, Close frames by code. */
function closeCodesOnly(out: Uint8Array, role: "server" | "client"): string {
  try {
    const frames = new FrameDecoder({ role: role === "server" ? "client" : "server", rsvAllowed: 0x40, maxFrameSize: 1 << 30 }).push(out);
    return JSON.stringify(frames.map((f) => [f.opcode, f.opcode === 8 ? toHex(f.payload.subarray(0, 2)) : toHex(f.payload)]));
  } catch (error) {
    return `unparsable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Streaming mode delivers data as it arrives, so its fragment events follow the chunking: only
 * their concatenation per message is invariant. Consecutive pieces are merged until `fin`, and
 * empty non-final pieces are dropped, as is the unfinished message a failure cuts short.
 */
function coalesce(events: readonly ConnectionEvent[]): ConnectionEvent[] {
  const out: ConnectionEvent[] = [];
  for (const ev of events) {
    // An empty piece that does not end the message carries nothing (core emits one when a
    // frame header arrives without payload bytes).
    if ((ev.type === "text-fragment" || ev.type === "binary-fragment") && ev.data.length === 0 && !ev.fin) continue;
    const last = out[out.length - 1];
    // A message the connection failed in: how much of it was delivered first depends on the
    // chunking (a streamed inflater or validator can only fail on what has arrived).
    if (ev.type === "closed" && (last?.type === "text-fragment" || last?.type === "binary-fragment") && !last.fin) out.pop();
    if (ev.type === "text-fragment" && last?.type === "text-fragment" && !last.fin) {
      out[out.length - 1] = { type: "text-fragment", data: last.data + ev.data, fin: ev.fin };
    } else if (ev.type === "binary-fragment" && last?.type === "binary-fragment" && !last.fin) {
      out[out.length - 1] = { type: "binary-fragment", data: concat([last.data, ev.data]), fin: ev.fin };
    } else {
      out.push(ev);
    }
  }
  return out;
}

function check(input: SplitInput): void {
  const { sender, receivers } = pair(input);
  for (const s of input.sends) {
    apiCall(() => {
      switch (s.kind) {
        case "text": {
          const chars = Array.from(s.text);
          const step = Math.ceil(chars.length / s.pieces) || 1;
          for (let i = 0; i < s.pieces; i++) sender.sendText(chars.slice(i * step, (i + 1) * step).join(""), { fin: i === s.pieces - 1 });
          return;
        }
        case "binary": {
          const data = bytesFrom(s.size, s.seed);
          const step = Math.ceil(data.length / s.pieces) || 1;
          for (let i = 0; i < s.pieces; i++) sender.sendBinary(data.slice(i * step, (i + 1) * step), { fin: i === s.pieces - 1 });
          return;
        }
        case "ping":
          return sender.ping(new Uint8Array(s.size).fill(7));
        case "pong":
          return sender.pong(new Uint8Array(s.size).fill(8));
        case "close":
          return sender.close(s.code);
      }
    }, `sender ${s.kind}`);
  }
  const stream = concat(sender.takeOutgoing().map((b) => b.slice()));
  for (const [at, value] of input.mutations) if (stream.length > 0) stream[at % stream.length] = value;

  // On a broken stream, which rule a chunking trips first may differ (a streamed inflater sees
  // invalid UTF-8 before the end of the message shows a missing flush point); the wire reaction
  // must not: the same close code after the same events. So reasons are compared only on valid streams.
  const broken = input.mutations.length > 0;
  const run = (conn: Connection, chunks: readonly Uint8Array[]): { events: unknown[]; out: string } => {
    const events: ConnectionEvent[] = [];
    for (const c of chunks) events.push(...conn.receive(c));
    events.push(...conn.receiveEof());
    let shown = coalesce(events);
    if (broken) shown = shown.map((e) => (e.type === "closed" ? { ...e, reason: "", error: null } : e));
    const out = concat(conn.takeOutgoing());
    return { events: comparable(shown), out: broken ? closeCodesOnly(out, input.role) : toHex(out) };
  };
  const whole = run(receivers[0], [stream]);
  const cuts = input.cuts === "bytewise" ? Array.from({ length: Math.min(stream.length, 4096) }, (_, i) => i) : input.cuts;
  const split = run(receivers[1], splitAt(stream, cuts));
  assert(JSON.stringify(split.events) === JSON.stringify(whole.events), `events differ when split:\n whole ${JSON.stringify(whole.events).slice(0, 600)}\n split ${JSON.stringify(split.events).slice(0, 600)}`);
  assert(split.out === whole.out, "replies differ when split");
}

export const split: FuzzTarget<SplitInput> = {
  name: "split",
  description: "a real peer's stream (deflate on or off, possibly mutated) gives the same events and replies however it is cut",
  arbitrary: splitArbitrary,
  check,
  serializable: true,
};
