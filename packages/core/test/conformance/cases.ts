/**
 * The conformance table: wire-level cases grouped by RFC section, each a byte script from a raw
 * peer and the exact expected reaction. The same table runs against both roles (frames are
 * masked when the raw peer plays the client) and, over sockets, against real servers.
 */
import { Opcode } from "../../src/index.js";
import { concat, utf8 } from "../helpers/bytes.js";
import { rawFrame } from "../helpers/wire.js";

/** What the endpoint under test must do. */
export type Reaction =
  /** Deliver these events (type and data) and stay open. `replies` are the frames it sends back. */
  | { readonly kind: "events"; readonly events: readonly ExpectedEvent[]; readonly replies?: readonly ExpectedFrame[] }
  /** Fail the connection with this close code. Events before the failure are listed too. */
  | { readonly kind: "fail"; readonly closeCode: number; readonly events?: readonly ExpectedEvent[] }
  /** Complete the closing handshake: echo a Close with `echo` (null = empty) and report `code`. */
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly echo: number | null; readonly events?: readonly ExpectedEvent[] };

export type ExpectedEvent =
  | { readonly type: "text"; readonly data: string }
  | { readonly type: "binary"; readonly data: Uint8Array }
  | { readonly type: "ping"; readonly data: Uint8Array }
  | { readonly type: "pong"; readonly data: Uint8Array };

export interface ExpectedFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

export interface ConformanceCase {
  readonly section: string;
  readonly name: string;
  /** Connection options the case needs (limits). */
  readonly options?: { readonly maxMessageSize?: number; readonly maxFrameSize?: number; readonly maxFragments?: number };
  /** The raw peer's bytes; `masked` is true when the raw peer plays the client. */
  readonly script: (masked: boolean) => Uint8Array;
  readonly expect: Reaction;
}

const f = (opcode: number, payload: Uint8Array | string, masked: boolean, extra: { fin?: boolean; rsv?: number } = {}): Uint8Array =>
  rawFrame(opcode, payload, { masked, ...extra });

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const closePayload = (code: number, reason = ""): Uint8Array => concat([bytes(code >> 8, code & 0xff), utf8(reason)]);

/** A header with a hand-made length field, for encodings encodeFrame never produces. */
function customHeader(b0: number, lengthBytes: number[], payload: Uint8Array, masked: boolean): Uint8Array {
  const b1 = lengthBytes[0]! | (masked ? 0x80 : 0);
  const key = masked ? [0, 0, 0, 0] : [];
  return concat([bytes(b0, b1, ...lengthBytes.slice(1), ...key), payload]);
}

export const CASES: readonly ConformanceCase[] = [
  // --- §5.2 Base framing ---
  { section: "5.2 framing", name: "single-frame text", script: (m) => f(Opcode.Text, "Hello", m), expect: { kind: "events", events: [{ type: "text", data: "Hello" }] } },
  { section: "5.2 framing", name: "empty text", script: (m) => f(Opcode.Text, "", m), expect: { kind: "events", events: [{ type: "text", data: "" }] } },
  { section: "5.2 framing", name: "binary with every byte value", script: (m) => f(Opcode.Binary, allBytes, m), expect: { kind: "events", events: [{ type: "binary", data: allBytes }] } },
  { section: "5.2 framing", name: "16-bit length (126 bytes)", script: (m) => f(Opcode.Binary, new Uint8Array(126).fill(7), m), expect: { kind: "events", events: [{ type: "binary", data: new Uint8Array(126).fill(7) }] } },
  { section: "5.2 framing", name: "16-bit length (65535 bytes)", script: (m) => f(Opcode.Binary, new Uint8Array(65535).fill(9), m), expect: { kind: "events", events: [{ type: "binary", data: new Uint8Array(65535).fill(9) }] } },
  { section: "5.2 framing", name: "64-bit length (65536 bytes)", script: (m) => f(Opcode.Binary, new Uint8Array(65536).fill(1), m), expect: { kind: "events", events: [{ type: "binary", data: new Uint8Array(65536).fill(1) }] } },
  { section: "5.2 framing", name: "two frames in one chunk", script: (m) => concat([f(Opcode.Text, "a", m), f(Opcode.Binary, bytes(1, 2), m)]), expect: { kind: "events", events: [{ type: "text", data: "a" }, { type: "binary", data: bytes(1, 2) }] } },
  { section: "5.2 framing", name: "16-bit length encoding a length below 126", script: (m) => customHeader(0x82, [126, 0, 5], bytes(1, 2, 3, 4, 5), m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 framing", name: "64-bit length encoding a length below 65536", script: (m) => customHeader(0x82, [127, 0, 0, 0, 0, 0, 0, 0, 5], bytes(1, 2, 3, 4, 5), m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 framing", name: "64-bit length with the most significant bit set", script: (m) => customHeader(0x82, [127, 0x80, 0, 0, 0, 0, 0, 0, 1], new Uint8Array(0), m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 framing", name: "64-bit length of 2^53 + 1 (beyond double precision)", script: (m) => customHeader(0x82, [127, 0, 0x20, 0, 0, 0, 0, 0, 1], new Uint8Array(0), m), expect: { kind: "fail", closeCode: 1009 } },

  // --- §5.2 reserved bits ---
  { section: "5.2 reserved bits", name: "RSV1 on text without an extension", script: (m) => f(Opcode.Text, "x", m, { rsv: 0x40 }), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 reserved bits", name: "RSV2 on binary", script: (m) => f(Opcode.Binary, "x", m, { rsv: 0x20 }), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 reserved bits", name: "RSV3 on ping", script: (m) => f(Opcode.Ping, "x", m, { rsv: 0x10 }), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.2 reserved bits", name: "all RSV bits after a valid message", script: (m) => concat([f(Opcode.Text, "ok", m), f(Opcode.Text, "x", m, { rsv: 0x70 })]), expect: { kind: "fail", closeCode: 1002, events: [{ type: "text", data: "ok" }] } },

  // --- §5.2 opcodes ---
  ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map(
    (op): ConformanceCase => ({ section: "5.2 opcodes", name: `reserved opcode ${op}`, script: (m) => f(op, "", m), expect: { kind: "fail", closeCode: 1002 } }),
  ),

  // --- §5.4 fragmentation ---
  { section: "5.4 fragmentation", name: "text in two fragments", script: (m) => concat([f(Opcode.Text, "Hel", m, { fin: false }), f(Opcode.Continuation, "lo", m)]), expect: { kind: "events", events: [{ type: "text", data: "Hello" }] } },
  { section: "5.4 fragmentation", name: "binary in three fragments with an empty one", script: (m) => concat([f(Opcode.Binary, bytes(1), m, { fin: false }), f(Opcode.Continuation, new Uint8Array(0), m, { fin: false }), f(Opcode.Continuation, bytes(2, 3), m)]), expect: { kind: "events", events: [{ type: "binary", data: bytes(1, 2, 3) }] } },
  { section: "5.4 fragmentation", name: "ping between fragments is answered at once", script: (m) => concat([f(Opcode.Text, "Hel", m, { fin: false }), f(Opcode.Ping, "p", m), f(Opcode.Continuation, "lo", m)]), expect: { kind: "events", events: [{ type: "ping", data: utf8("p") }, { type: "text", data: "Hello" }], replies: [{ opcode: Opcode.Pong, payload: utf8("p") }] } },
  { section: "5.4 fragmentation", name: "continuation without a message", script: (m) => f(Opcode.Continuation, "x", m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.4 fragmentation", name: "new text frame inside a fragmented message", script: (m) => concat([f(Opcode.Text, "a", m, { fin: false }), f(Opcode.Text, "b", m)]), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.4 fragmentation", name: "new binary frame inside a fragmented text message", script: (m) => concat([f(Opcode.Text, "a", m, { fin: false }), f(Opcode.Binary, "b", m)]), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.4 fragmentation", name: "fragmented ping", script: (m) => f(Opcode.Ping, "x", m, { fin: false }), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.4 fragmentation", name: "fragmented close", script: (m) => f(Opcode.Close, closePayload(1000), m, { fin: false }), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.4 fragmentation", name: "RSV1 on a continuation frame", script: (m) => concat([f(Opcode.Text, "a", m, { fin: false }), f(Opcode.Continuation, "b", m, { rsv: 0x40 })]), expect: { kind: "fail", closeCode: 1002 } },

  // --- §5.5.2/§5.5.3 ping and pong ---
  { section: "5.5 ping/pong", name: "empty ping gets an empty pong", script: (m) => f(Opcode.Ping, "", m), expect: { kind: "events", events: [{ type: "ping", data: new Uint8Array(0) }], replies: [{ opcode: Opcode.Pong, payload: new Uint8Array(0) }] } },
  { section: "5.5 ping/pong", name: "125-byte ping gets its payload back", script: (m) => f(Opcode.Ping, new Uint8Array(125).fill(0xfe), m), expect: { kind: "events", events: [{ type: "ping", data: new Uint8Array(125).fill(0xfe) }], replies: [{ opcode: Opcode.Pong, payload: new Uint8Array(125).fill(0xfe) }] } },
  { section: "5.5 ping/pong", name: "126-byte ping", script: (m) => customHeader(0x89, [126, 0, 126], new Uint8Array(126), m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "5.5 ping/pong", name: "unsolicited pong is accepted silently", script: (m) => f(Opcode.Pong, "hb", m), expect: { kind: "events", events: [{ type: "pong", data: utf8("hb") }], replies: [] } },
  { section: "5.5 ping/pong", name: "ping with binary payload", script: (m) => f(Opcode.Ping, bytes(0, 0xff, 0xfe, 0xfd, 0xfc), m), expect: { kind: "events", events: [{ type: "ping", data: bytes(0, 0xff, 0xfe, 0xfd, 0xfc) }], replies: [{ opcode: Opcode.Pong, payload: bytes(0, 0xff, 0xfe, 0xfd, 0xfc) }] } },
  { section: "5.5 ping/pong", name: "ten pings answered in order", script: (m) => concat(Array.from({ length: 10 }, (_, i) => f(Opcode.Ping, bytes(i), m))), expect: { kind: "events", events: Array.from({ length: 10 }, (_, i) => ({ type: "ping" as const, data: bytes(i) })), replies: Array.from({ length: 10 }, (_, i) => ({ opcode: Opcode.Pong, payload: bytes(i) })) } },

  // --- §8.1 UTF-8 ---
  { section: "8.1 utf-8", name: "multibyte text", script: (m) => f(Opcode.Text, "κόσμε 世界 🎉", m), expect: { kind: "events", events: [{ type: "text", data: "κόσμε 世界 🎉" }] } },
  { section: "8.1 utf-8", name: "leading byte-order mark is kept", script: (m) => f(Opcode.Text, bytes(0xef, 0xbb, 0xbf, 0x61), m), expect: { kind: "events", events: [{ type: "text", data: "\ufeffa" }] } },
  { section: "8.1 utf-8", name: "code point split across fragments", script: (m) => concat([f(Opcode.Text, bytes(0xf0, 0x9f), m, { fin: false }), f(Opcode.Continuation, bytes(0x8e, 0x89), m)]), expect: { kind: "events", events: [{ type: "text", data: "🎉" }] } },
  { section: "8.1 utf-8", name: "invalid byte in the first fragment fails before the message ends", script: (m) => f(Opcode.Text, bytes(0x61, 0xff, 0x62), m, { fin: false }), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "overlong two-byte form", script: (m) => f(Opcode.Text, bytes(0xc0, 0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "overlong three-byte form", script: (m) => f(Opcode.Text, bytes(0xe0, 0x80, 0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "surrogate", script: (m) => f(Opcode.Text, bytes(0xed, 0xa0, 0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "code point above U+10FFFF", script: (m) => f(Opcode.Text, bytes(0xf4, 0x90, 0x80, 0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "five-byte form", script: (m) => f(Opcode.Text, bytes(0xf8, 0x88, 0x80, 0x80, 0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "lone continuation byte", script: (m) => f(Opcode.Text, bytes(0x80), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "sequence truncated at the end of the message", script: (m) => f(Opcode.Text, bytes(0x61, 0xe2, 0x82), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "8.1 utf-8", name: "invalid binary is not checked", script: (m) => f(Opcode.Binary, bytes(0xff, 0xc0), m), expect: { kind: "events", events: [{ type: "binary", data: bytes(0xff, 0xc0) }] } },

  // --- limits ---
  { section: "limits", name: "frame over the frame size limit is refused from its header", options: { maxFrameSize: 1000 }, script: (m) => customHeader(0x82, [126, 0x03, 0xe9], new Uint8Array(0), m), expect: { kind: "fail", closeCode: 1009 } },
  { section: "limits", name: "message over the limit across fragments", options: { maxMessageSize: 100 }, script: (m) => concat([f(Opcode.Binary, new Uint8Array(60), m, { fin: false }), f(Opcode.Continuation, new Uint8Array(60), m)]), expect: { kind: "fail", closeCode: 1009 } },
  { section: "limits", name: "message exactly at the limit", options: { maxMessageSize: 100 }, script: (m) => concat([f(Opcode.Binary, new Uint8Array(50), m, { fin: false }), f(Opcode.Continuation, new Uint8Array(50), m)]), expect: { kind: "events", events: [{ type: "binary", data: new Uint8Array(100) }] } },
  { section: "limits", name: "empty fragments count toward the fragment limit", options: { maxFragments: 4 }, script: (m) => concat([f(Opcode.Text, "", m, { fin: false }), ...Array.from({ length: 4 }, () => f(Opcode.Continuation, "", m, { fin: false }))]), expect: { kind: "fail", closeCode: 1009 } },

  // --- §5.5.1 and §7 closing ---
  { section: "7 closing", name: "close 1000 with a reason is echoed", script: (m) => f(Opcode.Close, closePayload(1000, "bye"), m), expect: { kind: "close", code: 1000, reason: "bye", echo: 1000 } },
  { section: "7 closing", name: "empty close reports 1005 and is answered with an empty close", script: (m) => f(Opcode.Close, "", m), expect: { kind: "close", code: 1005, reason: "", echo: null } },
  ...[1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].map(
    (code): ConformanceCase => ({ section: "7 closing", name: `valid close code ${code}`, script: (m) => f(Opcode.Close, closePayload(code), m), expect: { kind: "close", code, reason: "", echo: code } }),
  ),
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map(
    (code): ConformanceCase => ({ section: "7 closing", name: `invalid close code ${code}`, script: (m) => f(Opcode.Close, closePayload(code), m), expect: { kind: "fail", closeCode: 1002 } }),
  ),
  { section: "7 closing", name: "close payload of one byte", script: (m) => f(Opcode.Close, bytes(0x03), m), expect: { kind: "fail", closeCode: 1002 } },
  { section: "7 closing", name: "close reason that is not UTF-8", script: (m) => f(Opcode.Close, concat([closePayload(1000), bytes(0xce, 0xba, 0xe1, 0xbd)]), m), expect: { kind: "fail", closeCode: 1007 } },
  { section: "7 closing", name: "close with a 123-byte reason", script: (m) => f(Opcode.Close, closePayload(1000, "r".repeat(123)), m), expect: { kind: "close", code: 1000, reason: "r".repeat(123), echo: 1000 } },
  { section: "7 closing", name: "frames after a close are not processed", script: (m) => concat([f(Opcode.Close, closePayload(1000), m), f(Opcode.Text, "late", m), f(Opcode.Ping, "late", m)]), expect: { kind: "close", code: 1000, reason: "", echo: 1000 } },
  { section: "7 closing", name: "close inside a fragmented message", script: (m) => concat([f(Opcode.Text, "par", m, { fin: false }), f(Opcode.Close, closePayload(1000), m)]), expect: { kind: "close", code: 1000, reason: "", echo: 1000 } },
  { section: "7 closing", name: "data then close", script: (m) => concat([f(Opcode.Text, "last", m), f(Opcode.Close, closePayload(1001), m)]), expect: { kind: "close", code: 1001, reason: "", echo: 1001, events: [{ type: "text", data: "last" }] } },
];
