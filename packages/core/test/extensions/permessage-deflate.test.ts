import zlib from "node:zlib";
import { Deflate, Inflate, deflateSync } from "fflate";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HandshakeError, LocalProtocolError, RemoteProtocolError } from "../../src/errors.js";
import { RSV1 } from "../../src/frame/opcode.js";
import type { Extension, ExtensionOffer, ExtensionParam } from "../../src/extensions/extension.js";
import {
  createPermessageDeflate,
  hasSoundStreamingDeflate,
  permessageDeflate,
  type PerMessageDeflateOptions,
} from "../../src/extensions/permessage-deflate.js";
import { concat, hex, toHex, utf8 } from "../helpers/bytes.js";
import { seededRandom } from "../helpers/random.js";
import { deflateBomb, firstDifference, inspectDeflate } from "../helpers/deflate-stream.js";
// The codec @wsengine/node ships, over real node:zlib: core's native path is tested against it.
import { zlibDeflate } from "../../../node/src/zlib-deflate.js";

const NAME = "permessage-deflate";
const TRAILER = hex("0000ffff");
const offer = (...params: ExtensionParam[]): ExtensionOffer => ({ name: NAME, params });

/** A server extension that agreed on `params` (the offer) under the default policy. */
function serverWith(params: ExtensionParam[] = [], options: PerMessageDeflateOptions = {}): Extension {
  const result = permessageDeflate(options).negotiate([offer(...params)]);
  if (result === null) throw new Error("declined");
  return result.extension;
}

/** Decode one whole message (given as payload slices) with a generous limit. */
function decodeMessage(ext: Extension, slices: readonly Uint8Array[], limit = 1 << 20): Uint8Array {
  const out: Uint8Array[] = [];
  slices.forEach((slice, i) => out.push(...ext.decode(slice, RSV1, i === slices.length - 1, limit)));
  return concat(out);
}

/** Send a whole message through `encode`, cut into fragments at `cuts`. */
function encodeMessage(ext: Extension, data: Uint8Array, cuts: readonly number[] = []): { payloads: Uint8Array[]; rsv: number } {
  const bounds = [0, ...cuts, data.length];
  const payloads: Uint8Array[] = [];
  let rsv = -1;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const r = ext.encode(data.subarray(bounds[i], bounds[i + 1]), i === 0, i + 2 === bounds.length);
    if (i === 0) rsv = r.rsv;
    payloads.push(r.data.slice());
  }
  return { payloads, rsv };
}

const inflateRaw = (data: Uint8Array, windowBits = 15): Uint8Array =>
  new Uint8Array(zlib.inflateRawSync(data, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH }));

/** Every message through the native codec, however short. */
const NATIVE: PerMessageDeflateOptions = { native: zlibDeflate, nativeThreshold: 0 };
const CODECS = [
  ["fflate", {}],
  ["node:zlib", NATIVE],
] as const satisfies readonly (readonly [string, PerMessageDeflateOptions])[];

function expectRemoteError(run: () => unknown, code: "MESSAGE_TOO_BIG" | "INVALID_COMPRESSED_DATA"): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RemoteProtocolError);
  expect((error as RemoteProtocolError).code).toBe(code);
}

describe("RFC 7692 §7.1 negotiation: server", () => {
  // [offer params, expected response params], default policy.
  const accepted: [string, ExtensionParam[], ExtensionParam[]][] = [
    ["no parameters", [], []],
    ["client_max_window_bits without a value", [["client_max_window_bits", null]], []],
    ["client_max_window_bits with a value", [["client_max_window_bits", "10"]], []],
    ["server_no_context_takeover", [["server_no_context_takeover", null]], [["server_no_context_takeover", null]]],
    ["client_no_context_takeover (echoed)", [["client_no_context_takeover", null]], [["client_no_context_takeover", null]]],
    ["server_max_window_bits=8", [["server_max_window_bits", "8"]], [["server_max_window_bits", "8"]]],
    ["server_max_window_bits=15", [["server_max_window_bits", "15"]], [["server_max_window_bits", "15"]]],
    [
      "all four",
      [
        ["client_max_window_bits", "9"],
        ["server_max_window_bits", "12"],
        ["client_no_context_takeover", null],
        ["server_no_context_takeover", null],
      ],
      [
        ["server_no_context_takeover", null],
        ["client_no_context_takeover", null],
        ["server_max_window_bits", "12"],
      ],
    ],
  ];
  it.each(accepted)("accepts %s", (_, params, response) => {
    const result = permessageDeflate().negotiate([offer(...params)]);
    expect(result?.response).toEqual({ name: NAME, params: response });
    expect(result?.extension.name).toBe(NAME);
    expect(result?.extension.rsvBits).toBe(RSV1);
  });

  const declined: [string, ExtensionParam[]][] = [
    ["an unknown parameter", [["x_custom", null]]],
    ["a parameter in another case", [["Server_No_Context_Takeover", null]]],
    ["a duplicated parameter", [["server_no_context_takeover", null], ["server_no_context_takeover", null]]],
    ["a duplicated window", [["client_max_window_bits", "10"], ["client_max_window_bits", "10"]]],
    ["server_no_context_takeover with a value", [["server_no_context_takeover", "1"]]],
    ["client_no_context_takeover with a value", [["client_no_context_takeover", ""]]],
    ["server_max_window_bits without a value", [["server_max_window_bits", null]]],
    ["server_max_window_bits=7", [["server_max_window_bits", "7"]]],
    ["server_max_window_bits=16", [["server_max_window_bits", "16"]]],
    ["server_max_window_bits=1000", [["server_max_window_bits", "1000"]]],
    ["server_max_window_bits with a leading zero", [["server_max_window_bits", "09"]]],
    ["server_max_window_bits with a sign", [["server_max_window_bits", "+9"]]],
    ["server_max_window_bits=10.0", [["server_max_window_bits", "10.0"]]],
    ["server_max_window_bits empty", [["server_max_window_bits", ""]]],
    ["client_max_window_bits=7", [["client_max_window_bits", "7"]]],
    ["client_max_window_bits=abc", [["client_max_window_bits", "abc"]]],
    ["client_max_window_bits with spaces", [["client_max_window_bits", " 10"]]],
  ];
  it.each(declined)("declines an offer with %s", (_, params) => {
    expect(permessageDeflate().negotiate([offer(...params)])).toBeNull();
  });

  it("accepts values that arrived as quoted strings (already unquoted)", () => {
    expect(permessageDeflate().negotiate([offer(["server_max_window_bits", "10"])])?.response.params).toEqual([["server_max_window_bits", "10"]]);
  });

  it("falls back to the next offer after a declined one, in the client's order", () => {
    const result = permessageDeflate().negotiate([
      offer(["server_max_window_bits", "1000"]),
      offer(["mystery", null]),
      offer(["server_max_window_bits", "9"]),
      offer(),
    ]);
    expect(result?.response.params).toEqual([["server_max_window_bits", "9"]]);
  });

  it("declines everything when no offer is valid", () => {
    expect(permessageDeflate().negotiate([offer(["server_max_window_bits", "7"]), offer(["a", null])])).toBeNull();
    expect(permessageDeflate().negotiate([])).toBeNull();
  });

  it("ignores offers for other extensions", () => {
    const result = permessageDeflate().negotiate([{ name: "x-webkit-deflate-frame", params: [] }, offer()]);
    expect(result?.response).toEqual({ name: NAME, params: [] });
  });

  describe("policy", () => {
    const cases: [string, PerMessageDeflateOptions, ExtensionParam[], ExtensionParam[] | null][] = [
      ["insists on server_no_context_takeover", { serverNoContextTakeover: true }, [], [["server_no_context_takeover", null]]],
      ["insists on client_no_context_takeover", { clientNoContextTakeover: true }, [], [["client_no_context_takeover", null]]],
      ["announces its smaller window", { serverMaxWindowBits: 10 }, [], [["server_max_window_bits", "10"]]],
      ["keeps its window below a larger request", { serverMaxWindowBits: 10 }, [["server_max_window_bits", "12"]], [["server_max_window_bits", "10"]]],
      ["grants a smaller request", { serverMaxWindowBits: 10 }, [["server_max_window_bits", "9"]], [["server_max_window_bits", "9"]]],
      ["limits the client window", { clientMaxWindowBits: 10 }, [["client_max_window_bits", null]], [["client_max_window_bits", "10"]]],
      ["keeps a smaller client window", { clientMaxWindowBits: 10 }, [["client_max_window_bits", "9"]], [["client_max_window_bits", "9"]]],
      ["caps a larger client window", { clientMaxWindowBits: 8 }, [["client_max_window_bits", "12"]], [["client_max_window_bits", "8"]]],
      ["declines a client that cannot limit its window", { clientMaxWindowBits: 10 }, [], null],
    ];
    it.each(cases)("%s", (_, options, params, response) => {
      const result = permessageDeflate(options).negotiate([offer(...params)]);
      expect(result === null ? null : result.response.params).toEqual(response);
    });

    it("skips to an offer that satisfies a window policy", () => {
      const result = permessageDeflate({ clientMaxWindowBits: 9 }).negotiate([offer(), offer(["client_max_window_bits", null])]);
      expect(result?.response.params).toEqual([["client_max_window_bits", "9"]]);
    });
  });

  it("rejects invalid options", () => {
    const bad: PerMessageDeflateOptions[] = [
      { level: 10 },
      { level: 1.5 },
      { memLevel: 13 },
      { serverMaxWindowBits: 7 },
      { clientMaxWindowBits: 16 },
      { threshold: -1 },
      { threshold: Number.NaN },
      { offers: [] },
      { offers: [[["server_max_window_bits", "99"]]] },
    ];
    for (const options of bad) {
      expect(() => permessageDeflate(options), JSON.stringify(options)).toThrow(LocalProtocolError);
    }
  });
});

describe("RFC 7692 §7.1 negotiation: client", () => {
  it("offers client_max_window_bits without a value by default", () => {
    expect(permessageDeflate().offers()).toEqual([offer(["client_max_window_bits", null])]);
  });

  it("asks for every parameter from the options", () => {
    const offers = permessageDeflate({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    }).offers();
    expect(offers).toEqual([
      offer(
        ["server_no_context_takeover", null],
        ["client_no_context_takeover", null],
        ["server_max_window_bits", "10"],
        ["client_max_window_bits", "9"],
      ),
    ]);
  });

  it("sends custom offers in order", () => {
    const offers: ExtensionParam[][] = [[["server_max_window_bits", "10"], ["client_max_window_bits", null]], []];
    expect(permessageDeflate({ offers }).offers()).toEqual(offers.map((p) => offer(...p)));
  });

  // [offers (null: default), response params]
  const accepted: [string, ExtensionParam[][] | null, ExtensionParam[]][] = [
    ["a plain response", null, []],
    ["server_no_context_takeover added by the server", null, [["server_no_context_takeover", null]]],
    ["client_no_context_takeover imposed by the server", null, [["client_no_context_takeover", null]]],
    ["server_max_window_bits announced by the server", null, [["server_max_window_bits", "9"]]],
    ["client_max_window_bits=8 after a valueless offer", null, [["client_max_window_bits", "8"]]],
    ["a granted server_no_context_takeover", [[["server_no_context_takeover", null]]], [["server_no_context_takeover", null]]],
    ["a granted server_max_window_bits", [[["server_max_window_bits", "10"]]], [["server_max_window_bits", "10"]]],
    ["a smaller server_max_window_bits than asked", [[["server_max_window_bits", "10"]]], [["server_max_window_bits", "8"]]],
    ["a smaller client_max_window_bits than offered", [[["client_max_window_bits", "12"]]], [["client_max_window_bits", "9"]]],
    ["the answer to the second offer", [[["server_max_window_bits", "10"]], []], []],
  ];
  it.each(accepted)("accepts %s", (_, offers, params) => {
    const factory = permessageDeflate(offers === null ? {} : { offers });
    expect(factory.accept(offer(...params)).name).toBe(NAME);
  });

  const refused: [string, ExtensionParam[][] | null, ExtensionOffer][] = [
    ["another extension's name", null, { name: "x-deflate", params: [] }],
    ["an unknown parameter", null, offer(["x", null])],
    ["a duplicated parameter", null, offer(["server_no_context_takeover", null], ["server_no_context_takeover", null])],
    ["client_max_window_bits without a value", null, offer(["client_max_window_bits", null])],
    ["client_max_window_bits that was not offered", [[]], offer(["client_max_window_bits", "10"])],
    ["client_max_window_bits above the offered value", [[["client_max_window_bits", "10"]]], offer(["client_max_window_bits", "11"])],
    ["server_max_window_bits above the request", [[["server_max_window_bits", "10"]]], offer(["server_max_window_bits", "11"])],
    ["no server_max_window_bits after a request", [[["server_max_window_bits", "10"]]], offer()],
    ["no server_no_context_takeover after a request", [[["server_no_context_takeover", null]]], offer()],
    ["an out-of-range window", null, offer(["server_max_window_bits", "16"])],
    ["non-digit window bits", null, offer(["client_max_window_bits", "ten"])],
    ["a valued no_context_takeover", null, offer(["client_no_context_takeover", "true"])],
  ];
  it.each(refused)("fails with 1010 on %s", (_, offers, response) => {
    const factory = permessageDeflate(offers === null ? {} : { offers });
    let error: unknown;
    try {
      factory.accept(response);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe("EXTENSION_NOT_ACCEPTED");
    expect((error as HandshakeError).closeCode).toBe(1010);
    expect((error as HandshakeError).status).toBe(0);
  });

  it("honours client_no_context_takeover imposed by the server", () => {
    const message = utf8("a message long enough to be compressed, and compressed again: ".repeat(3));
    const withTakeover = permessageDeflate().accept(offer());
    const without = permessageDeflate().accept(offer(["client_no_context_takeover", null]));
    const first = encodeMessage(without, message).payloads[0]!;
    expect(encodeMessage(without, message).payloads[0]).toEqual(first);
    encodeMessage(withTakeover, message);
    expect(encodeMessage(withTakeover, message).payloads[0]!.length).toBeLessThan(first.length / 4);
  });

  it("keeps the promises of every offer the response could answer", () => {
    // Both offers fit a plain response; the second promised no context takeover, so keep it.
    const factory = permessageDeflate({ offers: [[], [["client_no_context_takeover", null]]] });
    const ext = factory.accept(offer());
    const message = utf8("a message long enough to be compressed, and compressed again: ".repeat(3));
    expect(encodeMessage(ext, message).payloads).toEqual(encodeMessage(ext, message).payloads);
  });
});

describe.each(CODECS)("RFC 7692 §7.2.3 examples, received (%s)", (_, codec) => {
  it("§7.2.3.1 a message compressed as one frame", () => {
    expect(decodeMessage(serverWith([], codec), [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
  });

  it("§7.2.3.1 the same message in two fragments, and in every split", () => {
    const payload = hex("f248cdc9c90700");
    for (let a = 0; a <= payload.length; a++) {
      for (let b = a; b <= payload.length; b++) {
        const slices = [payload.subarray(0, a), payload.subarray(a, b), payload.subarray(b)];
        expect(decodeMessage(serverWith([], codec), slices)).toEqual(utf8("Hello"));
      }
    }
  });

  it("§7.2.3.2 two messages sharing the LZ77 window", () => {
    const ext = serverWith([], codec);
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
    expect(decodeMessage(ext, [hex("f200110000")])).toEqual(utf8("Hello"));
  });

  it("§7.2.3.3 a DEFLATE block with no compression", () => {
    expect(decodeMessage(serverWith([], codec), [hex("0005 00faff 48656c6c6f 00")])).toEqual(utf8("Hello"));
  });

  it("§7.2.3.4 a DEFLATE block with BFINAL set, then another message", () => {
    const ext = serverWith([], codec);
    expect(decodeMessage(ext, [hex("f348cdc9c90700 00")])).toEqual(utf8("Hello"));
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
    // Without the extra octet too, split inside the block.
    expect(decodeMessage(ext, [hex("f348cd"), hex("c9c90700")])).toEqual(utf8("Hello"));
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
  });

  it("§7.2.3.5 two DEFLATE blocks in one message", () => {
    expect(decodeMessage(serverWith([], codec), [hex("f24805000000ffff cac9c90700")])).toEqual(utf8("Hello"));
  });

  it("§7.2.3.6 an empty fragment (0x00), here as a whole message", () => {
    const ext = serverWith([], codec);
    expect(decodeMessage(ext, [hex("00")])).toEqual(new Uint8Array(0));
    expect(decodeMessage(ext, [hex("00"), new Uint8Array(0)])).toEqual(new Uint8Array(0));
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
  });

  it("replaces the inflater after a final block: the next message sees no old window", () => {
    const ext = serverWith([], codec);
    expect(decodeMessage(ext, [hex("f348cdc9c90700")])).toEqual(utf8("Hello"));
    // This message refers back to the first "Hello": a fresh inflater has nothing to refer to.
    expectRemoteError(() => decodeMessage(ext, [hex("f200110000")]), "INVALID_COMPRESSED_DATA");
  });

  it("ignores bytes after the final block within the same message", () => {
    const ext = serverWith([], codec);
    expect(decodeMessage(ext, [hex("f348cdc9c90700"), hex("ffffffff deadbeef")])).toEqual(utf8("Hello"));
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
  });

  it("frees the inflater between messages when the client agreed to no context takeover", () => {
    const ext = serverWith([["client_no_context_takeover", null]], codec);
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
    expectRemoteError(() => decodeMessage(ext, [hex("f200110000")]), "INVALID_COMPRESSED_DATA");
  });

  it("fails with 1007 on corrupt data, never another error type", () => {
    // block type 3; a reference before the start; a stored block cut short; a Huffman block cut
    // short (the trailer lands inside it); a dynamic block with an invalid code length code.
    const corrupt = ["ff", "f200110000", "0006 00f9ff 48", "f248", "e5", "0d00 00"];
    for (const payload of corrupt) {
      const ext = serverWith([], codec);
      let error: unknown;
      try {
        decodeMessage(ext, [hex(payload)]);
      } catch (e) {
        error = e;
      }
      expect(error, payload).toBeInstanceOf(RemoteProtocolError);
      expect((error as RemoteProtocolError).code, payload).toBe("INVALID_COMPRESSED_DATA");
      expect((error as RemoteProtocolError).closeCode).toBe(1007);
    }
  });
});

describe("RFC 7692 §7.2.1 compression, sent", () => {
  it("compresses Hello as in §7.2.3.1, and the empty message as §7.2.3.6", () => {
    const ext = serverWith([], { threshold: 0, serverNoContextTakeover: true });
    expect(ext.encode(utf8("Hello"), true, true)).toEqual({ data: hex("f248cdc9c90700"), rsv: RSV1 });
    expect(ext.encode(new Uint8Array(0), true, true)).toEqual({ data: hex("00"), rsv: RSV1 });
  });

  it("uses the shared window for the second Hello with context takeover", () => {
    const ext = serverWith([], { threshold: 0 });
    const first = ext.encode(utf8("Hello"), true, true).data.slice();
    const second = ext.encode(utf8("Hello"), true, true).data.slice();
    expect(second.length).toBeLessThan(first.length);
    expect(inflateRaw(concat([first, TRAILER, second, TRAILER]))).toEqual(utf8("HelloHello"));
  });

  it("sends messages below the threshold uncompressed, and the data as is", () => {
    const ext = serverWith([], { threshold: 10 });
    const small = utf8("123456789");
    const result = ext.encode(small, true, true);
    expect(result.rsv).toBe(0);
    expect(result.data).toBe(small);
    expect(ext.encode(utf8("1234567890"), true, true).rsv).toBe(RSV1);
  });

  it("defaults to a 64-byte threshold", () => {
    const ext = serverWith();
    expect(ext.encode(new Uint8Array(63), true, true).rsv).toBe(0);
    expect(ext.encode(new Uint8Array(64), true, true).rsv).toBe(RSV1);
  });

  it("compresses a fragmented message from a small first fragment, flushing every fragment", () => {
    const ext = serverWith();
    const text = utf8("x".repeat(10) + "fragmented and compressed ".repeat(50));
    const a = ext.encode(text.subarray(0, 3), true, false);
    const b = ext.encode(text.subarray(3, 500), false, false);
    const c = ext.encode(text.subarray(500), false, true);
    expect([a.rsv, b.rsv, c.rsv]).toEqual([RSV1, 0, 0]);
    for (const fragment of [a, b]) expect(toHex(fragment.data.subarray(-4))).toBe("0000ffff");
    expect(toHex(c.data.subarray(-4))).not.toBe("0000ffff");
    // Each fragment can be inflated as soon as it arrives.
    expect(inflateRaw(a.data)).toEqual(text.subarray(0, 3));
    expect(inflateRaw(concat([a.data, b.data, c.data, TRAILER]))).toEqual(text);
  });

  it("ends a message whose last fragment is empty with a valid final payload", () => {
    const ext = serverWith();
    const text = utf8("z".repeat(300));
    const a = ext.encode(text, true, false).data.slice();
    const b = ext.encode(new Uint8Array(0), false, true).data.slice();
    expect(b.length).toBeGreaterThan(0);
    expect(inflateRaw(concat([a, b, TRAILER]))).toEqual(text);
  });

  it("keeps the windows in step when uncompressed messages come between compressed ones", () => {
    const ext = serverWith([], { threshold: 100 });
    const stream: Uint8Array[] = [];
    const expected: Uint8Array[] = [];
    for (const size of [500, 20, 800, 5, 300]) {
      const message = utf8("abcdefghij".repeat(size / 10 + 1).slice(0, size));
      const { data, rsv } = ext.encode(message, true, true);
      if (rsv === RSV1) {
        stream.push(data.slice(), TRAILER);
        expected.push(message);
      } else expect(data).toEqual(message);
    }
    expect(inflateRaw(concat(stream))).toEqual(concat(expected));
  });

  it("never references further back than an agreed window of 2^8", () => {
    const ext = serverWith([["server_max_window_bits", "8"]], { threshold: 0 });
    const messages = [utf8("0123456789abcdef".repeat(100)), utf8("0123456789abcdef".repeat(3)), utf8("x".repeat(70))];
    const stream: Uint8Array[] = [];
    for (const m of messages) stream.push(encodeMessage(ext, m).payloads[0]!.slice(), TRAILER);
    const report = inspectDeflate(concat(stream));
    expect(report.outputLength).toBe(concat(messages).length);
    expect(report.maxDistance).toBeLessThanOrEqual(256);
    // node:zlib bumps raw windowBits 8 to 9, so this checks 512 at most; the walker checks 256.
    expect(inflateRaw(concat(stream), 9)).toEqual(concat(messages));
  });

  it("rejects a continuation without a first fragment and a new message inside another", () => {
    const ext = serverWith();
    expect(() => ext.encode(new Uint8Array(1), false, true)).toThrow();
    ext.encode(new Uint8Array(100), true, false);
    expect(() => ext.encode(new Uint8Array(100), true, true)).toThrow();
  });

  it("works again after dispose", () => {
    const ext = serverWith();
    ext.encode(new Uint8Array(100), true, false);
    ext.dispose();
    const { data, rsv } = ext.encode(utf8("Hello ".repeat(20)), true, true);
    expect(rsv).toBe(RSV1);
    expect(inflateRaw(concat([data, TRAILER]))).toEqual(utf8("Hello ".repeat(20)));
  });
});

describe("inflaters of several connections", () => {
  it("keep their own windows while they take turns (they share fflate's working array)", () => {
    const links = [1, 2, 3].map((seed) => ({
      // 2 KiB of pseudo-random letters: barely compressible on their own.
      body: Array.from({ length: 2048 }, (_, j) => String.fromCharCode(97 + ((j * 7919 + seed * 104729) ** 2 % 9973) % 26)).join(""),
      sender: serverWith([], { threshold: 0 }),
      receiver: serverWith([], { threshold: 0 }),
      sizes: [] as number[],
    }));
    for (let i = 0; i < 6; i++) {
      for (const link of links) {
        // Every message repeats what the link sent before, so it is coded as references into
        // this link's window; another link's window would decode it wrongly or not at all.
        const text = utf8(link.body + String(i));
        const { payloads } = encodeMessage(link.sender, text);
        link.sizes.push(payloads[0]!.length);
        expect(decodeMessage(link.receiver, payloads)).toEqual(text);
      }
    }
    for (const link of links) expect(link.sizes[5]).toBeLessThan(link.sizes[0]! / 4);
  });
});

describe("limits: decompressed size", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("allows exactly the limit and fails one byte past it", () => {
    const payload = hex("f248cdc9c90700");
    expect(decodeMessage(serverWith(), [payload], 5)).toEqual(utf8("Hello"));
    expectRemoteError(() => decodeMessage(serverWith(), [payload], 4), "MESSAGE_TOO_BIG");
  });

  it("applies the remaining allowance of each call", () => {
    const ext = serverWith();
    const payload = zlib.deflateRawSync(new Uint8Array(100_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    let remaining = 100_000;
    for (let i = 0; i < payload.length; i += 7) {
      const out = ext.decode(payload.subarray(i, i + 7), RSV1, i + 7 >= payload.length, remaining);
      for (const chunk of out) remaining -= chunk.length;
    }
    expect(remaining).toBe(0);
  });

  it("stops a bomb (1 MiB inflating to 1 GiB) near the limit, 1009", () => {
    const bomb = deflateBomb(Math.ceil(2 ** 30 / 258));
    expect(bomb.length).toBeLessThan(1.1 * 2 ** 20);
    const pushed: number[] = [];
    const push = Inflate.prototype.push;
    vi.spyOn(Inflate.prototype, "push").mockImplementation(function (this: Inflate, chunk: Uint8Array, final?: boolean) {
      pushed.push(chunk.length);
      push.call(this, chunk, final);
    });
    const limit = 1 << 20;
    expectRemoteError(() => serverWith().decode(bomb, RSV1, true, limit), "MESSAGE_TOO_BIG");
    // Output per push is at most 1032 times its input; all pushes but the last stayed under the
    // limit, so at most limit + 1032 * (last push) bytes were ever inflated.
    const inflatedAtMost = pushed.reduce((sum, n) => sum + 1032 * n, 0);
    expect(inflatedAtMost).toBeLessThanOrEqual(limit + 1032 * 1024 + 1032 * 1024);
    expect(pushed.length).toBeLessThanOrEqual(3);
  });

  it("stops a bomb under the default 16 MiB limit within one 16 KiB push past it", () => {
    const bomb = deflateBomb(Math.ceil(2 ** 26 / 258)); // 64 MiB
    const pushed: number[] = [];
    const push = Inflate.prototype.push;
    vi.spyOn(Inflate.prototype, "push").mockImplementation(function (this: Inflate, chunk: Uint8Array, final?: boolean) {
      pushed.push(chunk.length);
      push.call(this, chunk, final);
    });
    const limit = 16 * 2 ** 20;
    expectRemoteError(() => serverWith().decode(bomb, RSV1, false, limit), "MESSAGE_TOO_BIG");
    expect(pushed.reduce((sum, n) => sum + 1032 * n, 0)).toBeLessThanOrEqual(limit + 1032 * 16 * 1024);
  });

  it("inflates a legitimate bomb-shaped message that fits", () => {
    const bomb = deflateBomb(4000);
    const out = decodeMessage(serverWith(), [bomb], 1 + 258 * 4000);
    expect(out.length).toBe(1 + 258 * 4000);
    expect(out.every((b) => b === 0)).toBe(true);
  });
});

describe("the native codec (node:zlib)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("allows exactly the limit and fails one byte past it", () => {
    const payload = hex("f248cdc9c90700");
    expect(decodeMessage(serverWith([], NATIVE), [payload], 5)).toEqual(utf8("Hello"));
    expectRemoteError(() => decodeMessage(serverWith([], NATIVE), [payload], 4), "MESSAGE_TOO_BIG");
    expectRemoteError(() => decodeMessage(serverWith([], NATIVE), [payload], 0), "MESSAGE_TOO_BIG");
  });

  it("stops a bomb (1 MiB inflating to 1 GiB) at the limit, 1009", () => {
    const inflate = vi.spyOn(zlibDeflate, "inflate");
    const bomb = deflateBomb(Math.ceil(2 ** 30 / 258));
    expectRemoteError(() => serverWith([], NATIVE).decode(bomb, RSV1, true, 1 << 20), "MESSAGE_TOO_BIG");
    expect(inflate).toHaveBeenCalledTimes(1);
    expect(inflate.mock.results[0]).toEqual({ type: "return", value: null });
  });

  it("inflates every whole message, short or long, in one slice or several", () => {
    const inflate = vi.spyOn(zlibDeflate, "inflate");
    // The threshold is for sending only.
    const ext = serverWith([], { native: zlibDeflate, nativeThreshold: 1 << 20 });
    const long = utf8("abcdefghij".repeat(1000));
    const payload = zlib.deflateRawSync(long, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(decodeMessage(ext, [payload])).toEqual(long);
    expect(decodeMessage(ext, [hex("f248cdc9c90700")])).toEqual(utf8("Hello"));
    expect(inflate).toHaveBeenCalledTimes(2);
    // In pieces (kept until the end), then a short message referring back into the long one.
    expect(decodeMessage(ext, [payload.subarray(0, 10), payload.subarray(10, 50), payload.subarray(50)])).toEqual(long);
    expect(inflate).toHaveBeenCalledTimes(3);
    expect(decodeMessage(ext, [hex("c2c60200")])).toEqual(utf8("abcdefghijabcdefghij"));
    expect(inflate).toHaveBeenCalledTimes(4);
  });

  it("keeps the peer's window across many short messages, as zlib's deflater does", () => {
    // A zlib deflater with context takeover (modelled, byte for byte, by one primed with the last
    // 32 KiB it compressed), 200 messages of 300-700 bytes (~100 KiB in all, so the window wraps
    // many times); each message is checked on arrival.
    let history = new Uint8Array(0);
    const ext = serverWith([], { native: zlibDeflate });
    const inflate = vi.spyOn(zlibDeflate, "inflate");
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    for (let i = 0; i < 200; i++) {
      let text = "";
      while (text.length < 300 + rnd() * 400) text += `{"n":${Math.floor(rnd() * 50)},"w":"${words[Math.floor(rnd() * words.length)]}"},`;
      const message = utf8(text);
      const options = history.length === 0 ? {} : { dictionary: history };
      const flushed = zlib.deflateRawSync(message, { ...options, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      history = concat([history, message]).slice(-32768);
      expect(toHex(flushed.subarray(-4))).toBe("0000ffff");
      expect(decodeMessage(ext, [flushed.subarray(0, -4)])).toEqual(message);
    }
    expect(inflate).toHaveBeenCalledTimes(200);
  });

  it("leaves a message that comes in more than 4 MiB of pieces to fflate, slice by slice", () => {
    const inflate = vi.spyOn(zlibDeflate, "inflate");
    const data = new Uint8Array(5 << 20);
    for (let i = 0, x = 1; i < data.length; i++) data[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const payload = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const ext = serverWith([], NATIVE);
    const out: Uint8Array[] = [];
    for (let at = 0; at < payload.length; at += 1 << 16) {
      const slice = payload.subarray(at, at + (1 << 16));
      const chunks = ext.decode(slice, RSV1, at + (1 << 16) >= payload.length, 8 << 20);
      if (at < 4 << 20) expect({ at, chunks: chunks.length }).toEqual({ at, chunks: 0 });
      out.push(...chunks);
    }
    expect(inflate).not.toHaveBeenCalled();
    expect(firstDifference(concat(out), data)).toBe(-1);
  });

  it("keeps its own copies: the application may change what it got, the adapter what it gave", () => {
    const ext = serverWith([], NATIVE);
    const long = Buffer.from("abcdefghij".repeat(5000));
    const payload = zlib.deflateRawSync(long, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    // Received in two Buffer slices that the caller overwrites before the message ends.
    const first = Buffer.from(payload.subarray(0, 100));
    expect(ext.decode(first, RSV1, false, 1 << 20)).toEqual([]);
    first.fill(0);
    const [output] = ext.decode(Buffer.from(payload.subarray(100)), RSV1, true, 1 << 20);
    expect(Buffer.from(output!).equals(long)).toBe(true);
    // The application scribbles on its message; the window the next message refers to is intact.
    output!.fill(0x7a);
    expect(decodeMessage(ext, [hex("c2c60200")])).toEqual(utf8("abcdefghijabcdefghij"));
  });

  it("holds no more compressed bytes than the message may still produce (plus 1 KiB)", () => {
    const inflate = vi.spyOn(zlibDeflate, "inflate");
    // Empty stored blocks: 5 compressed bytes each, no output, as long as the peer likes.
    const padding = hex("000000ffff".repeat(1000));
    const ext = serverWith([], NATIVE);
    for (let i = 0; i < 2; i++) expect(ext.decode(padding, RSV1, false, 4000)).toEqual([]);
    expect(inflate).not.toHaveBeenCalled();
    // 10,000 bytes held > 4000 + 1024: fflate took over, and the rest streams through it.
    expect(decodeMessage(ext, [padding, hex("f248cdc9c90700")], 4000)).toEqual(utf8("Hello"));
    expect(inflate).not.toHaveBeenCalled();
  });

  it("compresses whole long messages natively, in a stream zlib inflates along with fflate's", () => {
    const deflate = vi.spyOn(zlibDeflate, "deflate");
    const ext = serverWith([], { native: zlibDeflate, nativeThreshold: 1000, threshold: 0 });
    const messages = [utf8("x".repeat(500)), utf8("hello world ".repeat(200)), utf8("x".repeat(500)), utf8("hello world ".repeat(50))];
    const stream: Uint8Array[] = [];
    for (const m of messages) {
      const { payloads, rsv } = encodeMessage(ext, m);
      expect(rsv).toBe(RSV1);
      stream.push(...payloads, TRAILER);
    }
    expect(deflate).toHaveBeenCalledTimes(1);
    expect(deflate).toHaveBeenCalledWith(messages[1], 6, 15);
    expect(inflateRaw(concat(stream))).toEqual(concat(messages));
    // Fragmented, or within a window of 2^8 (zlib has none): fflate.
    encodeMessage(ext, messages[1]!, [1200]);
    encodeMessage(serverWith([["server_max_window_bits", "8"]], { native: zlibDeflate, nativeThreshold: 0 }), messages[1]!);
    expect(deflate).toHaveBeenCalledTimes(1);
    // The compression threshold still decides whether a message is compressed at all.
    const never = serverWith([], { native: zlibDeflate, nativeThreshold: 0, threshold: Infinity });
    expect(encodeMessage(never, messages[1]!)).toEqual({ payloads: [messages[1]], rsv: 0 });
    expect(deflate).toHaveBeenCalledTimes(1);
  });

  it("rejects a native threshold that is not a number >= 0", () => {
    expect(() => permessageDeflate({ nativeThreshold: -1 })).toThrow(LocalProtocolError);
    expect(() => permessageDeflate({ nativeThreshold: Number.NaN })).toThrow(LocalProtocolError);
  });
});

describe("fflate 0.8.3 defects (patches/fflate@0.8.3.patch)", () => {
  const syncFlushed = (input: Uint8Array, options: { level?: 6; mem?: 0 } = {}): Uint8Array => {
    const chunks: Uint8Array[] = [];
    const compressor = new Deflate({ level: 6, ...options }, (chunk) => void chunks.push(chunk));
    compressor.push(input);
    compressor.flush(true);
    return concat(chunks);
  };

  it("#267: Deflate.flush(true) output is accepted by zlib (repeated and 4-bit random data, 1-200 KiB)", () => {
    let x = 1;
    for (let n = 1; n < 200_000; n = Math.ceil(n * 1.3) + 1) {
      const random = new Uint8Array(n).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0x0f);
      for (const input of [new Uint8Array(n).fill(97), random]) {
        const output = syncFlushed(input);
        expect(toHex(output.subarray(-4)), `n=${n}`).toBe("0000ffff");
        expect(firstDifference(inflateRaw(output), input), `n=${n}`).toBe(-1);
      }
    }
  });

  it("#260: a fresh Deflate never refers to the zeros before its first byte", () => {
    const trigger = Uint8Array.from([2, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2]);
    expect(inflateRaw(syncFlushed(trigger))).toEqual(trigger);
    let x = 7;
    for (let i = 0; i < 300; i++) {
      const input = new Uint8Array(1 + (i * 37) % 3000).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) % 7 < 4 ? 0 : x & 3);
      expect(firstDifference(inflateRaw(syncFlushed(input)), input), `input ${i}`).toBe(-1);
    }
  });

  it("scratch reuse: a compressor's output does not depend on what the shared scratch held before", () => {
    // The patch reuses fflate's per-call scratch (zeroed again after each call) instead of
    // allocating it zero-filled. Stream A alone, then A interleaved with a stream B of large
    // incompressible messages, stored-level flushes and one-shot compression (some longer than
    // the 256 KiB scratch, which get arrays of their own): A's bytes must match.
    const random = seededRandom(3);
    const noise = (n: number): Uint8Array => {
      const bytes = new Uint8Array(n);
      random(bytes);
      return bytes;
    };
    const messages = Array.from({ length: 40 }, (_, i) => utf8(`{"seq":${i},"text":"${"abcdefgh".repeat(i % 7)}"}`.repeat(1 + (i % 5) * 20)));
    const run = (interleave: boolean): Uint8Array[] => {
      const out: Uint8Array[] = [];
      const a = new Deflate({ level: 6, mem: 1 }, (chunk) => void out.push(chunk));
      const b = new Deflate({ level: 1 }, () => {});
      const stored = new Deflate({ level: 0 }, () => {});
      messages.forEach((message, i) => {
        if (interleave) {
          b.push(noise(1 + ((i * 7919) % 90_000)));
          b.flush(true);
          stored.push(noise(1 + ((i * 104_729) % 70_000)));
          stored.flush(true);
          deflateSync(noise(1 + ((i * 31_337) % 120_000)), { level: 9 });
          if (i % 10 === 0) deflateSync(noise(300_000), { level: 1 });
        }
        a.push(message);
        a.flush(true);
      });
      return out;
    };
    const alone = concat(run(false));
    const mixed = concat(run(true));
    expect(firstDifference(mixed, alone)).toBe(-1);
    expect(mixed.length).toBe(alone.length);
    expect(firstDifference(inflateRaw(alone), concat(messages))).toBe(-1);
  });

  it("passes the known-answer check that gates streaming compression", () => {
    expect(hasSoundStreamingDeflate()).toBe(true);
  });
});

describe("fallback without a sound streaming compressor", () => {
  const unsound = (options: PerMessageDeflateOptions = {}) => createPermessageDeflate(options, () => false);

  it("insists on server_no_context_takeover as a server and offers client_no_context_takeover as a client", () => {
    expect(unsound().negotiate([offer()])?.response.params).toEqual([["server_no_context_takeover", null]]);
    expect(unsound().offers()).toEqual([offer(["client_no_context_takeover", null], ["client_max_window_bits", null])]);
  });

  it("sends whole messages as BFINAL streams (§7.2.3.4) that zlib inflates", () => {
    const ext = unsound().negotiate([offer()])!.extension;
    const message = utf8("fallback ".repeat(100));
    for (let i = 0; i < 3; i++) {
      const { data, rsv } = ext.encode(message, true, true);
      expect(rsv).toBe(RSV1);
      expect(inspectDeflate(data).finalBlock).toBe(true);
      expect(inflateRaw(concat([data, TRAILER]))).toEqual(message);
      // And we read our own output back.
      expect(decodeMessage(serverWith(), [data])).toEqual(message);
    }
  });

  it("sends fragmented messages, messages over the window, and to a peer keeping context, uncompressed", () => {
    const ext = unsound().negotiate([offer(["server_max_window_bits", "9"])])!.extension;
    expect(ext.encode(new Uint8Array(100), true, false).rsv).toBe(0);
    ext.encode(new Uint8Array(100), false, true);
    expect(ext.encode(new Uint8Array(512), true, true).rsv).toBe(RSV1);
    expect(ext.encode(new Uint8Array(513), true, true).rsv).toBe(0);
    const client = unsound().accept(offer()); // the server did not agree to reset per message
    expect(client.encode(new Uint8Array(1000), true, true).rsv).toBe(0);
  });
});
