import { fc, it } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { ClientConnection, type CommonOptions, type ConnectionEvent, encodeFrame, FrameDecoder, InternalError, permessageDeflate, ServerConnection, slabAllocator } from "../../src/index.js";
import { ConnectedPair, openConnection, REQUEST, responseFor } from "../helpers/connections.js";
import { seededRandom } from "../helpers/random.js";
import { concat, splitAt, utf8 } from "../helpers/bytes.js";
import { digest, digestEvents, rawFrame } from "../helpers/wire.js";
import { bytesOfSize, cuts, encodeItems, type WireItem, wireItem } from "./arbitraries.js";

function feed(role: "client" | "server", chunks: readonly Uint8Array[], options: CommonOptions = {}): { events: ConnectionEvent[]; out: Uint8Array } {
  const conn = openConnection(role, { maxMessageSize: 1 << 20, ...options });
  const events: ConnectionEvent[] = [];
  for (const c of chunks) events.push(...conn.receive(c));
  events.push(...conn.receiveEof());
  return { events, out: concat(conn.takeOutgoing()) };
}

describe("split invariance", () => {
  for (const role of ["server", "client"] as const) {
    it.prop([fc.array(wireItem, { maxLength: 8 }).chain((items) => {
      const bytes = encodeItems(items, role === "server");
      return fc.tuple(fc.constant(bytes), cuts(bytes.length));
    })], { numRuns: 150 })(`any split of a valid stream gives the same events and replies (${role})`, ([bytes, points]) => {
      const whole = feed(role, [bytes]);
      const split = feed(role, splitAt(bytes, points));
      expect(digestEvents(split.events)).toEqual(digestEvents(whole.events));
      expect(digest(split.out)).toBe(digest(whole.out));
      expect(whole.events.some((e) => e.type === "closed" && e.error?.code !== "UNEXPECTED_EOF")).toBe(false);
    });
  }

  for (const role of ["server", "client"] as const) {
    it.prop([fc.array(wireItem, { maxLength: 8 }).chain((items) => {
      const bytes = encodeItems(items, role === "server");
      return fc.tuple(fc.constant(bytes), cuts(bytes.length));
    })], { numRuns: 150 })(`with adoptInput, any split gives the events and replies of a copying connection (${role})`, ([bytes, points]) => {
      const copying = feed(role, [bytes]);
      // Adopted chunks are unmasked in place: each run gets chunks of its own.
      const adopted = feed(role, splitAt(bytes, points).map((c) => c.slice()), { adoptInput: true });
      expect(digestEvents(adopted.events)).toEqual(digestEvents(copying.events));
      expect(digest(adopted.out)).toBe(digest(copying.out));
    });
  }

  // Large messages in reads of any size: with adoptInput, reads of 4 KiB and more are kept and
  // copied once at the message's end, shorter ones move the message into the reassembly buffer.
  const largeItem: fc.Arbitrary<WireItem> = fc.oneof(
    fc.record({ kind: fc.constant("binary" as const), data: bytesOfSize(fc.integer({ min: 0, max: 300_000 })), pieces: fc.integer({ min: 1, max: 5 }) }),
    // Multibyte text, so that reads and fragments split code points.
    fc.record({ kind: fc.constant("text" as const), text: fc.integer({ min: 0, max: 40_000 }).map((n) => "aé東🙂".repeat(n)), pieces: fc.integer({ min: 1, max: 5 }) }),
  );
  for (const role of ["server", "client"] as const) {
    it.prop([fc.array(fc.oneof({ weight: 3, arbitrary: largeItem }, { weight: 1, arbitrary: wireItem }), { minLength: 1, maxLength: 4 }).chain((items) => {
      const bytes = encodeItems(items, role === "server");
      return fc.tuple(fc.constant(bytes), fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), fc.boolean());
    })], { numRuns: 60 })(`with adoptInput, large messages in reads of any size give the events of a copying connection (${role})`, ([bytes, points, textAsBytes]) => {
      const options: CommonOptions = { maxMessageSize: 1 << 22, ...(textAsBytes ? { textAs: "bytes" as const } : {}) };
      const copying = feed(role, [bytes], options);
      const adopted = feed(role, splitAt(bytes, points).map((c) => c.slice()), { ...options, adoptInput: true });
      expect(digestEvents(adopted.events)).toEqual(digestEvents(copying.events));
      expect(digest(adopted.out)).toBe(digest(copying.out));
    });
  }

  // textAs "bytes": the events of string mode with each text message as its UTF-8 bytes, and the
  // same failure (code, reason, replies) for invalid text, whichever validator runs.
  const asBytes = (events: readonly ConnectionEvent[]): ConnectionEvent[] =>
    events.map((e) => (e.type === "text" ? { type: "text-bytes", data: utf8(e.data) } : e));
  const withDecoder = (bytes: Uint8Array): boolean => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  };
  const textPayload = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }).map(utf8),
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).chain((t) => fc.integer({ min: 0, max: utf8(t).length - 1 }).map((cut) => utf8(t).subarray(0, cut))),
    fc.constantFrom(utf8("\u{10ffff}"), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xc0, 0xaf]), new Uint8Array([0xf4, 0x90, 0x80, 0x80])),
    // A run of ASCII long enough for word reads through a chunk's view, then anything.
    fc.tuple(fc.uint8Array({ maxLength: 300, max: 0x7f }), fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.string({ unit: "grapheme", maxLength: 10 }).map(utf8)))
      .map(([ascii, tail]) => concat([ascii, tail])),
  );
  for (const role of ["server", "client"] as const) {
    it.prop([
      fc.array(fc.oneof(wireItem, fc.record({ kind: fc.constant("raw-text" as const), bytes: textPayload, pieces: fc.integer({ min: 1, max: 3 }) })), { maxLength: 6 }).chain((items) => {
        const bytes = concat(items.map((item) => (item.kind === "raw-text" ? encodeRawText(item.bytes, item.pieces, role === "server") : encodeItems([item], role === "server"))));
        return fc.tuple(fc.constant(bytes), cuts(bytes.length));
      }),
      fc.boolean(),
      fc.boolean(),
    ], { numRuns: 200 })(`with textAs "bytes", any split gives string mode's events with text as bytes (${role})`, ([bytes, points], adoptInput, ownValidator) => {
      const strings = feed(role, [bytes.slice()]);
      const options: CommonOptions = { textAs: "bytes", adoptInput, ...(ownValidator ? { validateUtf8: withDecoder } : {}) };
      const got = feed(role, splitAt(bytes, points).map((c) => c.slice()), options);
      expect(digestEvents(got.events)).toEqual(digestEvents(asBytes(strings.events)));
      expect(digest(got.out)).toBe(digest(strings.out));
    });
  }

  // decodeUtf8Slice: the events and replies of a connection without it, whatever the split, with
  // a decoder that shows ill-formed input as U+FFFD (TextDecoder's, which core may hand unchecked
  // text) and with one that does not (which must only ever get valid text). Either only ever gets
  // ranges of reads of at most 256 bytes, apart from core's trial of it on arrays of its own, and
  // is told `ascii` only of ranges that are all ASCII (decoded then as Latin-1, as the adapters do).
  const replacement = utf8("\ufffd");
  const slicedText = fc.oneof(
    textPayload,
    fc.string({ unit: "grapheme", maxLength: 300 }).map((t) => utf8(`\ufeff${t}`)),
    // U+FFFD in valid text, and before ill-formed bytes.
    fc.tuple(fc.string({ unit: "grapheme", maxLength: 40 }), textPayload).map(([t, tail]) => concat([utf8(t), replacement, tail])),
  );
  const decoders = {
    replacing: (range: Uint8Array): string => new TextDecoder("utf-8", { ignoreBOM: true }).decode(range),
    // Right on valid text; ill-formed text becomes "?", which core must never deliver.
    lenient: (range: Uint8Array): string => (withDecoder(range) ? new TextDecoder("utf-8", { ignoreBOM: true }).decode(range) : "?"),
  };
  for (const role of ["server", "client"] as const) {
    it.prop([
      fc.array(fc.oneof(wireItem, fc.record({ kind: fc.constant("raw-text" as const), bytes: slicedText, pieces: fc.integer({ min: 1, max: 2 }) })), { maxLength: 6 }).chain((items) => {
        const bytes = concat(items.map((item) => (item.kind === "raw-text" ? encodeRawText(item.bytes, item.pieces, role === "server") : encodeItems([item], role === "server"))));
        return fc.tuple(fc.constant(bytes), cuts(bytes.length), fc.constantFrom("replacing" as const, "lenient" as const));
      }),
    ], { numRuns: 300 })(`with adoptInput and decodeUtf8Slice, any split gives the events of a connection without it (${role})`, ([bytes, points, kind]) => {
      const plain = feed(role, [bytes.slice()], { adoptInput: true });
      const reads = splitAt(bytes, points).map((c) => c.slice());
      const misuse: string[] = [];
      const decodeUtf8Slice = (read: Uint8Array, start: number, end: number, ascii: boolean): string => {
        const range = read.subarray(start, end);
        const ofRead = reads.some((r) => r === read);
        if (ofRead && (end - start > 256 || (kind === "lenient" && !withDecoder(range)))) misuse.push(`${start}..${end} of a ${read.length}-byte read`);
        if (ascii && range.some((b) => b >= 0x80)) misuse.push(`${start}..${end} told ascii`);
        return ascii ? String.fromCharCode(...range) : decoders[kind](range);
      };
      const got = feed(role, reads, { adoptInput: true, decodeUtf8Slice });
      expect(digestEvents(got.events)).toEqual(digestEvents(plain.events));
      expect(digest(got.out)).toBe(digest(plain.out));
      expect(misuse).toEqual([]);
    });
  }

  // writeUtf8: the bytes of a connection without it, batch after batch (runs that fill up make
  // some texts not fit at first), and the writer only ever gets text of 25 to 256 characters.
  for (const role of ["server", "client"] as const) {
    // Full sizes (fast-check's default keeps strings short): texts around both limits, and
    // batches long enough to fill runs. Shrinking such input takes minutes: a failure is reported
    // as found.
    const text = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 300, size: "max" }),
      fc.string({ unit: "binary", maxLength: 300, size: "max" }),
      fc.string({ unit: "grapheme-ascii", minLength: 20, maxLength: 260, size: "max" }),
    );
    it.prop([fc.array(fc.array(text, { maxLength: 80, size: "max" }), { minLength: 1, maxLength: 4 })], { numRuns: 100, endOnFailure: true })(
      `with writeUtf8, sent text is byte for byte what a connection without it sends (${role})`,
      (batches) => {
        const encoder = new TextEncoder();
        const misuse: number[] = [];
        const writeUtf8 = (t: string, bytes: Uint8Array, start: number, end: number): number => {
          if (t.length < 25 || t.length > 256) misuse.push(t.length);
          return encoder.encodeInto(t, bytes.subarray(start, end)).written;
        };
        const plain = openConnection(role, { random: seededRandom(3) });
        const lent = openConnection(role, { random: seededRandom(3), writeUtf8 });
        for (const batch of batches) {
          for (const t of batch) {
            plain.sendText(t);
            lent.sendText(t);
          }
          expect(digest(concat(lent.takeOutgoing()))).toBe(digest(concat(plain.takeOutgoing())));
        }
        expect(misuse).toEqual([]);
      },
    );
  }

  it.prop([
    fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), bytesOfSize(fc.constantFrom(0, 1, 200, 5000, 70_000))), { minLength: 1, maxLength: 6 }),
    fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 6 }),
    fc.boolean(),
  ], { numRuns: 60 })("with adoptInput, compressed messages in any split give the events of a copying server", (messages, cutPercents, fragmented) => {
    const pair = new ConnectedPair({ extensions: [permessageDeflate()] }, { extensions: [permessageDeflate()] });
    for (const m of messages) {
      if (typeof m === "string") pair.client.sendText(m);
      else if (fragmented && m.length > 1) {
        pair.client.sendBinary(m.subarray(0, m.length >> 1), { fin: false });
        pair.client.sendBinary(m.subarray(m.length >> 1));
      } else pair.client.sendBinary(m);
    }
    pair.pump();
    // The upgrade request alone first (a server holds only a little data before it accepts).
    const [request, ...frames] = pair.wire.filter((w) => w.from === "client").map((w) => w.bytes);
    const wire = concat(frames);
    const run = (chunks: readonly Uint8Array[], adoptInput: boolean): unknown[] => {
      const server = new ServerConnection({ random: seededRandom(11), extensions: [permessageDeflate()], adoptInput });
      const events: ConnectionEvent[] = [];
      for (const c of [request!.slice(), ...chunks]) {
        for (const ev of server.receive(c)) {
          events.push(ev);
          if (ev.type === "upgrade-request") server.accept();
        }
        events.push(...server.takeEvents());
      }
      return digestEvents(events.map((e) => (e.type === "upgrade-request" ? { type: e.type } : e)));
    };
    const points = cutPercents.map((p) => Math.floor((p / 100) * wire.length)).sort((a, b) => a - b);
    const expected = run([wire.slice()], false);
    expect(expected.filter((e) => (e as { type: string }).type === "text" || (e as { type: string }).type === "binary")).toHaveLength(messages.length);
    expect(run(splitAt(wire, points).map((c) => c.slice()), true)).toEqual(expected);
  });

  it.prop([fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 800 }), { maxLength: 10 })], { numRuns: 200 })(
    "any split of arbitrary bytes gives the same events (server, from the handshake on)",
    (parts, points) => {
      const bytes = concat([utf8(REQUEST), ...parts]);
      const run = (chunks: Uint8Array[]): unknown => {
        const server = new ServerConnection({ random: seededRandom() });
        const events: ConnectionEvent[] = [];
        for (const c of chunks) {
          for (const ev of server.receive(c)) {
            events.push(ev);
            if (ev.type === "upgrade-request") server.accept();
          }
          events.push(...server.takeEvents());
        }
        return { events: events.map((e) => (e.type === "upgrade-request" ? e.type : e)), out: concat(server.takeOutgoing()) };
      };
      expect(run(splitAt(bytes, points))).toEqual(run([bytes]));
    },
  );
});

describe("round trip", () => {
  it.prop([
    fc.record({
      fin: fc.boolean(),
      rsv: fc.constantFrom(0, 0x40),
      opcode: fc.constantFrom(0, 1, 2),
      payload: bytesOfSize(fc.oneof(fc.constantFrom(0, 125, 126, 65535, 65536, 200_000), fc.nat(1000))),
    }),
    fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
  ], { numRuns: 120 })("decode(encode(frame)) is the frame, masked or not", (frame, key) => {
    const decoder = new FrameDecoder({ role: key === null ? "client" : "server", rsvAllowed: 0x40, maxFrameSize: 1 << 20 });
    const frames = decoder.push(encodeFrame(frame, key));
    expect(frames).toHaveLength(1);
    expect({ ...frames[0]!, payload: digest(frames[0]!.payload) }).toEqual({ ...frame, payload: digest(frame.payload) });
  });
});

describe("totality", () => {
  const noInternalError = (events: readonly ConnectionEvent[]): void => {
    for (const ev of events) if (ev.type === "closed") expect(ev.error).not.toBeInstanceOf(InternalError);
    expect(events.filter((e) => e.type === "closed").length).toBeLessThanOrEqual(1);
  };

  for (const role of ["server", "client"] as const) {
    it.prop([fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 })], { numRuns: 300 })(`arbitrary bytes never throw from an open ${role}`, (chunks) => {
      const conn = openConnection(role);
      const events: ConnectionEvent[] = [];
      for (const c of chunks) events.push(...conn.receive(c));
      events.push(...conn.receiveEof());
      noInternalError(events);
      expect(events.at(-1)?.type).toBe("closed");
    });

    it.prop([fc.array(wireItem, { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })], { numRuns: 300 })(
      `mutated valid streams never throw or report an internal error (${role})`,
      (items, mutations) => {
        const bytes = encodeItems(items, role === "server");
        for (const [at, value] of mutations) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const conn = openConnection(role, { maxMessageSize: 1 << 20 });
        const events = [...conn.receive(bytes), ...conn.receiveEof()];
        noInternalError(events);
      },
    );
  }

  it.prop([fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 })], { numRuns: 300 })("arbitrary bytes never throw during a server's handshake", (chunks) => {
    const server = new ServerConnection({ maxHandshakeSize: 1024 });
    const events: ConnectionEvent[] = [];
    for (const c of chunks) events.push(...server.receive(c));
    events.push(...server.receiveEof());
    noInternalError(events);
  });

  it.prop([fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 })], { numRuns: 300 })("arbitrary bytes never throw during a client's handshake", (chunks) => {
    const client = new ClientConnection({ host: "h", random: seededRandom(), maxHandshakeSize: 1024 });
    client.takeOutgoing();
    const events: ConnectionEvent[] = [];
    for (const c of chunks) events.push(...client.receive(c));
    events.push(...client.receiveEof());
    noInternalError(events);
  });

  it.prop([fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 8 })], { numRuns: 200 })("garbage after a valid 101 never throws", (chunks) => {
    const client = new ClientConnection({ host: "h", random: seededRandom() });
    const response = responseFor(concat(client.takeOutgoing()));
    const events = [...client.receive(response)];
    for (const c of chunks) events.push(...client.receive(c));
    events.push(...client.receiveEof());
    noInternalError(events);
  });
});

/** A text message of arbitrary bytes (valid UTF-8 or not) in `pieces` frames. */
function encodeRawText(bytes: Uint8Array, pieces: number, masked: boolean): Uint8Array {
  const frames: Uint8Array[] = [];
  const step = Math.ceil(bytes.length / pieces) || 1;
  for (let i = 0; i < pieces; i++) {
    const part = bytes.subarray(Math.min(i * step, bytes.length), Math.min((i + 1) * step, bytes.length));
    frames.push(rawFrame(i === 0 ? 1 : 0, part, { masked, fin: i === pieces - 1 }));
  }
  return concat(frames);
}

describe("outgoing text", () => {
  // Lengths around every boundary of the direct path: 125/126 bytes (header size), the
  // COALESCE_LIMIT / 3 characters it takes, and text with 1-, 2-, 3- and 4-byte characters and
  // lone surrogates (encoded as U+FFFD).
  const piece = fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.string({ unit: "grapheme-ascii", minLength: 100, maxLength: 140 }),
    fc.integer({ min: 5400, max: 5500 }).map((n) => "é".repeat(n >> 1) + "x".repeat(n - (n >> 1))),
    fc.constantFrom("€".repeat(42), "\u{1F600}".repeat(31), "\ud800a\udc00", ""),
  );
  const item = fc.record({ text: piece, fin: fc.boolean(), binaryAfter: fc.boolean(), flush: fc.boolean() });
  for (const role of ["server", "client"] as const) {
    it.prop([fc.array(item, { minLength: 1, maxLength: 10 }), fc.constantFrom("default", "views", "slabs")], { numRuns: 150 })(
      `frames carry exactly TextEncoder's bytes, fragments continue the message, in any batching (${role})`,
      (items, allocator) => {
        // Views of a larger, dirty buffer: nothing unwritten may leak. Small dirty slabs: a piece
        // handed out earlier must not change when later frames are built in the same slab.
        const dirty = (n: number): Uint8Array => new Uint8Array(n).fill(0xee);
        const allocateOutgoing =
          allocator === "views" ? (n: number) => dirty(n + 16).subarray(8, 8 + n)
          : allocator === "slabs" ? slabAllocator({ slabSize: 512, maxPiece: 256, allocate: dirty })
          : undefined;
        const conn = openConnection(role, allocateOutgoing === undefined ? {} : { allocateOutgoing });
        const out: Uint8Array[] = [];
        const expected: { opcode: number; fin: boolean; payload: string }[] = [];
        let open = false;
        for (const { text, fin, binaryAfter, flush } of items) {
          conn.sendText(text, { fin });
          expected.push({ opcode: open ? 0 : 1, fin, payload: digest(new TextEncoder().encode(text)) });
          open = !fin;
          if (binaryAfter && !open) {
            conn.sendBinary(utf8("b"));
            expected.push({ opcode: 2, fin: true, payload: digest(utf8("b")) });
          }
          if (flush) out.push(...conn.takeOutgoing());
        }
        out.push(...conn.takeOutgoing());
        const frames = new FrameDecoder({ role: role === "client" ? "server" : "client", maxFrameSize: 1 << 20 }).push(concat(out));
        expect(frames.map((f) => ({ opcode: f.opcode, fin: f.fin, payload: digest(f.payload) }))).toEqual(expected);
      },
    );
  }
});
