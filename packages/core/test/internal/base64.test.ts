import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64 } from "../../src/internal/base64.js";

describe("base64 (RFC 4648 §4)", () => {
  it("encodes the RFC 4648 §10 test vectors", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "Zg=="],
      ["fo", "Zm8="],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg=="],
      ["fooba", "Zm9vYmE="],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      const bytes = new TextEncoder().encode(plain);
      expect(encodeBase64(bytes)).toBe(encoded);
      expect(decodeBase64(encoded)).toEqual(bytes);
    }
  });

  it("accepts the RFC 6455 §4.1 example key, whose last character has non-zero leftover bits", () => {
    expect(decodeBase64("AQIDBAUGBwgJCgsMDQ4PEC==")).toEqual(Uint8Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it.each([
    ["A", "length not a multiple of 4"],
    ["AB=", "length not a multiple of 4"],
    ["Zg", "missing padding"],
    ["====", "padding only"],
    ["A===", "three padding characters"],
    ["Zg=a", "padding before data"],
    ["Z=g=", "padding in the middle"],
    ["Zm9v=Zm9", "padding in an early group"],
    ["Zm9v\nYg==", "line break"],
    ["Zm9 vYg==", "space"],
    [" Zm9v", "leading space"],
    ["-_8=", "URL-safe alphabet"],
    ["Zm9\u00e9", "non-ASCII character"],
    ["Zm9\u0100", "character above U+00FF"],
  ])("refuses %j (%s)", (text) => {
    expect(decodeBase64(text)).toBeNull();
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])("encodes like Buffer", (bytes) => {
    expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])("round-trips", (bytes) => {
    expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
  });

  const base64Char = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".split(""));
  test.prop([fc.string({ unit: base64Char, maxLength: 40 })])(
    "decodes whatever it accepts exactly like Buffer, and accepts every canonical encoding",
    (text) => {
      const ours = decodeBase64(text);
      if (ours !== null) {
        expect(text.length % 4).toBe(0);
        expect(ours).toEqual(new Uint8Array(Buffer.from(text, "base64")));
      }
      // Canonical input (what Buffer would produce) is always accepted.
      const canonical = Buffer.from(text, "base64").toString("base64");
      expect(decodeBase64(canonical)).toEqual(new Uint8Array(Buffer.from(canonical, "base64")));
    },
  );

  test.prop([fc.string({ maxLength: 40 })])("never throws on arbitrary strings", (text) => {
    const out = decodeBase64(text);
    if (out !== null) expect(encodeBase64(out).length).toBe(text.length);
  });
});
