import { describe, expect, it } from "vitest";
import {
  Utf8StreamDecoder,
  Utf8Validator,
  decodeUtf8,
  encodeUtf8,
  isValidUtf8,
} from "../../src/internal/utf8.js";
// bytes.ts imports nothing: these tests still load only the module they test.
import { hex, utf8 } from "../helpers/bytes.js";

/** `bytes` copied into a fresh buffer at byte offset `offset`, to vary alignment. */
function at(offset: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(offset + bytes.length).subarray(offset);
  out.set(bytes);
  return out;
}

/** Pushes one chunk into a fresh validator: the index of the first impossible byte, or -1. */
function firstError(bytes: Uint8Array): number {
  return new Utf8Validator().push(bytes);
}

describe("RFC 3629 strict UTF-8: valid input", () => {
  const valid: Array<[string, string]> = [
    ["empty", ""],
    ["ASCII including NUL and DEL", "00 41 7f"],
    ["U+0080, the smallest 2-byte code point", "c2 80"],
    ["U+07FF, the largest 2-byte code point", "df bf"],
    ["U+0800, the smallest 3-byte code point", "e0 a0 80"],
    ["U+D7FF, just below the surrogates", "ed 9f bf"],
    ["U+E000, just above the surrogates", "ee 80 80"],
    ["U+FFFF", "ef bf bf"],
    ["U+FFFE and U+FFFF noncharacters (valid UTF-8)", "ef bf be ef bf bf"],
    ["U+10000, the smallest 4-byte code point", "f0 90 80 80"],
    ["U+10FFFF, the largest code point", "f4 8f bf bf"],
    ["a byte order mark", "ef bb bf 41"],
    ["κόσμε (Autobahn 6.2)", "ce ba e1 bd b9 cf 83 ce bc ce b5"],
  ];
  for (const [name, bytes] of valid) {
    it(`accepts ${name}`, () => {
      const v = new Utf8Validator();
      expect(v.push(hex(bytes))).toBe(-1);
      expect(v.isComplete()).toBe(true);
      expect(isValidUtf8(hex(bytes))).toBe(true);
    });
  }
});

describe("RFC 3629 strict UTF-8: rejection at the first impossible byte", () => {
  // [name, bytes, index of the first byte that no valid stream could contain]
  const invalid: Array<[string, string, number]> = [
    ["a stray continuation byte 80", "80", 0],
    ["a stray continuation byte BF after ASCII", "41 42 bf", 2],
    ["C0, which only starts overlong forms", "c0 80", 0],
    ["C1, which only starts overlong forms", "c1 bf", 0],
    ["overlong 3-byte form E0 80..9F", "e0 80 80", 1],
    ["overlong 3-byte form E0 9F BF", "e0 9f bf", 1],
    ["the surrogate U+D800 (ED A0 80)", "ed a0 80", 1],
    ["the surrogate U+DFFF (ED BF BF)", "ed bf bf", 1],
    ["overlong 4-byte form F0 80..8F", "f0 80 80 80", 1],
    ["overlong 4-byte form F0 8F BF BF", "f0 8f bf bf", 1],
    ["U+110000 (F4 90 80 80), above the Unicode range", "f4 90 80 80", 1],
    ["F5, which only starts code points above U+10FFFF", "f5 80 80 80", 0],
    ["FE", "fe", 0],
    ["FF", "ff", 0],
    ["a 2-byte lead followed by ASCII", "c2 41", 1],
    ["a 3-byte lead followed by ASCII", "e1 41", 1],
    ["a 3-byte sequence cut short by ASCII", "e1 80 41", 2],
    ["a 4-byte sequence cut short by ASCII", "f1 80 80 41", 3],
    ["a 4-byte sequence cut short by a new lead", "f1 80 80 c2 80", 3],
    ["a lead byte followed by another lead byte", "c2 c2 80", 1],
    ["an error after valid multibyte text (Autobahn 6.3)", "ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64", 12],
  ];
  for (const [name, bytes, index] of invalid) {
    it(`rejects ${name} at byte ${index}`, () => {
      expect(firstError(hex(bytes))).toBe(index);
      expect(isValidUtf8(hex(bytes))).toBe(false);
    });
  }

  it("reports the index within the array, not relative to start", () => {
    const bytes = hex("41 41 41 c2 41");
    expect(new Utf8Validator().push(bytes, 2, 5)).toBe(4);
    expect(new Utf8Validator().push(bytes, 2, 4)).toBe(-1);
  });

  it("refuses a range outside the array", () => {
    const v = new Utf8Validator();
    expect(() => v.push(hex("41"), 0, 2)).toThrow(RangeError);
    expect(() => v.push(hex("41"), 1, 0)).toThrow(RangeError);
    expect(() => v.push(hex("41"), -1)).toThrow(RangeError);
  });

  it("ignores bytes outside [start, end)", () => {
    const bytes = hex("ff 41 c2 80 ff");
    const v = new Utf8Validator();
    expect(v.push(bytes, 1, 4)).toBe(-1);
    expect(v.isComplete()).toBe(true);
  });

  it("finds the first impossible byte at every position and alignment of a long ASCII text", () => {
    // Long enough to use the word-at-a-time path; the error moves across every word boundary.
    for (const offset of [0, 1, 2, 3]) {
      for (let pos = 0; pos < 600; pos += pos < 300 ? 1 : 37) {
        const bytes = new Uint8Array(700).fill(0x61);
        bytes[pos] = 0x80;
        expect(firstError(at(offset, bytes))).toBe(pos);
        bytes[pos] = 0xc2; // a lead followed by ASCII: the next byte is the impossible one
        expect(firstError(at(offset, bytes))).toBe(pos + 1);
        expect(isValidUtf8(at(offset, bytes))).toBe(false);
      }
    }
  });

  it("checks a multibyte character placed anywhere in a long ASCII text", () => {
    for (const offset of [0, 1, 2, 3]) {
      for (let pos = 250; pos < 320; pos++) {
        const bytes = new Uint8Array(700).fill(0x20);
        bytes.set(hex("f0 9f 98 80"), pos);
        expect(firstError(at(offset, bytes))).toBe(-1);
        bytes[pos + 2] = 0x41;
        expect(firstError(at(offset, bytes))).toBe(pos + 2);
      }
    }
  });
});

describe("RFC 6455 §8.1 incremental validation of fragmented text", () => {
  it("fails on the first impossible byte even when the code point began in an earlier chunk", () => {
    const v = new Utf8Validator();
    expect(v.push(hex("41 e0"))).toBe(-1);
    expect(v.isComplete()).toBe(false);
    expect(v.push(hex("80 80"))).toBe(0);
  });

  it("fails in a later chunk at the exact byte of the later chunk", () => {
    const v = new Utf8Validator();
    expect(v.push(hex("f4"))).toBe(-1);
    expect(v.push(hex("8f"))).toBe(-1);
    expect(v.push(hex("bf 41 42"))).toBe(1);
  });

  it("accepts every code point of a mixed text split at every position, and pushed byte by byte", () => {
    const bytes = utf8("a\u00e9\u0800\uffff\u{10000}\u{10ffff}z\u{1f600}");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const v = new Utf8Validator();
      expect(v.push(bytes.subarray(0, cut))).toBe(-1);
      expect(v.push(bytes.subarray(cut))).toBe(-1);
      expect(v.isComplete()).toBe(true);
    }
    const v = new Utf8Validator();
    for (let i = 0; i < bytes.length; i++) {
      expect(v.push(bytes, i, i + 1)).toBe(-1);
      expect(v.isComplete()).toBe((bytes[i + 1] === undefined || (bytes[i + 1]! & 0xc0) !== 0x80));
    }
  });

  it("reports a message that ends inside a code point as incomplete", () => {
    for (const truncated of ["c2", "e1 80", "f0 90 80", "41 f4"]) {
      const v = new Utf8Validator();
      expect(v.push(hex(truncated))).toBe(-1);
      expect(v.isComplete()).toBe(false);
      expect(isValidUtf8(hex(truncated))).toBe(false);
    }
  });

  it("treats an empty push as a no-op", () => {
    const v = new Utf8Validator();
    expect(v.push(hex("e2 82"))).toBe(-1);
    expect(v.push(new Uint8Array(0))).toBe(-1);
    expect(v.push(hex("ac"))).toBe(-1);
    expect(v.isComplete()).toBe(true);
  });

  it("stays failed after an error until reset", () => {
    const v = new Utf8Validator();
    expect(v.push(hex("41 ff"))).toBe(1);
    expect(v.isComplete()).toBe(false);
    expect(v.push(hex("41"))).toBe(0);
    expect(v.push(hex("41 41"), 1)).toBe(1);
    v.reset();
    expect(v.push(hex("41"))).toBe(-1);
    expect(v.isComplete()).toBe(true);
  });

  it("forgets a pending code point on reset", () => {
    const v = new Utf8Validator();
    expect(v.push(hex("e0"))).toBe(-1);
    v.reset();
    expect(v.isComplete()).toBe(true);
    expect(v.push(hex("80"))).toBe(0);
  });
});

describe("decodeUtf8", () => {
  it("decodes ASCII, multibyte and astral text", () => {
    for (const text of ["", "a", "ok", "abcd", "abcde", "héllo", "€", "😀", "Привет, 世界 🎉".repeat(20)]) {
      expect(decodeUtf8(utf8(text))).toBe(text);
    }
  });

  it("keeps a leading byte order mark as U+FEFF", () => {
    expect(decodeUtf8(hex("ef bb bf 41"))).toBe("\ufeffA");
    expect(decodeUtf8(hex("ef bb bf"))).toBe("\ufeff");
  });

  it("decodes a subarray view, not its whole buffer", () => {
    const bytes = utf8("xxhixx").subarray(2, 4);
    expect(decodeUtf8(bytes)).toBe("hi");
  });
});

describe("Utf8StreamDecoder", () => {
  it("joins a code point split across pieces", () => {
    const bytes = utf8("a😀b€");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new Utf8StreamDecoder();
      expect(d.decode(bytes.subarray(0, cut), false) + d.decode(bytes.subarray(cut), true)).toBe("a😀b€");
    }
  });

  it("keeps a leading byte order mark, and starts each message afresh after end", () => {
    const d = new Utf8StreamDecoder();
    expect(d.decode(hex("ef bb"), false) + d.decode(hex("bf 41"), true)).toBe("\ufeffA");
    expect(d.decode(hex("ef bb bf"), true)).toBe("\ufeff");
  });

  it("drops a pending partial code point on reset", () => {
    const d = new Utf8StreamDecoder();
    expect(d.decode(hex("e2 82"), false)).toBe("");
    d.reset();
    expect(d.decode(utf8("ok"), true)).toBe("ok");
  });
});

describe("encodeUtf8", () => {
  it("encodes text as UTF-8", () => {
    expect(Array.from(encodeUtf8("A€😀"))).toEqual(Array.from(hex("41 e2 82 ac f0 9f 98 80")));
  });

  it("replaces a lone surrogate with U+FFFD, so the output is always valid", () => {
    const bytes = encodeUtf8("a\ud800b");
    expect(Array.from(bytes)).toEqual(Array.from(hex("61 ef bf bd 62")));
    expect(isValidUtf8(bytes)).toBe(true);
  });
});
