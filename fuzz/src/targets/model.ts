/**
 * Model-based command sequences on an in-memory client/server pair (deflate on or off): sends,
 * fragments, pings, pongs, closes, failures, partial deliveries and cut transports. The model
 * holds only what each side must eventually see: messages in order, one pong per ping and per
 * unsolicited pong, a clean close; every outbox must parse. The `fuzz` vitest project runs it
 * too (test/model.test.ts), as the state machine's model-based property test.
 */
import fc from "fast-check";
import { ClientConnection, type Connection, type ConnectionEvent, permessageDeflate, ServerConnection } from "@wsengine/core";
import { apiCall, assert, checkEvents, checkOutbox, comparable, concat, RSV1, seededRandom, toHex } from "./common.js";
import type { FuzzTarget } from "./target.js";

type Side = "client" | "server";
const other = (s: Side): Side => (s === "client" ? "server" : "client");

interface Model {
  /** Messages each side must receive, in order. */
  readonly expected: Record<Side, unknown[]>;
  /** Pongs each side must receive: answers to its pings and the peer's unsolicited pongs. */
  readonly pongs: Record<Side, number>;
  closeStartedBy: Side | null;
  failed: boolean;
  cut: boolean;
}

class Real {
  readonly conn: Record<Side, Connection>;
  readonly events: Record<Side, ConnectionEvent[]> = { client: [], server: [] };
  readonly wire: Record<Side, Uint8Array[]> = { client: [], server: [] };
  /** Bytes in flight towards each side. */
  readonly inFlight: Record<Side, Uint8Array> = { client: new Uint8Array(0), server: new Uint8Array(0) };
  readonly eofSent: Record<Side, boolean> = { client: false, server: false };
  readonly deflate: boolean;

  constructor(deflate: boolean) {
    this.deflate = deflate;
    const ext = deflate ? { extensions: [permessageDeflate({ threshold: 16 })] } : {};
    const client = new ClientConnection({ host: "h", random: seededRandom(3), ...ext });
    const server = new ServerConnection({ random: seededRandom(5), ...ext });
    this.conn = { client, server };
    this.collect();
    this.deliver("server", Number.POSITIVE_INFINITY);
    assert(this.events.server[0]?.type === "upgrade-request", "setup: no upgrade-request");
    server.accept();
    this.events.server.push(...server.takeEvents());
    this.collect();
    this.deliver("client", Number.POSITIVE_INFINITY);
    assert(client.state === "open", "setup: client not open");
    this.events.client.length = 0;
    this.events.server.length = 0;
    this.wire.client.length = 0;
    this.wire.server.length = 0;
  }

  collect(): void {
    for (const side of ["client", "server"] as const) {
      const out = this.conn[side].takeOutgoing().map((b) => b.slice());
      if (out.length === 0) continue;
      this.wire[side].push(...out);
      this.inFlight[other(side)] = concat([this.inFlight[other(side)], ...out]);
    }
  }

  deliver(to: Side, n: number): void {
    const bytes = this.inFlight[to];
    const take = Math.min(n, bytes.length);
    if (take > 0) {
      this.inFlight[to] = bytes.slice(take);
      this.events[to].push(...this.conn[to].receive(bytes.subarray(0, take)));
    }
    if (this.inFlight[to].length === 0 && this.conn[other(to)].outgoingEnded && !this.eofSent[to]) {
      this.eofSent[to] = true;
      this.events[to].push(...this.conn[to].receiveEof());
    }
    this.collect();
  }

  settle(): void {
    for (let i = 0; i < 100; i++) {
      const idle = this.inFlight.client.length === 0 && this.inFlight.server.length === 0;
      const pendingEof = (["client", "server"] as const).some((s) => this.conn[other(s)].outgoingEnded && !this.eofSent[s]);
      if (idle && !pendingEof) return;
      this.deliver("client", Number.POSITIVE_INFINITY);
      this.deliver("server", Number.POSITIVE_INFINITY);
    }
  }
}

const canSend = (m: Model, r: Real, side: Side): boolean => !m.cut && !m.failed && m.closeStartedBy === null && r.conn[side].state === "open";
const always = (): boolean => true;

class SendText implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly text: string;
  readonly pieces: number;
  constructor(side: Side, text: string, pieces: number) {
    this.side = side;
    this.text = text;
    this.pieces = pieces;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    const chars = Array.from(this.text);
    const step = Math.ceil(chars.length / this.pieces) || 1;
    for (let i = 0; i < this.pieces; i++) r.conn[this.side].sendText(chars.slice(i * step, (i + 1) * step).join(""), { fin: i === this.pieces - 1 });
    m.expected[other(this.side)].push({ type: "text", data: this.text });
    r.collect();
  }
  toString = (): string => `${this.side}.sendText(${JSON.stringify(this.text)}, ${this.pieces})`;
}

class SendBinary implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly data: Uint8Array;
  constructor(side: Side, data: Uint8Array) {
    this.side = side;
    this.data = data;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side].sendBinary(this.data.slice());
    m.expected[other(this.side)].push({ type: "binary", data: toHex(this.data) });
    r.collect();
  }
  toString = (): string => `${this.side}.sendBinary(${this.data.length} bytes)`;
}

class Control implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly kind: "ping" | "pong";
  readonly size: number;
  constructor(side: Side, kind: "ping" | "pong", size: number) {
    this.side = side;
    this.kind = kind;
    this.size = size;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side][this.kind](new Uint8Array(this.size).fill(1));
    // A ping is answered to its sender; a pong goes to the peer as it is.
    m.pongs[this.kind === "ping" ? this.side : other(this.side)]++;
    r.collect();
  }
  toString = (): string => `${this.side}.${this.kind}(${this.size})`;
}

class Close implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly code: number;
  constructor(side: Side, code: number) {
    this.side = side;
    this.code = code;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side].close(this.code, "bye");
    m.closeStartedBy = this.side;
    r.collect();
  }
  toString = (): string => `${this.side}.close(${this.code})`;
}

class Fail implements fc.Command<Model, Real> {
  readonly side: Side;
  constructor(side: Side) {
    this.side = side;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (m.cut || m.failed) return;
    apiCall(() => r.conn[this.side].fail(1008, "policy"), "fail()");
    m.failed = true;
    r.collect();
  }
  toString = (): string => `${this.side}.fail()`;
}

class Deliver implements fc.Command<Model, Real> {
  readonly to: Side;
  readonly n: number;
  constructor(to: Side, n: number) {
    this.to = to;
    this.n = n;
  }
  check = always;
  run(m: Model, r: Real): void {
    if (!m.cut) r.deliver(this.to, this.n);
  }
  toString = (): string => `deliver(${this.to}, ${this.n})`;
}

class Cut implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>): boolean => !m.cut;
  run(m: Model, r: Real): void {
    m.cut = true;
    for (const s of ["client", "server"] as const) r.events[s].push(...r.conn[s].receiveEof());
  }
  toString = (): string => "cut()";
}

const side = fc.constantFrom<Side>("client", "server");
// Random short payloads (incompressible, any bytes), and long patterned ones around the 16-bit length boundary.
const binaryPayload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.constantFrom(65535, 65536, 70_000), fc.integer({ min: 0, max: 7 })).map(([n, f]) => new Uint8Array(n).map((_, i) => (i * f) & 0xff)),
);
const commands = [
  fc.tuple(side, fc.string({ unit: "grapheme", maxLength: 30 }), fc.integer({ min: 1, max: 3 })).map(([s, t, p]) => new SendText(s, t, p)),
  fc.tuple(side, binaryPayload).map(([s, d]) => new SendBinary(s, d)),
  fc.tuple(side, fc.constantFrom("ping" as const, "pong" as const), fc.nat(125)).map(([s, k, n]) => new Control(s, k, n)),
  fc.tuple(side, fc.constantFrom(1000, 1001, 3000, 4999)).map(([s, c]) => new Close(s, c)),
  side.map((s) => new Fail(s)),
  fc.tuple(side, fc.integer({ min: 1, max: 100_000 })).map(([s, n]) => new Deliver(s, n)),
  fc.constant(new Cut()),
];

export interface ModelInput {
  readonly deflate: boolean;
  readonly commands: Iterable<fc.Command<Model, Real>>;
}

export const modelArbitrary: fc.Arbitrary<ModelInput> = fc.record({ deflate: fc.boolean(), commands: fc.commands(commands, { maxCommands: 40 }) });

function check(input: ModelInput): void {
  const model: Model = { expected: { client: [], server: [] }, pongs: { client: 0, server: 0 }, closeStartedBy: null, failed: false, cut: false };
  const real = new Real(input.deflate);
  fc.modelRun(() => ({ model, real }), input.commands);
  if (!model.cut) real.settle();
  for (const s of ["client", "server"] as const) {
    const events = real.events[s];
    checkEvents(events, s);
    checkOutbox(s, concat(real.wire[s]), input.deflate ? RSV1 : 0, `${s} outbox`);
    const messages = comparable(events.filter((e) => e.type === "text" || e.type === "binary")).map((e) => e as { type: string; data: unknown });
    const expected = model.expected[s];
    const shown = (): string => `got ${JSON.stringify(messages).slice(0, 300)}, expected ${JSON.stringify(expected).slice(0, 300)}`;
    const closed = events.filter((e) => e.type === "closed");
    if (model.cut && !model.failed) {
      // Only the cut may end a connection that no one closed or failed.
      for (const c of closed) assert(c.type === "closed" && (c.error === null || c.error.code === "UNEXPECTED_EOF"), `${s}: cut reported as ${JSON.stringify(comparable([c]))}`);
    }
    if (model.cut || model.failed) {
      // What arrived is a prefix of what was sent, in order.
      assert(JSON.stringify(expected.slice(0, messages.length)) === JSON.stringify(messages), `${s}: messages are not a prefix of those sent: ${shown()}`);
    } else {
      assert(JSON.stringify(messages) === JSON.stringify(expected), `${s}: messages differ: ${shown()}`);
      const pongs = events.filter((e) => e.type === "pong").length;
      // A ping still in flight when the peer sends its Close is not answered (RFC 6455 §5.5.1).
      if (model.closeStartedBy === null) assert(pongs === model.pongs[s], `${s}: ${pongs} pongs, expected ${model.pongs[s]}`);
      else assert(pongs <= model.pongs[s], `${s}: ${pongs} pongs, at most ${model.pongs[s]} expected`);
      if (model.closeStartedBy !== null) {
        const c = closed[0];
        assert(closed.length === 1 && c?.type === "closed" && c.wasClean && c.error === null && c.reason === "bye", `${s}: unclean close ${JSON.stringify(comparable(closed))}`);
        assert(real.conn[s].state === "closed" && real.conn[s].outgoingEnded, `${s}: state ${real.conn[s].state} after the closing handshake`);
      } else {
        assert(closed.length === 0, `${s}: closed without a close`);
      }
    }
  }
}

export const model: FuzzTarget<ModelInput> = {
  name: "model",
  description: "model-based command sequences on an in-memory pair: every message arrives in order, closes are clean, every outbox parses",
  arbitrary: modelArbitrary,
  check,
  serializable: false,
};
