import { createHash } from "node:crypto";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { ACCEPT_GUID, computeAcceptKey, generateKey, isValidKey } from "../../src/handshake/accept-key.js";
import { seededRandom } from "../helpers/random.js";

describe("RFC 6455 §4.2.2 Sec-WebSocket-Accept", () => {
  it("computes the §1.3 example", () => {
    expect(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("uses the RFC's GUID", () => {
    expect(ACCEPT_GUID).toBe("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  });

  test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 })])("agrees with node:crypto for any key", (nonce) => {
    const key = Buffer.from(nonce).toString("base64");
    const expected = createHash("sha1").update(key + ACCEPT_GUID).digest("base64");
    expect(computeAcceptKey(key)).toBe(expected);
  });

  const latin1Key = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 80 });
  test.prop([fc.array(fc.oneof(latin1Key, fc.string({ unit: fc.constantFrom(..."ABCabc+/=0"), minLength: 24, maxLength: 24 })), { maxLength: 6 })])(
    "agrees with node:crypto for any latin1 value, of any length, in any order (a 24-character one is hashed in a shared array)",
    (keys) => {
      const expected = (key: string): string => createHash("sha1").update(Buffer.from(key + ACCEPT_GUID, "latin1")).digest("base64");
      for (const key of keys) expect(computeAcceptKey(key)).toBe(expected(key));
    },
  );

  it("answers a key correctly after a 24-character one that was refused halfway", () => {
    expect(() => computeAcceptKey("dGhlIHNhbXBsZ\u0100Bub25jZQ==")).toThrow(LocalProtocolError);
    expect(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("hashes latin1 characters as single bytes and refuses wider ones", () => {
    const expected = createHash("sha1").update(Buffer.from("\u00e9" + ACCEPT_GUID, "latin1")).digest("base64");
    expect(computeAcceptKey("\u00e9")).toBe(expected);
    expect(() => computeAcceptKey("\u0100")).toThrow(LocalProtocolError);
  });
});

describe("RFC 6455 §4.1 Sec-WebSocket-Key", () => {
  it("generates 16 random bytes, base64-encoded, from the injected source", () => {
    const a = generateKey(seededRandom(1));
    expect(a).toHaveLength(24);
    expect(isValidKey(a)).toBe(true);
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(generateKey(seededRandom(1))).toBe(a);
    expect(generateKey(seededRandom(2))).not.toBe(a);
  });

  it.each([
    ["dGhlIHNhbXBsZSBub25jZQ==", true],
    ["AQIDBAUGBwgJCgsMDQ4PEC==", true], // the §4.1 example, with non-zero leftover bits
    ["AAAAAAAAAAAAAAAAAAAAAA==", true],
    ["", false],
    ["dGhlIHNhbXBsZSBub25jZQ", false], // no padding
    ["dGhlIHNhbXBsZSBub25jZQ=", false],
    ["dGhlIHNhbXBsZSBub25j", false], // 15 bytes
    ["dGhlIHNhbXBsZSBub25jZQ==AAAA", false], // 19 bytes
    ["dGhlIHNhbXBsZSBub25jZWVl", false], // 18 bytes, 24 characters
    [" dGhlIHNhbXBsZSBub25jZQ=", false],
    ["dGhlIHNhbXBsZSBub25jZQ-_", false],
    ["dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==", false],
  ])("isValidKey(%j) is %s", (key, valid) => {
    expect(isValidKey(key)).toBe(valid);
  });
});
