import { describe, expect, it } from "vitest";
import { RemoteProtocolError } from "../../src/index.js";
import { FrameHeaderParser } from "../../src/frame/header.js";
import { hex } from "../helpers/bytes.js";

const parser = (role: "client" | "server" = "client", maxFrameSize = 1 << 24, rsvAllowed = 0): FrameHeaderParser =>
  new FrameHeaderParser({ role, rsvAllowed, maxFrameSize });

function errorOf(fn: () => unknown): RemoteProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RemoteProtocolError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("RFC 6455 §5.2 frame header", () => {
  it("reads the §5.7 unmasked Hello header", () => {
    const p = parser();
    expect(p.parse(hex("810548656c6c6f"), 0)).toBe(2);
    expect([p.fin, p.rsv, p.opcode, p.masked, p.length]).toEqual([true, 0, 1, false, 5]);
  });

  it("reads the §5.7 masked Hello header and key", () => {
    const p = parser("server");
    expect(p.parse(hex("818537fa213d7f9f4d5158"), 0)).toBe(6);
    expect(p.masked).toBe(true);
    expect(Array.from(p.maskKey)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
  });

  it("reads 16-bit and 64-bit lengths", () => {
    const p = parser();
    expect(p.parse(hex("827e0100"), 0)).toBe(4);
    expect(p.length).toBe(256);
    expect(p.parse(hex("827f0000000000010000"), 0)).toBe(10);
    expect(p.length).toBe(65536);
  });

  it("reads a 64-bit length above 2^32 exactly", () => {
    const p = parser("client", Number.MAX_SAFE_INTEGER);
    p.parse(hex("827f0000000100000002"), 0);
    expect(p.length).toBe(2 ** 32 + 2);
  });

  it("continues a header split at every point", () => {
    const bytes = hex("82ff0000000000010000aabbccdd");
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = parser("server");
      expect(p.parse(bytes.subarray(0, cut), 0)).toBe(-1);
      expect(p.isPartial).toBe(true);
      expect(p.parse(bytes.subarray(cut), 0)).toBe(bytes.length - cut);
      expect(p.length).toBe(65536);
      expect(Array.from(p.maskKey)).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    }
  });

  it("continues a header delivered one byte at a time", () => {
    const bytes = hex("82fe1000aabbccdd");
    const p = parser("server");
    for (let i = 0; i < bytes.length - 1; i++) expect(p.parse(bytes.subarray(i, i + 1), 0)).toBe(-1);
    expect(p.parse(bytes.subarray(bytes.length - 1), 0)).toBe(1);
    expect(p.length).toBe(0x1000);
  });

  it("rejects a length over the limit from the header alone", () => {
    expect(errorOf(() => parser("client", 1000).parse(hex("827e03e9"), 0)).code).toBe("FRAME_TOO_BIG");
    expect(errorOf(() => parser("client", 1000).parse(hex("827fffffffffffffffff"), 0)).code).toBe("LENGTH_MSB_SET");
    expect(errorOf(() => parser("client", 2 ** 40).parse(hex("827f7fffffffffffffff"), 0)).code).toBe("FRAME_TOO_BIG");
  });

  it("accepts RSV bits an extension owns on data frames only", () => {
    const p = parser("client", 1 << 20, 0x40);
    p.parse(hex("c100"), 0);
    expect(p.rsv).toBe(0x40);
    expect(errorOf(() => parser("client", 1 << 20, 0x40).parse(hex("a100"), 0)).code).toBe("RESERVED_BITS_SET");
    expect(errorOf(() => parser("client", 1 << 20, 0x40).parse(hex("c900"), 0)).code).toBe("RESERVED_BITS_SET");
  });

  it("names each broken rule", () => {
    expect(errorOf(() => parser().parse(hex("8300"), 0)).code).toBe("RESERVED_OPCODE");
    expect(errorOf(() => parser().parse(hex("0900"), 0)).code).toBe("FRAGMENTED_CONTROL_FRAME");
    expect(errorOf(() => parser().parse(hex("897e007e"), 0)).code).toBe("CONTROL_FRAME_TOO_LONG");
    expect(errorOf(() => parser("server").parse(hex("8100"), 0)).code).toBe("UNMASKED_FRAME_FROM_CLIENT");
    expect(errorOf(() => parser("client").parse(hex("818000000000"), 0)).code).toBe("MASKED_FRAME_FROM_SERVER");
    expect(errorOf(() => parser().parse(hex("827e0005"), 0)).code).toBe("NON_MINIMAL_LENGTH");
    expect(errorOf(() => parser().parse(hex("827f000000000000ffff"), 0)).code).toBe("NON_MINIMAL_LENGTH");
  });
  it("reads every first two bytes and 16-bit length alike whole and one byte at a time", () => {
    // A header whole in its chunk may take parse()'s fast path; fed a byte at a time it always
    // takes the general one. Every (b0, b1), in both roles, with and without an owned RSV bit and
    // with frame limits below 126 and between 16-bit lengths, must give the same fields, size and
    // error either way; so must 16-bit lengths that are too short, the shortest, and the longest.
    const bytes = new Uint8Array(3 + 14);
    bytes.set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c], 5);
    type Outcome = string | readonly [number, boolean, number, number, boolean, number, readonly number[]];
    const read = (p: FrameHeaderParser, size: number): Outcome => [size, p.fin, p.rsv, p.opcode, p.masked, p.length, p.masked ? Array.from(p.maskKey) : []];
    const whole = (p: FrameHeaderParser): Outcome => {
      try {
        return read(p, p.parse(bytes, 3) - 3);
      } catch (e) {
        return (e as RemoteProtocolError).code;
      }
    };
    const byteWise = (p: FrameHeaderParser): Outcome => {
      try {
        for (let i = 3; i < bytes.length; i++) if (p.parse(bytes.subarray(i, i + 1), 0) === 1) return read(p, i - 2);
        return "incomplete";
      } catch (e) {
        return (e as RemoteProtocolError).code;
      }
    };
    let differences = 0;
    let fastShaped = 0;
    // The first pair is 258 as a 16-bit length; the others only matter to b1 & 0x7f = 126.
    const extended = [[0x01, 0x02], [0x00, 0x7d], [0x00, 0x7e], [0xff, 0xff]] as const;
    for (const role of ["client", "server"] as const) {
      for (const [maxFrameSize, rsvAllowed] of [[1 << 24, 0], [1 << 24, 0x40], [100, 0x70], [300, 0]] as const) {
        for (const [i, [e0, e1]] of extended.entries()) {
          bytes[5] = e0;
          bytes[6] = e1;
          for (let b0 = 0; b0 < 256; b0++) {
            for (let b1 = 0; b1 < 256; b1++) {
              if (i > 0 && (b1 & 0x7f) !== 126) continue;
              bytes[3] = b0;
              bytes[4] = b1;
              const a = whole(parser(role, maxFrameSize, rsvAllowed));
              const b = byteWise(parser(role, maxFrameSize, rsvAllowed));
              if (JSON.stringify(a) !== JSON.stringify(b) && differences++ < 5) expect([b0, b1, e0, e1, role, a]).toEqual([b0, b1, e0, e1, role, b]);
              if (typeof a !== "string" && (b1 & 0x7f) <= 126 && (b0 & 0x0f) <= 2) fastShaped++;
            }
          }
        }
      }
    }
    expect(differences).toBe(0);
    expect(fastShaped).toBeGreaterThan(10_000);
  });
});
