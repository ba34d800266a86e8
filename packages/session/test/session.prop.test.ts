/**
 * Model-based property test of two sessions joined by an in-memory pipe, on fake time: random
 * sends of every size, pings, closes with and without codes, terminations, a peer that stops
 * answering, consumers that stop reading, a full transport, and time jumping past every timer.
 * Whatever happens, each side must end closed, once, with its promises settled and no timer or
 * transport left behind; no message may be reordered, changed, duplicated or invented; a full
 * transport gets nothing more until it drains, and a session holds no more than its
 * maxBufferedAmount; and when nothing was cut off, every send that resolved must have arrived.
 */
import { ClientConnection, permessageDeflate, ServerConnection } from "@wsengine/core";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CloseInfo, ConnectionClosedError, type Message, type SessionOptions, type TransportHandler, type WebSocketError, WebSocketSession } from "../src/index.js";
import { MemoryTransport, memoryPipe } from "./helpers/memory-transport.js";

type Side = "client" | "server";
const other = (side: Side): Side => (side === "client" ? "server" : "client");

type Command =
  | { readonly t: "send"; readonly side: Side; readonly text: boolean; readonly size: number }
  /** Sends in one go, without waiting for any, as a producer that ignores backpressure. */
  | { readonly t: "burst"; readonly side: Side; readonly count: number; readonly size: number }
  | { readonly t: "ping"; readonly side: Side }
  | { readonly t: "close"; readonly side: Side; readonly code: number | undefined; readonly reason: string }
  | { readonly t: "terminate"; readonly side: Side }
  | { readonly t: "read"; readonly side: Side; readonly count: number }
  | { readonly t: "stop-answering"; readonly side: Side }
  | { readonly t: "wait"; readonly ms: number };

const side = fc.constantFrom<Side>("client", "server");
const send = fc.record({
  t: fc.constant("send" as const),
  side,
  text: fc.boolean(),
  size: fc.oneof({ weight: 6, arbitrary: fc.nat(200) }, { weight: 2, arbitrary: fc.nat(5000) }, { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 150_000 }) }),
});
const close = fc.record({
  t: fc.constant("close" as const),
  side,
  code: fc.constantFrom(undefined, 1000, 1001, 3000, 4999),
  reason: fc.constantFrom("", "bye", "Grüße 🙂"),
});
const burst = fc.record({ t: fc.constant("burst" as const), side, count: fc.integer({ min: 2, max: 6 }), size: fc.integer({ min: 1000, max: 40_000 }) });
const readSome = fc.record({ t: fc.constant("read" as const), side, count: fc.integer({ min: 1, max: 8 }) });
const ping = fc.record({ t: fc.constant("ping" as const), side });

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: send },
  { weight: 2, arbitrary: burst },
  { weight: 1, arbitrary: ping },
  { weight: 1, arbitrary: close },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("terminate" as const), side }) },
  { weight: 3, arbitrary: readSome },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("stop-answering" as const), side }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("wait" as const), ms: fc.oneof(fc.constant(0), fc.nat(50), fc.nat(12_000)) }) },
);

interface Setup {
  /** Each side reads with a `message` listener, or through the async iterator when a `read` command asks. */
  readonly iterate: Record<Side, boolean>;
  readonly session: Record<Side, SessionOptions>;
  readonly deflate: boolean;
  readonly highWaterMark: number;
}

const sessionOptions: fc.Arbitrary<SessionOptions> = fc.record({
  closeTimeout: fc.constantFrom(200, 3000),
  pingInterval: fc.constantFrom(0, 0, 1000),
  idleTimeout: fc.constantFrom(0, 0, 2500),
  maxBufferedAmount: fc.constantFrom(8 * 1024, 64 * 1024, 16 * 1024 * 1024),
  receiveHighWaterMark: fc.constantFrom(4096, 1024 * 1024),
});

const setup: fc.Arbitrary<Setup> = fc.record({
  iterate: fc.record({ client: fc.boolean(), server: fc.boolean() }),
  session: fc.record({ client: sessionOptions, server: sessionOptions }),
  deflate: fc.boolean(),
  highWaterMark: fc.constantFrom(1024, 64 * 1024),
});

/** A message that says who sent it and its number, so that any change, loss or reordering shows. */
function messageFor(from: Side, n: number, text: boolean, size: number): Message {
  if (text) {
    const head = `${from}#${n}:`;
    const unit = "abc Grüße 東京 🙂 ";
    // Cut by code points: half of a surrogate pair would go out as U+FFFD.
    return head + Array.from(unit.repeat(Math.ceil(size / unit.length))).slice(0, size).join("");
  }
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (n * 31 + i * 7) & 0xff;
  if (size >= 2) {
    bytes[0] = from === "client" ? 1 : 2;
    bytes[1] = n & 0xff;
  }
  return bytes;
}

function sameMessage(a: Message, b: Message): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A memory transport that counts the bytes the session writes after `write()` said full and
 * before `drain()`: only a failing session's Close frame (at most 131 bytes) may go then.
 */
class CheckedTransport extends MemoryTransport {
  #full = false;
  writtenWhileFull = 0;

  override start(handler: TransportHandler): void {
    super.start({
      receive: (chunk) => handler.receive(chunk),
      receiveEof: (error) => handler.receiveEof(error),
      drain: () => {
        this.#full = false;
        handler.drain();
      },
      closed: () => handler.closed(),
    });
  }

  override write(chunks: readonly Uint8Array[]): boolean {
    if (this.#full) for (const c of chunks) this.writtenWhileFull += c.length;
    const ok = super.write(chunks);
    if (!ok) this.#full = true;
    return ok;
  }
}

type Outcome = "pending" | "resolved" | "rejected";

/** How often the runs of one property reached each situation, so that a test can see it reached them. */
const coverage = { clean: 0, overflowed: 0, paused: 0, pongs: 0, received: 0 };
const resetCoverage = (): void => {
  for (const key of Object.keys(coverage) as (keyof typeof coverage)[]) coverage[key] = 0;
};
/** Each situation reached at least once (each is expected 10 times or more in the runs here). */
const expectCoverage = (): void => {
  for (const [key, count] of Object.entries(coverage)) expect(count, key).toBeGreaterThan(0);
};

interface Peer {
  readonly session: WebSocketSession;
  readonly sent: { readonly message: Message; outcome: Outcome }[];
  readonly received: Message[];
  readonly pings: { outcome: Outcome }[];
  readonly closes: CloseInfo[];
  readonly errors: Error[];
  /** Codes and reasons this side passed to close(), for what the peer may report. */
  readonly closedWith: { code: number; reason: string }[];
  iterator: AsyncIterator<Message> | null;
  /** Reads asked for, and of them those not yet answered. */
  asked: number;
  waiting: number;
  /** The iterator's results by the read that asked, to see that reads are answered in order. */
  readonly answers: (Message | "done")[];
  iteratorDone: boolean;
  /** Anything an API call threw, or a promise rejected with, that it must not. */
  readonly unexpected: unknown[];
}

function settleInto(promise: Promise<unknown>, record: { outcome: Outcome }, peer: Peer): void {
  promise.then(
    () => (record.outcome = "resolved"),
    (error: unknown) => {
      record.outcome = "rejected";
      if (!(error instanceof ConnectionClosedError)) peer.unexpected.push(error);
    },
  );
}

function sendFrom(peer: Peer, message: Message): void {
  const record = { message, outcome: "pending" as Outcome };
  peer.sent.push(record);
  settleInto(peer.session.send(message), record, peer);
}

function read(peer: Peer): void {
  if (peer.iteratorDone) return;
  const iterator = (peer.iterator ??= peer.session[Symbol.asyncIterator]());
  const index = peer.asked++;
  peer.waiting++;
  iterator.next().then(
    (result) => {
      peer.waiting--;
      if (result.done === true) peer.iteratorDone = true;
      peer.answers[index] = result.done === true ? "done" : result.value;
    },
    (error: unknown) => peer.unexpected.push(error),
  );
}

/**
 * Let pipe deliveries and microtasks run. Fake timers put a 0 ms timeout set from inside a timer
 * 1 ms ahead, so each pipe hop takes a millisecond: 30 hops, 30 ms.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await vi.advanceTimersByTimeAsync(1);
}

/**
 * Runs `commands` on a fresh pair, ends it, and checks the invariants. With `expectClean`, the
 * commands cut nothing off and take less time than any close timeout, so the pair must close
 * cleanly.
 */
async function run(config: Setup, commands: readonly Command[], expectClean = false): Promise<void> {
  vi.clearAllTimers();
  const [clientTransport, serverTransport] = memoryPipe(config.highWaterMark, CheckedTransport);
  const transports = { client: clientTransport, server: serverTransport };
  const extensions = config.deflate ? [permessageDeflate()] : [];
  const sessions = {
    server: new WebSocketSession(new ServerConnection({ extensions }), serverTransport, config.session.server),
    client: new WebSocketSession(new ClientConnection({ host: "memory.test", target: "/", extensions }), clientTransport, config.session.client),
  };
  const peers = {} as Record<Side, Peer>;
  for (const s of ["client", "server"] as const) {
    const peer: Peer = {
      session: sessions[s],
      sent: [],
      received: [],
      pings: [],
      closes: [],
      errors: [],
      closedWith: [],
      iterator: null,
      asked: 0,
      waiting: 0,
      answers: [],
      iteratorDone: false,
      unexpected: [],
    };
    peers[s] = peer;
    if (!config.iterate[s]) peer.session.on("message", (m) => peer.received.push(m));
    peer.session.on("close", (info) => peer.closes.push(info));
    peer.session.on("error", (e) => peer.errors.push(e));
  }
  await settle();
  expect([sessions.client.readyState, sessions.server.readyState]).toEqual([1, 1]);

  let cutOff = false;
  let numbered = 0;
  for (const c of commands) {
    if (c.t === "wait") {
      await vi.advanceTimersByTimeAsync(c.ms);
      continue;
    }
    const peer = peers[c.side];
    const session = peer.session;
    try {
      switch (c.t) {
        case "send":
          sendFrom(peer, messageFor(c.side, numbered++, c.text, c.size));
          break;
        case "burst":
          for (let i = 0; i < c.count; i++) sendFrom(peer, messageFor(c.side, numbered++, i % 2 === 0, c.size));
          break;
        case "ping": {
          const record = { outcome: "pending" as Outcome };
          peer.pings.push(record);
          settleInto(session.ping(), record, peer);
          break;
        }
        case "close":
          if (session.readyState < 2) peer.closedWith.push({ code: c.code ?? 1005, reason: c.code === undefined ? "" : c.reason });
          void session.close(c.code, c.code === undefined ? undefined : c.reason);
          break;
        case "terminate":
          cutOff = true;
          session.terminate();
          break;
        case "read":
          if (config.iterate[c.side]) for (let i = 0; i < c.count; i++) read(peer);
          break;
        case "stop-answering":
          // This side stops receiving anything: a half-open connection, as when the peer's host vanished.
          cutOff = true;
          transports[c.side].blackhole = true;
          break;
      }
    } catch (error) {
      peer.unexpected.push(error);
    }
    if (c.t === "read") continue;
    await settle();
    // What a full transport cannot take waits in the session up to maxBufferedAmount; a send
    // past it fails the connection, dropping what is held.
    if (session.bufferedAmount > (config.session[c.side].maxBufferedAmount ?? Infinity)) expect.fail(`${c.side} holds ${session.bufferedAmount} bytes`);
    if (sessions.client.isPaused || sessions.server.isPaused) coverage.paused++;
  }

  // The end: close if nobody did, consume everything, and let every timer run out.
  void sessions.client.close(1000, "done");
  for (let round = 0; round < 300; round++) {
    for (const s of ["client", "server"] as const) {
      const peer = peers[s];
      if (config.iterate[s] && !peer.iteratorDone && peer.waiting === 0) read(peer);
    }
    await vi.advanceTimersByTimeAsync(round < 100 ? 1 : 500);
    const done = (["client", "server"] as const).every((s) => peers[s].session.readyState === 3 && (!config.iterate[s] || peers[s].iteratorDone));
    if (done && vi.getTimerCount() === 0) break;
  }

  for (const s of ["client", "server"] as const) {
    const peer = peers[s];
    const from = peers[other(s)];
    expect(peer.unexpected).toEqual([]);
    expect(peer.session.readyState).toBe(3);
    // One close event, the same as closeInfo and as what `closed` resolves to.
    expect(peer.closes).toHaveLength(1);
    expect(peer.session.closeInfo).toBe(peer.closes[0]);
    expect(await peer.session.closed).toBe(peer.closes[0]);
    expect(peer.errors.length).toBeLessThanOrEqual(1);
    if (peer.errors.length === 1) expect(peer.errors[0]).toBe(peer.closes[0]!.error);
    if (config.iterate[s]) {
      expect(peer.iteratorDone).toBe(true);
      // Every read answered, the messages first and then only "done".
      const firstDone = peer.answers.indexOf("done");
      expect(peer.answers.length).toBe(peer.asked);
      expect(peer.answers.slice(firstDone).every((a) => a === "done")).toBe(true);
      for (const a of peer.answers.slice(0, firstDone)) if (a !== "done") peer.received.push(a);
    }
    // Every promise settled.
    expect(peer.sent.filter((r) => r.outcome === "pending")).toEqual([]);
    expect(peer.pings.filter((r) => r.outcome === "pending")).toEqual([]);
    // What arrived is what the other side sent, in order, from its first message on.
    const arrived = peer.received;
    expect(arrived.length).toBeLessThanOrEqual(from.sent.length);
    for (let i = 0; i < arrived.length; i++) {
      if (!sameMessage(arrived[i]!, from.sent[i]!.message)) {
        expect.fail(`${s}'s message ${i} is not the one ${other(s)} sent (${summary(arrived[i]!)} against ${summary(from.sent[i]!.message)})`);
      }
      // A send that reported failure was never handed over.
      expect(from.sent[i]!.outcome).toBe("resolved");
    }
    expect(transports[s].closedCalled || transports[s].destroyed).toBe(true);
    expect(transports[s].writtenWhileFull).toBeLessThanOrEqual(131);
  }
  expect(vi.getTimerCount()).toBe(0);

  // A side whose sends outran maxBufferedAmount failed the connection itself (1008): it reports
  // an unclean close, as any failing endpoint does, and may drop what arrives after.
  const overflowed = (s: Side): boolean => (peers[s].closes[0]!.error as WebSocketError | null)?.code === "SEND_BUFFER_FULL";
  const intact = !cutOff && (["client", "server"] as const).every((s) => peers[s].closes[0]!.wasClean || overflowed(s));
  if (expectClean) expect(intact, JSON.stringify([peers.client.closes[0], peers.server.closes[0]])).toBe(true);
  if (intact) {
    coverage.clean++;
    for (const s of ["client", "server"] as const) {
      const peer = peers[s];
      const from = peers[other(s)];
      // Nothing handed to the transport was lost (a failed side stops reading).
      if (!overflowed(s)) expect(peer.received.length).toBe(from.sent.filter((r) => r.outcome === "resolved").length);
      // The code is one that either side asked for (the answer echoes it), or the session's own.
      const info = peer.closes[0]!;
      const asked = [...peer.closedWith, ...from.closedWith, { code: 1000, reason: "done" }, { code: 1001, reason: "idle timeout" }, { code: 1008, reason: "send buffer full" }];
      expect(asked).toContainEqual({ code: info.code, reason: info.reason });
      if (!overflowed(s)) expect(info.error).toBeNull();
    }
  }
  coverage.received += peers.client.received.length + peers.server.received.length;
  coverage.pongs += [...peers.client.pings, ...peers.server.pings].filter((p) => p.outcome === "resolved").length;
  if (overflowed("client") || overflowed("server")) coverage.overflowed++;
}

function summary(m: Message): string {
  return typeof m === "string" ? JSON.stringify(m.slice(0, 24)) : `${m.length} bytes [${Array.from(m.subarray(0, 4)).join(",")}]`;
}

describe("two sessions under random use", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it("always end closed once, with nothing lost, changed, reordered or left running", async () => {
    resetCoverage();
    await fc.assert(
      fc.asyncProperty(setup, fc.array(command, { minLength: 1, maxLength: 30 }), (config, commands) => run(config, commands)),
      { numRuns: 300 },
    );
    expectCoverage();
  });

  it("close cleanly and lose nothing handed over when nobody is cut off and no timeout can pass", async () => {
    // The commands take at most ~1 s of fake time (30 ms each), the end ~0.1 s more, under every
    // close timeout here, and nobody pings: a consumer that stalls is only slow. The end reads
    // everything, and then the closing handshake must get through both ways.
    const calmOptions = (options: SessionOptions): SessionOptions => ({ ...options, pingInterval: 0, closeTimeout: 3000 });
    const calm = setup.map((config) => ({ ...config, session: { client: calmOptions(config.session.client), server: calmOptions(config.session.server) } }));
    const commands = fc.array(fc.oneof({ weight: 8, arbitrary: send }, { weight: 2, arbitrary: burst }, { weight: 1, arbitrary: ping }, { weight: 1, arbitrary: close }, { weight: 3, arbitrary: readSome }), {
      minLength: 1,
      maxLength: 30,
    });
    resetCoverage();
    await fc.assert(
      fc.asyncProperty(calm, commands, (config, list) => run(config, list, true)),
      { numRuns: 200 },
    );
    expectCoverage();
  });
});
