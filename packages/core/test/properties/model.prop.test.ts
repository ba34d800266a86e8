/**
 * Model-based testing of an in-memory client/server pair: random command sequences (send,
 * fragment, ping, close, deliver some bytes, cut the transport) against a model that holds only
 * what each side must eventually see.
 */
import { fc, it } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { ClientConnection, type Connection, type ConnectionEvent, ServerConnection } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";
import { concat } from "../helpers/wire.js";

type Side = "client" | "server";
const other = (s: Side): Side => (s === "client" ? "server" : "client");

interface Model {
  /** Messages each side must receive, in order. */
  expected: Record<Side, unknown[]>;
  /** Pongs each side must receive for its pings. */
  pongs: Record<Side, number>;
  closeStartedBy: Side | null;
  cut: boolean;
}

class Real {
  readonly conn: Record<Side, Connection>;
  readonly events: Record<Side, ConnectionEvent[]> = { client: [], server: [] };
  /** Bytes in flight towards each side. */
  readonly inFlight: Record<Side, Uint8Array> = { client: new Uint8Array(0), server: new Uint8Array(0) };
  readonly eofSent: Record<Side, boolean> = { client: false, server: false };

  constructor() {
    const client = new ClientConnection({ host: "h", random: seededRandom(3) });
    const server = new ServerConnection({ random: seededRandom(5) });
    this.conn = { client, server };
    this.collect();
    this.deliver("server", Number.POSITIVE_INFINITY);
    const [req] = this.events.server.splice(0);
    expect(req?.type).toBe("upgrade-request");
    server.accept();
    this.events.server.push(...server.takeEvents());
    this.collect();
    this.deliver("client", Number.POSITIVE_INFINITY);
    expect(client.state).toBe("open");
    this.events.client.length = 0;
    this.events.server.length = 0;
  }

  /** Move outboxes into flight. */
  collect(): void {
    for (const side of ["client", "server"] as const) {
      const out = this.conn[side].takeOutgoing();
      if (out.length > 0) this.inFlight[other(side)] = concat([this.inFlight[other(side)], ...out]);
    }
  }

  /** Deliver up to `n` in-flight bytes to `to`, then an EOF if the sender ended and all arrived. */
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
      if (this.inFlight.client.length === 0 && this.inFlight.server.length === 0) {
        const pendingEof = (["client", "server"] as const).some((s) => this.conn[other(s)].outgoingEnded && !this.eofSent[s]);
        if (!pendingEof) return;
      }
      this.deliver("client", Number.POSITIVE_INFINITY);
      this.deliver("server", Number.POSITIVE_INFINITY);
    }
  }
}

const canSend = (m: Model, r: Real, side: Side): boolean => !m.cut && m.closeStartedBy === null && r.conn[side].state === "open";

class SendText implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly text: string;
  readonly pieces: number;
  constructor(side: Side, text: string, pieces: number) {
    this.side = side;
    this.text = text;
    this.pieces = pieces;
  }
  check = (m: Readonly<Model>): boolean => !m.cut && m.closeStartedBy === null;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    const conn = r.conn[this.side];
    const chars = Array.from(this.text);
    const step = Math.ceil(chars.length / this.pieces) || 1;
    for (let i = 0; i < this.pieces; i++) conn.sendText(chars.slice(i * step, (i + 1) * step).join(""), { fin: i === this.pieces - 1 });
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
  check = (m: Readonly<Model>): boolean => !m.cut && m.closeStartedBy === null;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side].sendBinary(this.data.slice());
    m.expected[other(this.side)].push({ type: "binary", data: this.data });
    r.collect();
  }
  toString = (): string => `${this.side}.sendBinary(${this.data.length} bytes)`;
}

class Ping implements fc.Command<Model, Real> {
  readonly side: Side;
  constructor(side: Side) {
    this.side = side;
  }
  check = (m: Readonly<Model>): boolean => !m.cut && m.closeStartedBy === null;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side].ping("x");
    m.pongs[this.side]++;
    r.collect();
  }
  toString = (): string => `${this.side}.ping()`;
}

class Close implements fc.Command<Model, Real> {
  readonly side: Side;
  readonly code: number;
  constructor(side: Side, code: number) {
    this.side = side;
    this.code = code;
  }
  check = (m: Readonly<Model>): boolean => !m.cut && m.closeStartedBy === null;
  run(m: Model, r: Real): void {
    if (!canSend(m, r, this.side)) return;
    r.conn[this.side].close(this.code, "bye");
    m.closeStartedBy = this.side;
    r.collect();
  }
  toString = (): string => `${this.side}.close(${this.code})`;
}

class Deliver implements fc.Command<Model, Real> {
  readonly to: Side;
  readonly n: number;
  constructor(to: Side, n: number) {
    this.to = to;
    this.n = n;
  }
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    if (m.cut) return;
    r.deliver(this.to, this.n);
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
const commands = [
  fc.tuple(side, fc.string({ unit: "grapheme", maxLength: 30 }), fc.integer({ min: 1, max: 3 })).map(([s, t, p]) => new SendText(s, t, p)),
  fc.tuple(side, fc.uint8Array({ maxLength: 70_000 })).map(([s, d]) => new SendBinary(s, d)),
  side.map((s) => new Ping(s)),
  fc.tuple(side, fc.constantFrom(1000, 1001, 3000, 4999)).map(([s, c]) => new Close(s, c)),
  fc.tuple(side, fc.integer({ min: 1, max: 100_000 })).map(([s, n]) => new Deliver(s, n)),
  fc.constant(new Cut()),
];

describe("model-based: client/server pair", () => {
  it.prop([fc.commands(commands, { maxCommands: 30 })], { numRuns: 150 })("every sent message arrives in order, closes are clean, every outbox parses", (cmds) => {
    const model: Model = { expected: { client: [], server: [] }, pongs: { client: 0, server: 0 }, closeStartedBy: null, cut: false };
    const real = new Real();
    fc.modelRun(() => ({ model, real }), cmds);
    if (!model.cut) real.settle();
    for (const s of ["client", "server"] as const) {
      const events = real.events[s];
      const messages = events.filter((e) => e.type === "text" || e.type === "binary");
      const closed = events.filter((e) => e.type === "closed");
      expect(closed.length).toBeLessThanOrEqual(1);
      for (const c of closed) if (c.type === "closed" && c.error !== null) expect(c.error.code).toBe("UNEXPECTED_EOF");
      if (model.cut) {
        // Whatever arrived before the cut is a prefix of what was sent, in order.
        expect(model.expected[s].slice(0, messages.length)).toEqual(messages);
      } else {
        expect(messages).toEqual(model.expected[s]);
        const pongs = events.filter((e) => e.type === "pong").length;
        // A ping still in flight when the peer sends its Close is not answered (RFC 6455 §5.5.1).
        if (model.closeStartedBy === null) expect(pongs).toBe(model.pongs[s]);
        else expect(pongs).toBeLessThanOrEqual(model.pongs[s]);
        if (model.closeStartedBy !== null) {
          expect(closed).toEqual([{ type: "closed", code: expect.any(Number), reason: "bye", wasClean: true, error: null }]);
          expect(real.conn[s].state).toBe("closed");
          expect(real.conn[s].outgoingEnded).toBe(true);
        } else {
          expect(closed).toEqual([]);
        }
      }
    }
  });
});
