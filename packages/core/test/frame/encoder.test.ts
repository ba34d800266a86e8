import { describe, expect, it } from "vitest";
import { encodeFrame, Opcode } from "../../src/index.js";
import { headerSize } from "../../src/frame/encoder.js";
import { hex, toHex, utf8 } from "../helpers/bytes.js";

const KEY = hex("37fa213d");

describe("RFC 6455 §5.7 examples, encoded byte for byte", () => {
  it("a single-frame unmasked text message", () => {
    expect(toHex(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Text, payload: utf8("Hello") }))).toBe("810548656c6c6f");
  });
  it("a single-frame masked text message", () => {
    expect(toHex(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Text, payload: utf8("Hello") }, KEY))).toBe("818537fa213d7f9f4d5158");
  });
  it("a fragmented unmasked text message", () => {
    expect(toHex(encodeFrame({ fin: false, rsv: 0, opcode: Opcode.Text, payload: utf8("Hel") }))).toBe("010348656c");
    expect(toHex(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Continuation, payload: utf8("lo") }))).toBe("80026c6f");
  });
  it("an unmasked ping and a masked pong", () => {
    expect(toHex(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Ping, payload: utf8("Hello") }))).toBe("890548656c6c6f");
    expect(toHex(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Pong, payload: utf8("Hello") }, KEY))).toBe("8a8537fa213d7f9f4d5158");
  });
  it("256 bytes of binary in one unmasked frame", () => {
    const out = encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Binary, payload: new Uint8Array(256) });
    expect(toHex(out.subarray(0, 4))).toBe("827e0100");
    expect(out.length).toBe(260);
  });
  it("64 KiB of binary in one unmasked frame", () => {
    const out = encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Binary, payload: new Uint8Array(65536) });
    expect(toHex(out.subarray(0, 10))).toBe("827f0000000000010000");
  });
});

describe("minimal length encoding", () => {
  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ])("a %i-byte payload gets a %i-byte header", (length, size) => {
    expect(headerSize(length, false)).toBe(size);
    expect(headerSize(length, true)).toBe(size + 4);
    expect(encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Binary, payload: new Uint8Array(length) }).length).toBe(size + length);
  });
  it("does not modify the payload when masking", () => {
    const payload = utf8("Hello");
    encodeFrame({ fin: true, rsv: 0, opcode: Opcode.Text, payload }, KEY);
    expect(payload).toEqual(utf8("Hello"));
  });
});
