/**
 * The named cases: a fixed table per group, run before the random scenarios. They cover the RFC
 * sections case by case and every wire-level entry of the bad-input catalogue, so a report
 * always says how the endpoint handles each of them, whatever the random part finds.
 */
import { concat, pseudoRandomBytes, utf8 } from "./bytes.js";
import { INVALID_UTF8_SEQUENCES, VALID_CLOSE_CODES, INVALID_CLOSE_CODES, VALID_RESPONSE } from "./arbitraries/index.js";
import { frame, OP, RSV1, RSV2, RSV3, type WireFrame } from "./frames.js";
import { KIT_KEY, type RequestSpec, validRequest } from "./http.js";
import type { CompressedMessage, FrameScenario, GroupName, HandshakeScenario, ResponseScenario, Scenario, ScriptItem } from "./scenario.js";

const b = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (t: string | Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.text, typeof t === "string" ? utf8(t) : t, extra);
const binary = (data: Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.binary, data, extra);
const cont = (t: string | Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.continuation, typeof t === "string" ? utf8(t) : t, extra);
const ping = (t: string | Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.ping, typeof t === "string" ? utf8(t) : t, extra);
const pong = (t: string | Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.pong, typeof t === "string" ? utf8(t) : t, extra);
const close = (payload: Uint8Array, extra: Partial<WireFrame> = {}): WireFrame => frame(OP.close, payload, extra);
const code = (c: number, reason: Uint8Array | string = ""): Uint8Array => concat([b(c >> 8, c & 0xff), typeof reason === "string" ? utf8(reason) : reason]);
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const printable = (n: number, seed: number): Uint8Array => pseudoRandomBytes(n, seed).map((x) => 0x20 + (x % 0x5f));

function group(name: GroupName, rows: ReadonlyArray<readonly [string, ScriptItem[], Partial<FrameScenario>?]>): FrameScenario[] {
  return rows.map(([caseName, items, extra]) => ({ kind: "frames", group: name, name: caseName, items, ...extra }));
}

/** Cut fractions that deliver every byte of a script of `n` bytes on its own. */
const everyByte = (n: number): number[] => Array.from({ length: n - 1 }, (_, i) => (i + 1) / n + 1e-9);

const compressed = (plain: Uint8Array | string, extra: Partial<Omit<CompressedMessage, "kind">> = {}): CompressedMessage => ({
  kind: "compressed",
  opcode: OP.text,
  plain: typeof plain === "string" ? utf8(plain) : plain,
  mode: "sync",
  fragments: 1,
  ...extra,
});

const FRAMING: FrameScenario[] = group("framing", [
  ["single-frame text", [text("Hello")]],
  ["empty text message", [text("")]],
  ["empty binary message", [binary(new Uint8Array(0))]],
  ["binary with every byte value", [binary(allBytes)]],
  ["125-byte payload (7-bit length)", [binary(pseudoRandomBytes(125, 1))]],
  ["126-byte payload (16-bit length)", [binary(pseudoRandomBytes(126, 2))]],
  ["65535-byte payload (largest 16-bit length)", [binary(pseudoRandomBytes(65535, 3))]],
  ["65536-byte payload (64-bit length)", [binary(pseudoRandomBytes(65536, 4))]],
  ["three messages in one write", [text("one"), binary(b(2)), text("three")]],
  ["a text frame delivered one byte at a time", [text("Hello, byte by byte")], { cuts: everyByte(6 + 19) }],
  ["a fragmented message cut across frame headers", [text("split ", { fin: false }), cont("across "), ping("p")], { cuts: [0.1, 0.33, 0.5, 0.71, 0.9] }],
  ["frame with the wrong mask bit for its direction", [text("Hello")].map((f) => ({ ...f, masked: "flip" as unknown as boolean }))],
  ["5 bytes in a 16-bit length field (non-minimal)", [binary(b(1, 2, 3, 4, 5), { lengthForm: "16" })]],
  ["5 bytes in a 64-bit length field (non-minimal)", [binary(b(1, 2, 3, 4, 5), { lengthForm: "64" })]],
  ["200 bytes in a 64-bit length field (non-minimal)", [binary(pseudoRandomBytes(200, 5), { lengthForm: "64" })]],
  ["ping with a non-minimal 16-bit length", [ping("p", { lengthForm: "16" })]],
  ["64-bit length with the most significant bit set", [binary(new Uint8Array(0), { msb: true, declaredLength: 1 })]],
]);

const RESERVED: FrameScenario[] = group("reserved", [
  ["RSV1 on a text frame without an extension", [text("x", { rsv: RSV1 })]],
  ["RSV2 on a binary frame", [binary(b(1), { rsv: RSV2 })]],
  ["RSV3 on a text frame", [text("x", { rsv: RSV3 })]],
  ["RSV3 on a ping", [ping("x", { rsv: RSV3 })]],
  ["all RSV bits after a valid message", [text("ok"), text("x", { rsv: RSV1 | RSV2 | RSV3 })]],
  ["RSV1 on a continuation frame", [text("a", { fin: false }), cont("b", { rsv: RSV1 })]],
  ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((op): readonly [string, ScriptItem[]] => [`reserved opcode ${op}`, [frame(op, new Uint8Array(0))]]),
  ["reserved opcode 5 after a valid message", [text("before"), frame(5, b(1, 2))]],
]);

const FRAGMENTATION: FrameScenario[] = group("fragmentation", [
  ["text in two fragments", [text("Hel", { fin: false }), cont("lo")]],
  ["binary in three fragments with an empty one", [binary(b(1), { fin: false }), cont(new Uint8Array(0), { fin: false }), cont(b(2, 3))]],
  ["ping between fragments is answered at once", [text("Hel", { fin: false }), ping("p"), cont("lo")]],
  ["pong between fragments", [text("Hel", { fin: false }), pong("p"), cont("lo")]],
  ["ping after every fragment", [text("a", { fin: false }), ping("1"), cont("b", { fin: false }), ping("2"), cont("c", { fin: false }), ping("3"), cont("d")]],
  ["first fragment empty", [text("", { fin: false }), cont("data")]],
  ["last fragment empty", [binary(b(9), { fin: false }), cont(new Uint8Array(0))]],
  ["100 empty fragments", [text("", { fin: false }), ...Array.from({ length: 98 }, () => cont("", { fin: false })), cont("end")]],
  ["continuation without a message", [cont("x")]],
  ["final continuation without a message", [cont("x", { fin: true })]],
  ["new text frame inside a fragmented message", [text("a", { fin: false }), text("b")]],
  ["new binary frame inside a fragmented text message", [text("a", { fin: false }), binary(b(1))]],
  ["fragmented ping", [ping("x", { fin: false })]],
  ["fragmented ping inside a message", [text("a", { fin: false }), ping("x", { fin: false }), cont("b")]],
  ["fragmented close", [close(code(1000), { fin: false })]],
  ["fragmented pong", [pong("x", { fin: false }), pong("y")]],
]);

const CONTROL: FrameScenario[] = group("control", [
  ["empty ping gets an empty pong", [ping("")]],
  ["125-byte ping gets its payload back", [ping(new Uint8Array(125).fill(0xfe))]],
  ["ping with a binary payload", [ping(b(0, 0xff, 0xfe, 0xfd, 0xfc))]],
  ["ten pings", Array.from({ length: 10 }, (_, i) => ping(b(i)))],
  ["unsolicited pong is ignored", [pong("heartbeat")]],
  ["unsolicited empty pong", [pong("")]],
  ["126-byte ping", [ping(new Uint8Array(126))]],
  ["126-byte pong", [pong(new Uint8Array(126))]],
  ["200-byte close", [close(concat([code(1000), new Uint8Array(198).fill(0x61)]))]],
  ["ping then a message then a ping", [ping("1"), text("m"), ping("2")]],
]);

const UTF8: FrameScenario[] = group("utf8", [
  ["multibyte text", [text("κόσμε 世界 🎉")]],
  ["leading byte-order mark is data", [text(b(0xef, 0xbb, 0xbf, 0x61))]],
  ["U+10FFFF and U+FFFF are valid", [text(b(0xf4, 0x8f, 0xbf, 0xbf, 0xef, 0xbf, 0xbf))]],
  ["code point split across fragments", [text(b(0xf0, 0x9f), { fin: false }), cont(b(0x8e, 0x89))]],
  ["code point split across three fragments", [text(b(0xce), { fin: false }), cont(b(0xba, 0xe1, 0xbd), { fin: false }), cont(b(0xb9, 0xcf, 0x83))]],
  ["invalid byte in the first fragment, message left open (fail fast)", [text(b(0x61, 0xff, 0x62), { fin: false })]],
  ["invalid byte in the first fragment, ping, then the rest", [text(b(0x61, 0xed, 0xa0, 0x80), { fin: false }), ping("after"), cont("b")]],
  ["invalid sequence spanning two fragments", [text(b(0x61, 0xf4), { fin: false }), cont(b(0x90, 0x80, 0x80))]],
  ["invalid text in the last fragment", [text("valid ", { fin: false }), cont(b(0xc0, 0xaf))]],
  ...INVALID_UTF8_SEQUENCES.map(([name, bytes]): readonly [string, ScriptItem[]] => [`invalid UTF-8: ${name}`, [text(concat([utf8("ab"), Uint8Array.from(bytes), utf8("cd")]))]]),
  ["sequence truncated at the end of the message", [text(b(0x61, 0xe2, 0x82))]],
  ["sequence truncated at the end of a fragmented message", [text(b(0x61), { fin: false }), cont(b(0xf0, 0x9f, 0x8e))]],
  ["invalid UTF-8 in a binary message is data", [binary(b(0xff, 0xc0, 0xed, 0xa0, 0x80))]],
  ["invalid UTF-8 in a ping is data", [ping(b(0xff, 0xfe))]],
]);

const CLOSING: FrameScenario[] = group("closing", [
  ["close 1000 with a reason", [close(code(1000, "bye"))]],
  ["empty close", [close(new Uint8Array(0))]],
  ...VALID_CLOSE_CODES.filter((c) => c !== 1000).map((c): readonly [string, ScriptItem[]] => [`valid close code ${c}`, [close(code(c))]]),
  ...INVALID_CLOSE_CODES.map((c): readonly [string, ScriptItem[]] => [`invalid close code ${c}`, [close(code(c))]]),
  ["close payload of one byte", [close(b(0x03))]],
  ["close reason that is not UTF-8", [close(code(1000, b(0xce, 0xba, 0xe1, 0xbd)))]],
  ["close reason cut inside a code point", [close(code(1000, b(0x61, 0xe2, 0x82)))]],
  ["close with a 123-byte reason", [close(code(1000, "r".repeat(123)))]],
  ["frames after a close are not processed", [close(code(1000)), text("late"), ping("late")]],
  ["close inside a fragmented message", [text("par", { fin: false }), close(code(1000))]],
  ["data then close in one write", [text("last"), close(code(1001))]],
  ["ping then close: the ping is answered", [ping("first"), close(code(1000))]],
]);

const LIMITS: FrameScenario[] = group("limits", [
  ["1 MiB binary message in one frame", [binary(pseudoRandomBytes(1 << 20, 7))]],
  ["1 MiB binary message in 64 fragments", dataFrames(OP.binary, pseudoRandomBytes(1 << 20, 8), 64)],
  ["256 KiB text message in 4 fragments", dataFrames(OP.text, printable(256 * 1024, 9), 4)],
  ["1000 fragments of one byte", dataFrames(OP.binary, new Uint8Array(1000).fill(0x61), 1000)],
  ["header announcing 2^31 bytes", [binary(new Uint8Array(0), { declaredLength: 2 ** 31 })], { openEnded: true }],
  ["header announcing 2^53 - 1 bytes", [binary(new Uint8Array(0), { declaredLength: Number.MAX_SAFE_INTEGER })], { openEnded: true }],
]);

const DEFLATE: FrameScenario[] = group("deflate", [
  ["compressed text", [compressed("Hello, compressed world! ".repeat(4))]],
  ["compressed binary", [compressed(pseudoRandomBytes(300, 11).map((x) => x & 3), { opcode: OP.binary })]],
  ["empty compressed message (a single 0x00)", [compressed("")]],
  ["compressed message in three fragments", [compressed("fragmented and compressed ".repeat(10), { fragments: 3 })]],
  ["ping between compressed fragments", [compressed("interleaved ".repeat(10), { fragments: 2, interleaved: [ping("mid")] })]],
  ["context takeover: a message referencing the previous one", [compressed("the same text, twice, the same text"), compressed("the same text, twice, the same text")]],
  ["a final-block (BFINAL) message, then another", [compressed("final block message", { mode: "final" }), compressed("the next message after a final block")]],
  ["compressed, then uncompressed, then compressed", [compressed("first compressed"), text("plain in between"), compressed("first compressed again")]],
  ["64 KiB compressible message", [compressed(printable(64 * 1024, 12).map((x) => 0x61 + (x % 4)))]],
  ["RSV1 on a continuation frame", [{ ...compressed("continuation with rsv1 ".repeat(8), { fragments: 2 }), rsv1OnContinuations: true }]],
  ["RSV1 on a ping", [ping("x", { rsv: RSV1 })]],
  ["RSV2 with permessage-deflate", [text("x", { rsv: RSV2 })]],
  ["compressed data that cannot be inflated", [compressed("garbage", { mode: "corrupt" })]],
  ["compressed text that inflates to invalid UTF-8", [compressed(b(0x61, 0xff, 0x62), { opcode: OP.text })]],
]);

function dataFrames(opcode: number, data: Uint8Array, pieces: number): WireFrame[] {
  const out: WireFrame[] = [];
  for (let i = 0; i < pieces; i++) {
    out.push(frame(i === 0 ? opcode : OP.continuation, data.slice(Math.floor((data.length * i) / pieces), Math.floor((data.length * (i + 1)) / pieces)), { fin: i === pieces - 1 }));
  }
  return out;
}

const hs = (name: string, spec: RequestSpec): HandshakeScenario => ({ kind: "handshake", group: "handshake", name, request: spec });
/** `$HOST` and `$TARGET` are replaced by the endpoint with the URL's host and path. */
const valid = (extra: ReadonlyArray<readonly [string, string]> = []): RequestSpec => validRequest("$HOST", "$TARGET", extra);
const withHeader = (name: string, value: string | null): RequestSpec => {
  const base = valid();
  const headers = base.headers.filter(([n]) => n !== name);
  return { ...base, headers: value === null ? headers : [...headers, [name, value]] };
};

const HANDSHAKE_REQUESTS: HandshakeScenario[] = [
  hs("valid request", valid()),
  hs("header names in lower case", { ...valid(), headers: valid().headers.map(([n, v]) => [n.toLowerCase(), v] as const) }),
  hs("Upgrade: WebSocket (case-insensitive)", withHeader("Upgrade", "WebSocket")),
  hs("Connection: keep-alive, Upgrade", withHeader("Connection", "keep-alive, Upgrade")),
  hs("with Origin", valid([["Origin", "http://example.com"]])),
  hs("subprotocols the server does not know", valid([["Sec-WebSocket-Protocol", "chat, superchat"]])),
  hs("header names __proto__, constructor, hasOwnProperty are data", valid([["__proto__", "x"], ["constructor", "y"], ["hasOwnProperty", "z"]])),
  hs("POST", { ...valid(), method: "POST" }),
  hs("lower-case method", { ...valid(), method: "get" }),
  hs("HTTP/1.0", { ...valid(), version: "HTTP/1.0" }),
  hs("no Host", withHeader("Host", null)),
  hs("two Host headers", valid([["Host", "other.example"]])),
  hs("no Upgrade", withHeader("Upgrade", null)),
  hs("Upgrade: h2c", withHeader("Upgrade", "h2c")),
  hs("no Connection", withHeader("Connection", null)),
  hs("Connection: close", withHeader("Connection", "close")),
  hs("no Sec-WebSocket-Key", withHeader("Sec-WebSocket-Key", null)),
  hs("Sec-WebSocket-Key not base64", withHeader("Sec-WebSocket-Key", "not base64 at all!!")),
  hs("Sec-WebSocket-Key of 15 bytes", withHeader("Sec-WebSocket-Key", Buffer.alloc(15, 1).toString("base64"))),
  hs("Sec-WebSocket-Key of 17 bytes", withHeader("Sec-WebSocket-Key", Buffer.alloc(17, 1).toString("base64"))),
  hs("two Sec-WebSocket-Key headers", valid([["Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw=="]])),
  hs("no Sec-WebSocket-Version", withHeader("Sec-WebSocket-Version", null)),
  hs("Sec-WebSocket-Version: 8 (a draft)", withHeader("Sec-WebSocket-Version", "8")),
  hs("Sec-WebSocket-Version: 12 (reserved)", withHeader("Sec-WebSocket-Version", "12")),
  hs("Sec-WebSocket-Version: 14", withHeader("Sec-WebSocket-Version", "14")),
  hs("Sec-WebSocket-Version: 13, 8", withHeader("Sec-WebSocket-Version", "13, 8")),
  hs("two Sec-WebSocket-Version headers", valid([["Sec-WebSocket-Version", "13"]])),
  hs("permessage-deflate offer", valid([["Sec-WebSocket-Extensions", "permessage-deflate"]])),
  hs("permessage-deflate with every parameter", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits"]])),
  hs("permessage-deflate with server_max_window_bits=8", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=8"]])),
  hs("permessage-deflate with a quoted value", valid([["Sec-WebSocket-Extensions", 'permessage-deflate; client_max_window_bits="10"']])),
  hs("invalid offer: server_max_window_bits=7", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=7"]])),
  hs("invalid offer: server_max_window_bits=16", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=16"]])),
  hs("invalid offer: client_max_window_bits=08", valid([["Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits=08"]])),
  hs("invalid offer: server_max_window_bits=1000", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=1000"]])),
  hs("invalid offer: server_max_window_bits without a value", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits"]])),
  hs("invalid offer: an unknown parameter", valid([["Sec-WebSocket-Extensions", "permessage-deflate; x_unknown"]])),
  hs("invalid offer: a duplicated parameter", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover; server_no_context_takeover"]])),
  hs("invalid offer: server_no_context_takeover with a value", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover=1"]])),
  hs("an invalid offer, then a valid one", valid([["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=16, permessage-deflate"]])),
  hs("an unknown extension only", valid([["Sec-WebSocket-Extensions", "x-unknown-extension; a=1"]])),
  hs("200 extra headers", valid(Array.from({ length: 200 }, (_, i) => [`X-Filler-${i}`, "v"] as const))),
  hs("a 20 KiB header value", valid([["X-Long", "a".repeat(20 * 1024)]])),
];

const replaceHeader = (name: string, value: string): ResponseScenario["response"] => ({
  ...VALID_RESPONSE,
  headers: VALID_RESPONSE.headers.map(([n, v]): readonly [string, string] => (n === name ? [n, value] : [n, v])),
});
const rs = (name: string, spec: ResponseScenario["response"]): ResponseScenario => ({ kind: "response", group: "handshake", name, response: spec });
const HANDSHAKE_RESPONSES: ResponseScenario[] = [
  rs("valid 101", VALID_RESPONSE),
  rs("valid 101 with lower-case header names", { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.map(([n, v]) => [n.toLowerCase(), v] as const) }),
  ...[200, 400, 403, 302].map((status) => rs(`status ${status}`, { status, reason: "", headers: [["Content-Length", "0"]] })),
  rs("101 without Upgrade", { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.filter(([n]) => n !== "Upgrade") }),
  rs("101 with Upgrade: h2c", replaceHeader("Upgrade", "h2c")),
  rs("101 without Connection", { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.filter(([n]) => n !== "Connection") }),
  rs("101 without Sec-WebSocket-Accept", { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.filter(([n]) => n !== "Sec-WebSocket-Accept") }),
  rs("101 with the accept value of another key", replaceHeader("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")),
  rs("101 with the key echoed as the accept value", replaceHeader("Sec-WebSocket-Accept", KIT_KEY)),
  rs("101 with an extension that was not offered", { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Extensions", "x-not-offered"]] }),
  rs("101 with a subprotocol that was not offered", { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Protocol", "not-offered"]] }),
  rs("101 with Sec-WebSocket-Accept twice", { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Accept", "$ACCEPT"]] }),
];

const FRAME_CASES: Readonly<Record<Exclude<GroupName, "handshake">, FrameScenario[]>> = {
  framing: FRAMING,
  reserved: RESERVED,
  fragmentation: FRAGMENTATION,
  control: CONTROL,
  utf8: UTF8,
  closing: CLOSING,
  limits: LIMITS,
  deflate: DEFLATE,
};

/**
 * The named cases of `group` for an endpoint of `role`. The "wrong mask bit" case is resolved
 * here: the bit a peer of that role must not use.
 */
export function namedCases(group: GroupName, role: "server" | "client"): Scenario[] {
  if (group === "handshake") return role === "server" ? HANDSHAKE_REQUESTS : HANDSHAKE_RESPONSES;
  const defaultMasked = role === "server";
  return FRAME_CASES[group].map((s) => ({
    ...s,
    items: s.items.map((item) => ("masked" in item && (item.masked as unknown) === "flip" ? { ...item, masked: !defaultMasked } : item)),
    ...(group === "deflate" ? { deflate: true } : {}),
  }));
}
