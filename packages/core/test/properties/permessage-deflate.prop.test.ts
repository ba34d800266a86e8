/**
 * permessage-deflate against the node:zlib oracle (STYLE.md §9, property 4). fflate's own
 * inflate accepts streams zlib rejects, so every compressed byte we produce is inflated by zlib,
 * and we inflate zlib's Z_SYNC_FLUSH output, over sequences of messages with random sizes and
 * contents, under every parameter combination, fragmented and sliced at random.
 */
import zlib from "node:zlib";
import { fc, it } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import type { Extension, ExtensionOffer, ExtensionParam } from "../../src/extensions/extension.js";
import { createPermessageDeflate, permessageDeflate, type PerMessageDeflateOptions } from "../../src/extensions/permessage-deflate.js";
import { RemoteProtocolError } from "../../src/errors.js";
import { RSV1 } from "../../src/frame/opcode.js";
import { concat, toHex } from "../helpers/bytes.js";
import { firstDifference, inspectDeflate } from "../helpers/deflate-stream.js";
import { xorshift32 } from "../helpers/random.js";
// The codec @wsengine/node ships (node:zlib for long whole messages), mixed in at random below.
import { zlibDeflate } from "../../../node/src/zlib-deflate.js";

/** Byte equality that stays fast on large arrays (see firstDifference). */
const expectBytes = (actual: Uint8Array, expected: Uint8Array): void => {
  expect({ length: actual.length, firstDifference: firstDifference(actual, expected) }).toEqual({ length: expected.length, firstDifference: -1 });
};

const TRAILER = Uint8Array.from([0x00, 0x00, 0xff, 0xff]);

// --- message contents -------------------------------------------------------------------------

type Kind = "random" | "text" | "json" | "sparse";
interface Content {
  readonly kind: Kind;
  readonly size: number;
  readonly seed: number;
}

/** Sizes 0 to 200 KiB, mostly small: the shape of real traffic, with room for long windows. */
const size = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 200 * 1024 }), weight: 1 },
);
const content: fc.Arbitrary<Content> = fc.record({
  kind: fc.constantFrom<Kind>("random", "text", "json", "sparse"),
  size,
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

const WORDS = ["the", "socket", "frame", "deflate", "window", "message", "ping", "close", "hello", "world", "é", "数据"];

/** Deterministic bytes for a {@link Content}: generated, not shrunk byte by byte. */
function bytesOf({ kind, size, seed }: Content): Uint8Array {
  const next = xorshift32(seed);
  const out = new Uint8Array(size);
  if (kind === "random") {
    for (let i = 0; i < size; i++) out[i] = next() & 0xff;
    return out;
  }
  if (kind === "sparse") {
    // Mostly zeros with small values: what lured unpatched fflate into references before the start.
    for (let i = 0; i < size; i++) out[i] = next() % 7 < 4 ? 0 : next() & 3;
    return out;
  }
  let text = "";
  while (text.length < size) {
    if (kind === "text") text += `${WORDS[next() % WORDS.length]}${next() % 9 === 0 ? ".\n" : " "}`;
    else text += `{"id":${next() % 10_000},"user":"${WORDS[next() % WORDS.length]}","ok":${next() % 2 === 0},"score":${(next() % 1000) / 10}},`;
  }
  out.set(new TextEncoder().encode(text).subarray(0, size));
  return out;
}

/** Cut points within [0, n], sorted, for fragments or slices. */
const cutsOf = (n: number, raw: readonly number[]): number[] => raw.map((r) => Math.floor(r * (n + 1))).sort((a, b) => a - b);
const cutFractions = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 4 });

function split(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const bounds = [0, ...cuts, data.length];
  const parts: Uint8Array[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) parts.push(data.subarray(bounds[i], bounds[i + 1]));
  return parts;
}

// --- negotiated pairs -------------------------------------------------------------------------

/** Where long messages switch to the native codec: low enough that messages of both kinds mix. */
function nativeThreshold(): fc.Arbitrary<number> {
  return fc.constantFrom(0, 50, 300, 8192);
}

// Keys are optional (requiredKeys: []), so an absent window is the default.
const windowBits = fc.integer({ min: 8, max: 15 });
const sideOptions: fc.Arbitrary<PerMessageDeflateOptions> = fc.record(
  {
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: windowBits,
    clientMaxWindowBits: windowBits,
    threshold: fc.constantFrom(0, 1, 64, 1000),
    level: fc.integer({ min: 0, max: 9 }),
    memLevel: fc.integer({ min: 0, max: 8 }),
    native: fc.constant(zlibDeflate),
    nativeThreshold: nativeThreshold(),
  },
  { requiredKeys: [] },
);

interface Pair {
  readonly client: Extension;
  readonly server: Extension;
  /** What each side may rely on for the other's messages, read off the negotiation. */
  readonly clientSends: { readonly takeover: boolean; readonly windowBits: number };
  readonly serverSends: { readonly takeover: boolean; readonly windowBits: number };
}

const param = (params: readonly ExtensionParam[], name: string): ExtensionParam | undefined => params.find(([n]) => n === name);

/**
 * Negotiate like a connection would; `null` when the server declines. `sound` false makes a
 * side use the fallback for an unpatched fflate (whole-message BFINAL streams).
 */
function negotiate(
  clientOptions: PerMessageDeflateOptions,
  serverOptions: PerMessageDeflateOptions,
  sound: { readonly client: boolean; readonly server: boolean },
): Pair | null {
  const clientFactory = createPermessageDeflate(clientOptions, () => sound.client);
  const result = createPermessageDeflate(serverOptions, () => sound.server).negotiate(clientFactory.offers());
  if (result === null) return null;
  const response: ExtensionOffer = result.response;
  const client = clientFactory.accept(response);
  const bits = (name: string): number => Number(param(response.params, name)?.[1] ?? 15);
  return {
    client,
    server: result.extension,
    clientSends: {
      takeover: param(response.params, "client_no_context_takeover") === undefined && clientOptions.clientNoContextTakeover !== true,
      windowBits: Math.min(bits("client_max_window_bits"), clientOptions.clientMaxWindowBits ?? 15),
    },
    serverSends: {
      takeover: param(response.params, "server_no_context_takeover") === undefined,
      windowBits: bits("server_max_window_bits"),
    },
  };
}

const zlibWindow = (bits: number): number => Math.max(bits, 9); // zlib has no raw window of 8

const inflateRaw = (data: Uint8Array, bits: number): Uint8Array =>
  new Uint8Array(zlib.inflateRawSync(data, { windowBits: zlibWindow(bits), finishFlush: zlib.constants.Z_SYNC_FLUSH }));

describe("permessage-deflate: what we send, zlib inflates", () => {
  it.prop(
    [
      sideOptions,
      sideOptions,
      fc.boolean(),
      fc.record({ client: fc.boolean(), server: fc.boolean() }),
      fc.array(fc.tuple(content, cutFractions, cutFractions), { minLength: 1, maxLength: 6 }),
    ],
    { numRuns: 100 },
  )("every parameter combination, fragmented, with and without context takeover", (clientOptions, serverOptions, fromServer, sound, messages) => {
    const pair = negotiate(clientOptions, serverOptions, sound);
    const streaming = fromServer ? sound.server : sound.client;
    fc.pre(pair !== null);
    if (pair === null) return;
    const [sender, receiver, sends] = fromServer
      ? [pair.server, pair.client, pair.serverSends]
      : [pair.client, pair.server, pair.clientSends];

    const stream: Uint8Array[] = [];
    const plaintext: Uint8Array[] = [];
    for (const [c, fragmentCuts, sliceCuts] of messages) {
      const data = bytesOf(c);
      const fragments = split(data, cutsOf(data.length, fragmentCuts));
      const payloads: Uint8Array[] = [];
      let rsv = 0;
      fragments.forEach((fragment, i) => {
        const encoded = sender.encode(fragment, i === 0, i === fragments.length - 1);
        if (i === 0) rsv = encoded.rsv;
        payloads.push(encoded.data.slice());
      });
      if (rsv === 0) {
        // Sent as is: the peer's window does not see it.
        expectBytes(concat(payloads), data);
        continue;
      }
      expect(rsv).toBe(RSV1);
      // RFC 7692 §7.2.1: every fragment but the last ends with a sync flush, so it can be
      // inflated on arrival; the last has the trailer removed.
      for (const p of payloads.slice(0, -1)) if (p.length > 0) expect(toHex(p.subarray(-4))).toBe("0000ffff");
      const payload = concat(payloads);
      // The fallback sends one complete stream per message, and only to a peer resetting per
      // message; a whole message that went to the native codec (long, or any without context
      // takeover) is a flushed stream instead.
      const senderOptions = fromServer ? serverOptions : clientOptions;
      const native =
        senderOptions.native !== undefined &&
        fragments.length === 1 &&
        (!sends.takeover || data.length >= (senderOptions.nativeThreshold ?? 4096)) &&
        sends.windowBits > 8;
      if (!streaming && !native) {
        expect(sends.takeover).toBe(false);
        expect(inspectDeflate(payload).finalBlock).toBe(true);
      }
      if (!sends.takeover) expectBytes(inflateRaw(concat([payload, TRAILER]), sends.windowBits), data);
      if (streaming) {
        stream.push(payload, TRAILER);
        plaintext.push(data);
      }

      // And our own peer reads it back, whatever the slicing.
      const slices = split(payload, cutsOf(payload.length, sliceCuts));
      let remaining = data.length;
      const out: Uint8Array[] = [];
      slices.forEach((slice, i) => {
        for (const chunk of receiver.decode(slice, RSV1, i === slices.length - 1, remaining)) {
          remaining -= chunk.length;
          out.push(chunk);
        }
      });
      expectBytes(concat(out), data);
    }
    // One zlib inflater across all messages, as a peer keeping context would use it.
    const whole = concat(stream);
    expectBytes(inflateRaw(whole, sends.windowBits), concat(plaintext));
    // The window is honoured exactly (zlib cannot check 2^8: it inflates with 2^9).
    const report = inspectDeflate(whole);
    expect(report.finalBlock).toBe(false);
    expect(report.maxDistance).toBeLessThanOrEqual(2 ** sends.windowBits);
  });
});

describe("permessage-deflate: what zlib sends, we inflate", () => {
  const peerMessage = fc.record({
    content,
    compressed: fc.boolean(),
    bfinal: fc.boolean(),
    slices: cutFractions,
  });
  it.prop(
    [
      fc.boolean(),
      fc.integer({ min: 8, max: 15 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.array(peerMessage, { minLength: 1, maxLength: 6 }),
      fc.option(nativeThreshold(), { nil: undefined }),
    ],
    { numRuns: 100 },
  )("Z_SYNC_FLUSH and BFINAL messages, with and without context takeover, in random slices", (takeover, bits, level, memLevel, messages, threshold) => {
    // The server receives; the client (zlib here) keeps context unless it promised not to.
    const offer: ExtensionParam[] = [["client_max_window_bits", String(bits)]];
    if (!takeover) offer.push(["client_no_context_takeover", null]);
    const options: PerMessageDeflateOptions = threshold === undefined ? {} : { native: zlibDeflate, nativeThreshold: threshold };
    const result = permessageDeflate(options).negotiate([{ name: "permessage-deflate", params: offer }]);
    expect(result).not.toBeNull();
    const receiver = result!.extension;

    let history = new Uint8Array(0);
    for (const m of messages) {
      const data = bytesOf(m.content);
      if (!m.compressed) continue; // an uncompressed message never reaches the extension
      // A persistent zlib deflater with context takeover is, byte for byte, a fresh one primed
      // with the last 32 KiB it compressed: model it with a dictionary.
      const options: zlib.ZlibOptions = { windowBits: zlibWindow(bits), level, memLevel };
      if (takeover && history.length > 0) options.dictionary = history.subarray(-32768);
      let payload: Uint8Array;
      if (m.bfinal) {
        // §7.2.3.4: a complete stream; after it both sides start over.
        payload = new Uint8Array(zlib.deflateRawSync(data, options));
        history = new Uint8Array(0);
      } else {
        const flushed = new Uint8Array(zlib.deflateRawSync(data, { ...options, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
        expect(toHex(flushed.subarray(-4))).toBe("0000ffff");
        payload = flushed.subarray(0, -4);
        history = takeover ? concat([history, data]).slice(-32768) : new Uint8Array(0);
      }
      const slices = split(payload, cutsOf(payload.length, m.slices));
      let remaining = data.length; // the exact size: one byte more would fail with 1009
      const out: Uint8Array[] = [];
      slices.forEach((slice, i) => {
        for (const chunk of receiver.decode(slice, RSV1, i === slices.length - 1, remaining)) {
          remaining -= chunk.length;
          out.push(chunk);
        }
      });
      expectBytes(concat(out), data);
    }
  });
});

describe("permessage-deflate: arbitrary bytes from the peer", () => {
  it.prop(
    [
      fc.boolean(),
      fc.array(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 1 << 16 }),
      fc.option(fc.constantFrom(0, 20), { nil: undefined }),
    ],
    { numRuns: 300 },
  )("either inflate or fail with a RemoteProtocolError (1007 or 1009), never anything else", (takeover, messages, limit, threshold) => {
    const offer: ExtensionParam[] = takeover ? [] : [["client_no_context_takeover", null]];
    const options: PerMessageDeflateOptions = threshold === undefined ? {} : { native: zlibDeflate, nativeThreshold: threshold };
    const receiver = permessageDeflate(options).negotiate([{ name: "permessage-deflate", params: offer }])!.extension;
    for (const slices of messages) {
      try {
        let remaining = limit;
        const all = slices.length === 0 ? [new Uint8Array(0)] : slices;
        all.forEach((slice, i) => {
          for (const chunk of receiver.decode(slice, RSV1, i === all.length - 1, remaining)) remaining -= chunk.length;
        });
        expect(remaining).toBeGreaterThanOrEqual(0);
      } catch (error) {
        expect(error).toBeInstanceOf(RemoteProtocolError);
        expect(["INVALID_COMPRESSED_DATA", "MESSAGE_TOO_BIG"]).toContain((error as RemoteProtocolError).code);
        return; // the connection is failed: no further messages
      }
    }
  });
});
