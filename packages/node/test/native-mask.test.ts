import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { type CommonOptions, maskInto } from "@wsengine/core";
import { nativeMask } from "../src/native-mask.js";

const native = nativeMask();

describe("native masking (bufferutil)", () => {
  it("is available here: bufferutil is a devDependency with a prebuilt or compiled addon", () => {
    // Without it every test below would be vacuous; a machine without a C toolchain or prebuild must say so.
    expect(native, "bufferutil did not load its native addon").not.toBeNull();
  });

  fcTest.prop(
    [
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.boolean(),
      fc.integer(),
    ],
    { numRuns: 300 },
  )("gives the same bytes as core's maskInto at any offsets, length and key phase", (length, srcAt, dstAt, key, phase, inPlace, seed) => {
    const src = new Uint8Array(length + 16);
    for (let i = 0; i < src.length; i++) src[i] = (seed + i * 131) & 0xff;
    const expected = src.slice();
    const dstExpected = inPlace ? expected : new Uint8Array(length + 16);
    maskInto(expected, srcAt, dstExpected, inPlace ? srcAt : dstAt, length, key, phase);
    const dst = inPlace ? src : new Uint8Array(length + 16);
    native!(src, srcAt, dst, inPlace ? srcAt : dstAt, length, key, phase);
    expect(dst).toEqual(dstExpected);
  });

  fcTest.prop(
    [fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), fc.integer()],
    { numRuns: 300 },
  )("unmasks a whole view in place (core's adopted input) as maskInto does, touching nothing around it", (length, at, key, phase, seed) => {
    const whole = new Uint8Array(length + 32);
    for (let i = 0; i < whole.length; i++) whole[i] = (seed + i * 131) & 0xff;
    const expected = whole.slice();
    maskInto(expected, at, expected, at, length, key, phase);
    const view = new Uint8Array(whole.buffer, at, length);
    native!(view, 0, view, 0, length, key, phase);
    expect(whole).toEqual(expected);
  });

  it("refuses ranges outside either array instead of writing past them", () => {
    const key = new Uint8Array([1, 2, 3, 4]);
    const src = new Uint8Array(4096);
    expect(() => native!(src, 0, new Uint8Array(1000), 0, 1024, key, 0)).toThrow(RangeError);
    expect(() => native!(src, 3500, new Uint8Array(4096), 0, 1024, key, 0)).toThrow(RangeError);
    expect(() => native!(src, 0, new Uint8Array(4096), -1, 1024, key, 0)).toThrow(RangeError);
    expect(() => native!(src, 0, new Uint8Array(4096), 0, 1024, new Uint8Array(3), 0)).toThrow(RangeError);
  });
});

describe("withNodeDefaults", () => {
  it("fills in bufferutil's loop, message buffers, input adoption and the UTF-8 check, and never overrides the caller's choice", async () => {
    const { withNodeDefaults } = await import("../src/native-mask.js");
    const options: CommonOptions = { maxMessageSize: 5 };
    const filled = withNodeDefaults(options);
    expect(filled.mask).toBe(native);
    expect(filled.maxMessageSize).toBe(5);
    // Unzeroed Buffers for core to unmask into, zero-filled arrays for it to copy into (faster
    // there); each an array of its own, never a slice of Node's shared pool.
    for (const size of [16, 10_000, 1 << 20]) {
      for (const unmasks of [true, false]) {
        const buffer = filled.allocate!(size, unmasks);
        expect(buffer.byteLength).toBe(size);
        expect(buffer.buffer.byteLength).toBe(size);
        expect(buffer instanceof Buffer).toBe(unmasks);
      }
    }
    expect(filled.adoptInput).toBe(true);
    expect(filled.validateUtf8!(new Uint8Array([0xe2, 0x9c, 0x93]))).toBe(true);
    expect(filled.validateUtf8!(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false);
    // Past the size where Node's simdutf check takes over.
    const long = new TextEncoder().encode("é✓".repeat(40));
    expect(filled.validateUtf8!(long)).toBe(true);
    expect(filled.validateUtf8!(long.subarray(0, long.length - 1))).toBe(false);
    const own = { mask: maskInto, allocate: (n: number) => new Uint8Array(n), adoptInput: false, decodeUtf8Slice: () => "" };
    const kept = withNodeDefaults(own);
    expect(kept.mask).toBe(own.mask);
    expect(kept.allocate).toBe(own.allocate);
    expect(kept.adoptInput).toBe(false);
    expect(kept.decodeUtf8Slice).toBe(own.decodeUtf8Slice);
  });
});
