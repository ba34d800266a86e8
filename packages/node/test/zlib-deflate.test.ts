import { kMaxLength } from "node:buffer";
import zlib from "node:zlib";
import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { NativeDeflate } from "@wsengine/core";
import { createZlibDeflate, type ZlibModule } from "@wsengine/session";

/** An empty stored block with BFINAL set, as core ends every stream it hands to `inflate`. */
const FINAL = new Uint8Array([0x01, 0x00, 0x00, 0xff, 0xff]);
const SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH;

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** node:zlib with its one-shot calls counted, and optionally its streams replaced. */
function countingZlib(createStream?: (kind: "deflate" | "inflate") => unknown): { module: ZlibModule; oneShots: () => number } {
  let calls = 0;
  const module: ZlibModule = {
    constants: zlib.constants,
    deflateRawSync: (data, options) => (calls++, zlib.deflateRawSync(data, options)),
    inflateRawSync: (data, options) => (calls++, zlib.inflateRawSync(data, options)),
    createDeflateRaw: (options) => createStream?.("deflate") ?? zlib.createDeflateRaw(options),
    createInflateRaw: (options) => createStream?.("inflate") ?? zlib.createInflateRaw(options),
  };
  return { module, oneShots: () => calls };
}

/** Bytes that compress a little (runs) or not at all (noise), from a seed. */
function sample(length: number, seed: number, noisy: boolean): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = noisy ? x >>> 24 : 97 + ((x >>> 28) % 4);
  }
  return out;
}

function behavesAsZlib(codec: NativeDeflate): void {
  // Both directions against zlib's own one-shot calls, across the 64 KiB output scratch.
  for (const [length, noisy] of [[0, false], [1, false], [1000, false], [70_000, true], [300_000, true], [300_000, false]] as const) {
    const data = sample(length, length + 1, noisy);
    const compressed = codec.deflate(data, 6, 15);
    expect(Buffer.from(compressed.subarray(-4)).toString("hex")).toBe("0000ffff");
    expect(Buffer.from(zlib.inflateRawSync(compressed, { finishFlush: SYNC_FLUSH })).equals(data)).toBe(true);
    const stream = concat(zlib.deflateRawSync(data, { finishFlush: SYNC_FLUSH }), FINAL);
    const inflated = codec.inflate(stream, null, 1 << 20);
    expect(inflated?.consumed).toBe(stream.length);
    expect(Buffer.from(inflated!.output).equals(data)).toBe(true);
  }
}

describe("createZlibDeflate (node:zlib)", () => {
  it("runs on reset handles here: after the first message no one-shot call is made", () => {
    const { module, oneShots } = countingZlib();
    const codec = createZlibDeflate(module, kMaxLength);
    codec.deflate(sample(100, 1, false), 6, 15);
    expect(oneShots()).toBe(2); // the round trip that checks the handles
    behavesAsZlib(codec);
    expect(oneShots()).toBe(2);
  });

  it("falls back to the one-shot calls when a stream has no usable handle, with the same results", () => {
    for (const stream of [{}, { _handle: null, _writeState: new Uint32Array(2) }, { _handle: { writeSync: () => undefined, reset: () => undefined }, _writeState: new Uint32Array(2) }]) {
      const { module, oneShots } = countingZlib(() => stream);
      const codec = createZlibDeflate(module, kMaxLength);
      const data = sample(5000, 3, false);
      const before = oneShots();
      const compressed = codec.deflate(data, 6, 15);
      expect(oneShots()).toBeGreaterThan(before);
      expect(Buffer.from(zlib.inflateRawSync(compressed, { finishFlush: SYNC_FLUSH })).equals(data)).toBe(true);
      behavesAsZlib(codec);
    }
  });

  fcTest.prop(
    [fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 9, max: 15 }), fc.integer({ min: 0, max: 9 }), fc.integer(), fc.boolean()],
    { numRuns: 60 },
  )("inflates a message that refers into its dictionary, with any window and level", (historyLength, length, windowBits, level, seed, noisy) => {
    const codec = createZlibDeflate(zlib, kMaxLength);
    const history = sample(historyLength, seed, false);
    // The message repeats parts of the history, so it refers back into it.
    const data = concat(history.subarray(Math.max(0, historyLength - 700), historyLength - 200), sample(length, seed + 1, noisy));
    const options = historyLength === 0 ? {} : { dictionary: history.subarray(-(2 ** windowBits)) };
    const stream = concat(zlib.deflateRawSync(data, { ...options, level, windowBits, finishFlush: SYNC_FLUSH }), FINAL);
    const result = codec.inflate(stream, historyLength === 0 ? null : history, 1 << 20);
    expect(result?.consumed).toBe(stream.length);
    expect(Buffer.from(result!.output).equals(Buffer.from(data))).toBe(true);
    // And what it compresses, zlib inflates with the same window.
    const compressed = codec.deflate(data, level, windowBits);
    expect(Buffer.from(zlib.inflateRawSync(compressed, { windowBits, finishFlush: SYNC_FLUSH })).equals(Buffer.from(data))).toBe(true);
  });

  it("reads views at an offset into a larger buffer, as messages and windows often are", () => {
    const codec = createZlibDeflate(zlib, kMaxLength);
    const backing = sample(3000, 11, false);
    const data = backing.subarray(1000, 2500);
    const window = backing.subarray(0, 1000);
    const compressed = codec.deflate(data, 6, 15);
    expect(Buffer.from(zlib.inflateRawSync(compressed, { finishFlush: SYNC_FLUSH })).equals(data)).toBe(true);
    const primed = zlib.deflateRawSync(data, { dictionary: window, finishFlush: SYNC_FLUSH });
    const padded = new Uint8Array(primed.length + 5 + 100);
    padded.set(concat(primed, FINAL), 50);
    const stream = padded.subarray(50, 50 + primed.length + 5);
    const result = codec.inflate(stream, window, 1 << 20);
    expect(result?.consumed).toBe(stream.length);
    expect(Buffer.from(result!.output).equals(data)).toBe(true);
  });

  it("stops at the output limit (null), allows exactly the limit, and never produces much past it", () => {
    const codec = createZlibDeflate(zlib, kMaxLength);
    const data = new Uint8Array(10 << 20); // 10 MiB of zeros: ~10 KiB compressed
    const stream = concat(zlib.deflateRawSync(data, { finishFlush: SYNC_FLUSH }), FINAL);
    expect(codec.inflate(stream, null, data.length)?.output.length).toBe(data.length);
    expect(codec.inflate(stream, null, data.length - 1)).toBeNull();
    const before = process.memoryUsage().arrayBuffers;
    expect(codec.inflate(stream, null, 1 << 16)).toBeNull();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 << 20);
  });

  it("tells where a stream ended early: bytes after the sender's final block are not consumed", () => {
    const codec = createZlibDeflate(zlib, kMaxLength);
    const data = sample(3000, 9, false);
    const complete = zlib.deflateRawSync(data); // ends with BFINAL
    const stream = concat(complete, new Uint8Array([0x00]), FINAL);
    const result = codec.inflate(stream, null, 1 << 20);
    expect(result?.consumed).toBe(complete.length);
    expect(Buffer.from(result!.output).equals(data)).toBe(true);
  });

  it("throws on invalid or unfinished input, and the next message inflates", () => {
    const codec = createZlibDeflate(zlib, kMaxLength);
    const data = sample(2000, 5, false);
    const good = concat(zlib.deflateRawSync(data, { finishFlush: SYNC_FLUSH }), FINAL);
    expect(() => codec.inflate(new Uint8Array([0xff, 0xff, 0xff]), null, 1 << 20)).toThrow(/invalid block type/);
    expect(Buffer.from(codec.inflate(good, data, 1 << 20)!.output).equals(data)).toBe(true);
    expect(() => codec.inflate(good.subarray(0, good.length - 5), null, 1 << 20)).toThrow(/unexpected end of file/);
    expect(Buffer.from(codec.inflate(good, null, 1 << 20)!.output).equals(data)).toBe(true);
  });
});
