import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { latin1, SHORT_STRING } from "../../src/internal/char-codes.js";

/** One character per byte, the slow obvious way. */
const reference = (bytes: Uint8Array, start: number, end: number): string => {
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
};

describe("latin1", () => {
  test.prop([fc.uint8Array({ maxLength: 9000 }), fc.nat(), fc.nat()])("decodes any range of any bytes one character per byte", (bytes, a, b) => {
    const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
    const end = start + (bytes.length === start ? 0 : b % (bytes.length - start + 1));
    expect(latin1(bytes, start, end)).toBe(reference(bytes, start, end));
  });

  it("gives each string its own characters though short ones share their code arrays", () => {
    const bytes = Uint8Array.from({ length: 2 * SHORT_STRING + 1 }, (_, i) => 0x41 + (i % 26));
    const seen = [];
    for (const length of [SHORT_STRING, 5, SHORT_STRING, 0, 5, SHORT_STRING + 1, 2 * SHORT_STRING + 1]) {
      seen.push([latin1(bytes, 1, 1 + Math.min(length, bytes.length - 1)), reference(bytes, 1, 1 + Math.min(length, bytes.length - 1))]);
    }
    for (const [ours, expected] of seen) expect(ours).toBe(expected);
  });
});
