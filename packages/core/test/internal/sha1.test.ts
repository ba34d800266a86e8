import { createHash } from "node:crypto";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { sha1 } from "../../src/internal/sha1.js";

const nodeSha1 = (bytes: Uint8Array): string => createHash("sha1").update(bytes).digest("hex");
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("sha1 (FIPS 180-4)", () => {
  it("matches the FIPS 180 test vectors", () => {
    expect(hex(sha1(ascii("")))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hex(sha1(ascii("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(sha1(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
  });

  it("matches node:crypto at every length around the padding boundaries", () => {
    for (let n = 0; n <= 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(hex(sha1(data)), `length ${n}`).toBe(nodeSha1(data));
    }
  });

  it("hashes a view with a non-zero byteOffset as the view, not its buffer", () => {
    const backing = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = backing.subarray(37, 37 + 130);
    expect(hex(sha1(view))).toBe(nodeSha1(view));
  });

  it("hashes a million bytes", () => {
    const data = new Uint8Array(1_000_000).fill(0x61);
    expect(hex(sha1(data))).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  });

  test.prop([fc.uint8Array({ maxLength: 5000 })])("agrees with node:crypto on random inputs", (data) => {
    expect(hex(sha1(data))).toBe(nodeSha1(data));
  });

  test.prop([fc.constantFrom(55, 56, 63, 64, 119, 120, 127, 128), fc.integer({ min: 0, max: 255 })])(
    "agrees with node:crypto on block-boundary lengths",
    (length, fill) => {
      const data = new Uint8Array(length).fill(fill);
      expect(hex(sha1(data))).toBe(nodeSha1(data));
    },
  );
});
