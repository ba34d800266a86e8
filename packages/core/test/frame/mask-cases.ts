/**
 * The masking tests, run twice: with the host as it is (WebAssembly SIMD from SIMD_MIN bytes, see
 * mask.test.ts) and with no WebAssembly, as on Cloudflare Workers (core's JavaScript loops, see
 * mask-js.test.ts). Lengths straddle SIMD_MIN and the SIMD path's 64 KiB runs.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as MaskModule from "../../src/frame/mask.js";
import { hex, toHex } from "../helpers/bytes.js";
import { seededRandom } from "../helpers/random.js";


const KEY = hex("37 fa 21 3d");

/** Fast byte comparison (vitest's deep equality is slow on megabyte arrays); reports the first difference. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      expect.fail(`byte ${i} of ${actual.length}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** RFC 6455 §5.3, written as plainly as possible. */
function referenceMask(data: Uint8Array, key: Uint8Array, keyOffset: number): Uint8Array {
  return data.map((b, i) => b ^ key[(keyOffset + i) % 4]!);
}

/** Deterministic filler so failures are reproducible. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  seededRandom(seed)(out);
  return out;
}

/** Every length to 300 (the JavaScript loops' thresholds), and lengths around SIMD_MIN (1024). */
const LENGTHS = [...Array.from({ length: 301 }, (_, i) => i), 1020, 1023, 1024, 1025, 1031, 4099];

/** Defines the masking tests against `m`, one load of frame/mask.ts. */
export function maskTests(m: typeof MaskModule): void {
  const { InPlaceMasker, mask, maskInto } = m;
  describe("RFC 6455 §5.7 examples", () => {
    it('masks "Hello" with key 37 fa 21 3d to 7f 9f 4d 51 58', () => {
      const payload = new TextEncoder().encode("Hello");
      mask(payload, KEY);
      expect(toHex(payload)).toBe("7f9f4d5158");
    });

    it("unmasks the masked text frame 0x81 0x85 37fa213d 7f9f4d5158 back to Hello", () => {
      const frame = hex("8185 37fa213d 7f9f4d5158");
      maskInto(frame, 6, frame, 6, 5, frame.subarray(2, 6), 0);
      expect(new TextDecoder().decode(frame.subarray(6))).toBe("Hello");
    });
  });

  describe("RFC 6455 §5.3 masking: maskInto", () => {
    it("matches the byte-loop reference for every length 0..300 and around 1 KiB, src/dst misalignment 0..7 and key phase", () => {
      for (const length of LENGTHS) {
        const data = pattern(length, length + 1);
        for (let keyOffset = 0; keyOffset < 4; keyOffset++) {
          const expected = referenceMask(data, KEY, keyOffset);
          for (let srcOffset = 0; srcOffset < 8; srcOffset++) {
            const src = new Uint8Array(length + 16);
            src.set(data, srcOffset);
            for (let dstOffset = 0; dstOffset < 8; dstOffset++) {
              const dst = new Uint8Array(length + 16).fill(0xee);
              maskInto(src, srcOffset, dst, dstOffset, length, KEY, keyOffset);
              expectSameBytes(dst.subarray(dstOffset, dstOffset + length), expected);
              // Nothing outside the destination range is touched.
              expect(dst.subarray(0, dstOffset).every((b) => b === 0xee)).toBe(true);
              expect(dst.subarray(dstOffset + length).every((b) => b === 0xee)).toBe(true);
            }
            // The source is left alone when it is not the destination.
            expectSameBytes(src.subarray(srcOffset, srcOffset + length), data);
          }
        }
      }
    });

    it("masks in place for every length 0..300 and around 1 KiB, alignment 0..7 and key phase", () => {
      for (const length of LENGTHS) {
        const data = pattern(length, 7 * length + 3);
        for (let keyOffset = 0; keyOffset < 4; keyOffset++) {
          const expected = referenceMask(data, KEY, keyOffset);
          for (let offset = 0; offset < 8; offset++) {
            const buf = new Uint8Array(length + 16).fill(0xee);
            buf.set(data, offset);
            maskInto(buf, offset, buf, offset, length, KEY, keyOffset);
            expectSameBytes(buf.subarray(offset, offset + length), expected);
            expect(buf.subarray(offset + length).every((b) => b === 0xee)).toBe(true);
          }
        }
      }
    });

    it("works on subarray views whose byteOffset is not a multiple of 4", () => {
      const backing = new Uint8Array(4096).fill(0xee);
      for (const viewOffset of [1, 2, 3, 5]) {
        const view = backing.subarray(viewOffset, viewOffset + 1000);
        const data = pattern(1000, viewOffset);
        view.set(data);
        maskInto(view, 0, view, 0, 1000, KEY, 2);
        expectSameBytes(view, referenceMask(data, KEY, 2));
      }
    });

    it("matches the reference on large payloads (64 KiB, 1 MiB and odd sizes) with misalignment", () => {
      for (const length of [65535, 65536, 65537, 2 * 65536 + 5, (1 << 20) + 3]) {
        const data = pattern(length, length);
        const expected = referenceMask(data, KEY, 1);
        const src = new Uint8Array(length + 8);
        src.set(data, 3);
        const dst = new Uint8Array(length + 8);
        maskInto(src, 3, dst, 6, length, KEY, 1);
        expectSameBytes(dst.subarray(6, 6 + length), expected);
        maskInto(src, 3, src, 3, length, KEY, 1);
        expectSameBytes(src.subarray(3, 3 + length), expected);
      }
    });

    it("uses only the key phase modulo 4", () => {
      const data = pattern(200, 9);
      const a = new Uint8Array(200);
      const b = new Uint8Array(200);
      maskInto(data, 0, a, 0, 200, KEY, 1);
      maskInto(data, 0, b, 0, 200, KEY, 4001);
      expectSameBytes(a, b);
    });

    it("unmasks a payload delivered in pieces when keyOffset counts the bytes already processed", () => {
      const data = pattern(140_000, 5);
      const expected = referenceMask(data, KEY, 0);
      const pieceLists = [[1, 2, 3, 700, 794, 138_500], [333, 1167, 70_001, 68_499], [64, 64, 1372, 138_500], [5, 160, 1335, 65_536, 72_964]];
      for (const pieces of pieceLists) {
        const buf = data.slice();
        let done = 0;
        for (const n of pieces) {
          maskInto(buf, done, buf, done, n, KEY, done);
          done += n;
        }
        expectSameBytes(buf, expected);
      }
    });

    it("moves a payload towards the start of its buffer while unmasking it (overlap with dst before src)", () => {
      for (const length of [10, 63, 64, 159, 160, 200, 1000, 1024, 4099, 65_536 + 77, 3 * 65_536 + 1]) {
        for (const [from, to] of [[3, 0], [9, 1], [4, 0], [14, 2]] as const) {
          const buf = pattern(length + 16, length);
          const expected = referenceMask(buf.slice(from, from + length), KEY, 3);
          maskInto(buf, from, buf, to, length, KEY, 3);
          expectSameBytes(buf.subarray(to, to + length), expected);
        }
      }
    });

    it("treats two distinct views of the same bytes as in place", () => {
      for (const length of [1000, 5000]) {
        const backing = pattern(length + 24, 77);
        const expected = referenceMask(backing.subarray(8, 8 + length), KEY, 0);
        maskInto(backing.subarray(8), 0, backing.subarray(4), 4, length, KEY, 0);
        expectSameBytes(backing.subarray(8, 8 + length), expected);
      }
    });

    it("is its own inverse", () => {
      const data = pattern(777, 1);
      const buf = data.slice();
      mask(buf, KEY);
      expect(buf).not.toEqual(data);
      mask(buf, KEY);
      expectSameBytes(buf, data);
    });

    it("rejects a key that is not 4 bytes and ranges outside the arrays", () => {
      const buf = new Uint8Array(300);
      expect(() => maskInto(buf, 0, buf, 0, 10, new Uint8Array(3), 0)).toThrow(RangeError);
      expect(() => maskInto(buf, 0, buf, 0, 301, KEY, 0)).toThrow(RangeError);
      expect(() => maskInto(buf, 200, buf, 0, 101, KEY, 0)).toThrow(RangeError);
      expect(() => maskInto(buf, 0, buf.subarray(0, 100), 0, 200, KEY, 0)).toThrow(RangeError);
      expect(() => maskInto(buf, -1, buf, 0, 10, KEY, 0)).toThrow(RangeError);
      expect(() => maskInto(buf, 0, buf, 0, -1, KEY, 0)).toThrow(RangeError);
      expect(buf.every((b) => b === 0)).toBe(true);
    });
  });

  describe("InPlaceMasker: in place, one kept view per array", () => {
    it("matches the reference for every length 0..300 and around 1 KiB, array alignment 0..7, start 0..7 and key phase, with and without a kept view", () => {
      for (const length of LENGTHS) {
        const data = pattern(length, 11 * length + 5);
        for (let keyOffset = 0; keyOffset < 4; keyOffset++) {
          const expected = referenceMask(data, KEY, keyOffset);
          for (let viewOffset = 0; viewOffset < 8; viewOffset++) {
            // A view not starting on a 4-byte boundary; with `warm`, a 64-byte payload first so that
            // the masker already keeps a view of the array (the short path is taken otherwise).
            for (const warm of [false, true]) {
              const masker = new InPlaceMasker();
              const buf = new Uint8Array(length + 96).fill(0xee);
              const view = buf.subarray(viewOffset);
              if (warm) {
                const first = pattern(64, 3);
                view.set(first, length + 8);
                masker.mask(view, length + 8, 64, KEY, 0);
                expectSameBytes(view.subarray(length + 8, length + 72), referenceMask(first, KEY, 0));
              }
              for (let start = 0; start < 8; start += 3) {
                view.fill(0xee, 0, length + 8);
                view.set(data, start);
                masker.mask(view, start, length, KEY, keyOffset);
                expectSameBytes(view.subarray(start, start + length), expected);
                expect(view.subarray(0, start).every((b) => b === 0xee)).toBe(true);
                expect(view.subarray(start + length, length + 8).every((b) => b === 0xee)).toBe(true);
              }
              expect(buf.subarray(0, viewOffset).every((b) => b === 0xee)).toBe(true);
            }
          }
        }
      }
    });

    it("property: any sequence of ranges over any arrays matches the reference, and release() changes nothing but the view", () => {
      const op = fc.record({
        array: fc.nat(2),
        start: fc.nat(3000),
        length: fc.nat(3000),
        keyOffset: fc.nat(7),
        release: fc.boolean(),
      });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 30 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(3), (ops, key, offset) => {
          // Three arrays: two views of one buffer at different alignments, and one of its own.
          const shared = pattern(6000, 21);
          const arrays = [shared.subarray(offset, offset + 3000), shared.subarray(3000 + offset), pattern(2600, 22)];
          const expected = arrays.map((a) => a.slice());
          const masker = new InPlaceMasker();
          for (const { array, start, length, keyOffset, release } of ops) {
            const a = arrays[array]!;
            if (start + length > a.length) {
              expect(() => masker.mask(a, start, length, key, keyOffset)).toThrow(RangeError);
              continue;
            }
            masker.mask(a, start, length, key, keyOffset);
            const e = expected[array]!;
            e.set(referenceMask(e.subarray(start, start + length), key, keyOffset), start);
            if (release) masker.release();
          }
          arrays.forEach((a, i) => expectSameBytes(a, expected[i]!));
        }),
      );
    });

    it("with `ascii`, says true exactly when every unmasked byte is below 0x80 (below SIMD_MIN; never a wrong true above)", () => {
      const ascii = (length: number, seed: number): Uint8Array => pattern(length, seed).map((b) => b & 0x7f);
      for (const length of LENGTHS) {
        const plain = ascii(length, 7 * length + 1);
        for (let keyOffset = 0; keyOffset < 4; keyOffset++) {
          // Every position of a short payload, a spread of a long one's, and none.
          const step = length <= 80 ? 1 : 37;
          for (let bad = -1; bad < length; bad = bad < 0 ? 0 : bad + step) {
            for (const start of [0, 1, 2, 3, 5]) {
              const text = plain.slice();
              if (bad >= 0) text[bad] = 0x80 | (bad & 0x7f);
              const buf = new Uint8Array(length + 8);
              buf.set(referenceMask(text, KEY, keyOffset), start);
              const masker = new InPlaceMasker();
              const said = masker.mask(buf, start, length, KEY, keyOffset, true);
              expectSameBytes(buf.subarray(start, start + length), text);
              if (length < 1024) expect(said, `length ${length}, non-ASCII at ${bad}, start ${start}`).toBe(bad < 0);
              else if (bad >= 0) expect(said).toBe(false);
              // Without `ascii` nobody looks.
              buf.set(referenceMask(text, KEY, keyOffset), start);
              expect(masker.mask(buf, start, length, KEY, keyOffset)).toBe(false);
            }
          }
        }
      }
    });

    it("keeps the array alive until release(), and not after", async () => {
      setFlagsFromString("--expose_gc");
      const gc = runInNewContext("gc") as () => void;
      const collected = async (ref: WeakRef<object>): Promise<boolean> => {
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
        return ref.deref() === undefined;
      };
      const masker = new InPlaceMasker();
      // The memory is what matters: the array's buffer, which the kept view holds too.
      const ref = ((): WeakRef<ArrayBuffer> => {
        const chunk = new Uint8Array(1 << 16);
        masker.mask(chunk, 0, 1000, KEY, 0);
        return new WeakRef(chunk.buffer);
      })();
      expect(await collected(ref)).toBe(false);
      masker.release();
      expect(await collected(ref)).toBe(true);
    });

    it("rejects a key that is not 4 bytes and ranges outside the array, touching nothing", () => {
      const masker = new InPlaceMasker();
      const buf = new Uint8Array(300);
      masker.mask(buf, 0, 100, new Uint8Array(4), 0); // keeps a view of buf
      expect(() => masker.mask(buf, 0, 10, new Uint8Array(3), 0)).toThrow(RangeError);
      expect(() => masker.mask(buf, 0, 301, KEY, 0)).toThrow(RangeError);
      expect(() => masker.mask(buf, 200, 101, KEY, 0)).toThrow(RangeError);
      expect(() => masker.mask(buf, -1, 10, KEY, 0)).toThrow(RangeError);
      expect(() => masker.mask(buf, 0, -1, KEY, 0)).toThrow(RangeError);
      expect(buf.every((b) => b === 0)).toBe(true);
    });
  });
}
