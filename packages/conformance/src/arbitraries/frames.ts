/**
 * fast-check arbitraries for the wire: payloads, valid and invalid UTF-8, close payloads, frames
 * (valid and broken), fragmented messages with control frames between the fragments, and the
 * compressed messages of permessage-deflate. They produce plain data ({@link WireFrame}), so
 * fast-check shrinks them to short scripts: fewer frames, shorter payloads, fewer fragments.
 */
import fc from "fast-check";
import { concat, pseudoRandomBytes, utf8 } from "../bytes.js";
import { frame, OP, RSV1, RSV2, RSV3, type WireFrame } from "../frames.js";
import type { CompressedMessage } from "../scenario.js";

/** Bytes of any value, up to `maxLength`. */
export const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

/**
 * Bytes of a size drawn from `size`, filled from a seed: large payloads (64 KiB and more)
 * without fast-check generating, and shrinking, every byte.
 */
export const sizedBytes = (size: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(size, fc.integer({ min: 1, max: 0x7fffffff })).map(([n, seed]) => pseudoRandomBytes(n, seed));

/** Payload lengths around the boundaries of the length encodings (RFC 6455 §5.2). */
export const boundaryLength: fc.Arbitrary<number> = fc.constantFrom(0, 1, 125, 126, 127, 65535, 65536, 65537);

/** Valid text: any graphemes, astral planes and combining marks included. */
export const validText: fc.Arbitrary<string> = fc.string({ unit: "grapheme", maxLength: 40 });

/** Byte sequences no UTF-8 decoder may accept, named by what is wrong with them. */
export const INVALID_UTF8_SEQUENCES: ReadonlyArray<readonly [name: string, bytes: readonly number[]]> = [
  ["overlong 2-byte NUL", [0xc0, 0x80]],
  ["overlong 2-byte '/'", [0xc1, 0xbf]],
  ["overlong 3-byte", [0xe0, 0x80, 0x80]],
  ["overlong 4-byte", [0xf0, 0x80, 0x80, 0x80]],
  ["high surrogate", [0xed, 0xa0, 0x80]],
  ["low surrogate", [0xed, 0xbf, 0xbf]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["F5 lead byte", [0xf5, 0x80, 0x80, 0x80]],
  ["5-byte form", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["6-byte form", [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]],
  ["FE", [0xfe]],
  ["FF", [0xff]],
  ["lone continuation byte", [0x80]],
  ["lead byte without continuation", [0xc2, 0x41]],
  ["3-byte sequence cut short", [0xe2, 0x82, 0x41]],
];

/** Text bytes with one impossible sequence somewhere in them. */
export const invalidUtf8: fc.Arbitrary<Uint8Array> = fc
  .tuple(validText, fc.constantFrom(...INVALID_UTF8_SEQUENCES), validText)
  .map(([before, [, bad], after]) => concat([utf8(before), Uint8Array.from(bad), utf8(after)]));

/** Valid text ending in the first bytes of a multi-byte character: invalid only as a whole message. */
export const truncatedUtf8: fc.Arbitrary<Uint8Array> = fc
  .tuple(validText, fc.constantFrom([0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x8e]))
  .map(([text, tail]) => concat([utf8(text), Uint8Array.from(tail)]));

/** Close codes a Close frame may carry (RFC 6455 §7.4.1 and the IANA registry). */
export const VALID_CLOSE_CODES: readonly number[] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
/** Close codes that may not appear on the wire. */
export const INVALID_CLOSE_CODES: readonly number[] = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

const codeBytes = (code: number): Uint8Array => Uint8Array.of(code >> 8, code & 0xff);

/** A valid close reason: UTF-8 of at most 123 bytes (RFC 6455 §5.5: 125 minus the code). */
export const closeReason: fc.Arbitrary<Uint8Array> = validText.map((t) => {
  let b = utf8(t);
  while (b.length > 123) b = utf8(Array.from(t).slice(0, -1).join(""));
  return b;
});

/** A valid Close payload: empty, or a valid code with a valid reason. */
export const validClosePayload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...VALID_CLOSE_CODES), closeReason).map(([code, reason]) => concat([codeBytes(code), reason])) },
);

/** An invalid Close payload: one byte, a code that may not be sent, or a reason that is not UTF-8. */
export const invalidClosePayload: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((b) => Uint8Array.of(b)),
  fc.oneof(fc.constantFrom(...INVALID_CLOSE_CODES), fc.integer({ min: 0, max: 65535 }).filter((c) => c < 1000 || c >= 5000)).map(codeBytes),
  fc.tuple(fc.constantFrom(...VALID_CLOSE_CODES), fc.constantFrom(...INVALID_UTF8_SEQUENCES)).map(([code, [, bad]]) => concat([codeBytes(code), Uint8Array.from(bad)])),
);

/** A ping or pong with a valid payload (at most 125 bytes). */
export const controlFrame: fc.Arbitrary<WireFrame> = fc
  .tuple(fc.constantFrom(OP.ping, OP.pong), bytes(125))
  .map(([opcode, payload]) => frame(opcode, payload));

/** Cut `data` into frames of one message at `cuts` (fractions of the length); control frames may follow any fragment. */
export function fragmentMessage(opcode: number, data: Uint8Array, cuts: readonly number[], between: readonly (readonly WireFrame[])[] = []): WireFrame[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * (data.length + 1))))].filter((p) => p >= 0 && p <= data.length).sort((a, b) => a - b);
  const bounds = [0, ...points, data.length];
  const out: WireFrame[] = [];
  const pieces = bounds.length - 1;
  for (let i = 0; i < pieces; i++) {
    out.push(frame(i === 0 ? opcode : OP.continuation, data.slice(bounds[i], bounds[i + 1]), { fin: i === pieces - 1 }));
    if (i < pieces - 1) out.push(...(between[i] ?? []));
  }
  return out;
}

const cutFractions = (max: number): fc.Arbitrary<number[]> => fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: max });

/** Options of {@link dataMessage}. */
export interface DataMessageOptions {
  /** Payload bytes of a binary message. Default: up to 200 bytes. */
  readonly binary?: fc.Arbitrary<Uint8Array>;
  /** Text bytes. Default: valid UTF-8 text. */
  readonly text?: fc.Arbitrary<Uint8Array>;
  /** Most fragments. Default 4. */
  readonly maxFragments?: number;
  /** Put pings and pongs between fragments. Default true. */
  readonly interleave?: boolean;
}

/** A text or binary message, fragmented at random byte offsets (code points may be split), with control frames between fragments. */
export function dataMessage(options: DataMessageOptions = {}): fc.Arbitrary<WireFrame[]> {
  const binary = options.binary ?? bytes(200);
  const text = options.text ?? validText.map(utf8);
  const maxCuts = (options.maxFragments ?? 4) - 1;
  const between = options.interleave === false ? fc.constant([] as WireFrame[][]) : fc.array(fc.array(controlFrame, { maxLength: 2 }), { maxLength: maxCuts });
  return fc
    .tuple(fc.oneof(text.map((d) => [OP.text, d] as const), binary.map((d) => [OP.binary, d] as const)), cutFractions(maxCuts), between)
    .map(([[opcode, data], cuts, ctl]) => fragmentMessage(opcode, data, cuts, ctl));
}

/** Frames that break one framing rule each (reserved bits and opcodes, control frame rules, masking, lengths). */
export const brokenFrame: fc.Arbitrary<WireFrame> = fc.oneof(
  // RFC 6455 §5.2: RSV bits no extension defines.
  fc.tuple(fc.constantFrom(RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3), fc.constantFrom(OP.text, OP.binary, OP.ping), bytes(8)).map(([rsv, opcode, p]) => frame(opcode, opcode === OP.text ? utf8("x") : p, { rsv })),
  // §5.2: reserved opcodes.
  fc.tuple(fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15), bytes(8)).map(([opcode, p]) => frame(opcode, p)),
  // §5.5: control frames over 125 bytes, or fragmented.
  fc.tuple(fc.constantFrom(OP.ping, OP.pong, OP.close), fc.integer({ min: 126, max: 300 })).map(([opcode, n]) => frame(opcode, opcode === OP.close ? concat([codeBytes(1000), new Uint8Array(n - 2).fill(0x61)]) : new Uint8Array(n).fill(1))),
  fc.tuple(fc.constantFrom(OP.ping, OP.pong), bytes(8)).map(([opcode, p]) => frame(opcode, p, { fin: false })),
  // §5.2: a 64-bit length with its most significant bit set.
  fc.constantFrom(OP.text, OP.binary).map((opcode) => frame(opcode, new Uint8Array(0), { msb: true, declaredLength: 0 })),
);

/** The mask bit the sending role must not use (a server must fail unmasked frames, a client masked ones). */
export const wronglyMaskedFrame: fc.Arbitrary<(defaultMasked: boolean) => WireFrame> = fc
  .tuple(fc.constantFrom(OP.text, OP.binary, OP.ping), bytes(16))
  .map(([opcode, p]) => (defaultMasked: boolean) => frame(opcode, opcode === OP.text ? utf8("unmasked?") : p, { masked: !defaultMasked }));

/** A valid frame with its length written in more bytes than needed. */
export const nonMinimalFrame: fc.Arbitrary<WireFrame> = fc
  .tuple(fc.constantFrom(OP.binary, OP.ping), fc.constantFrom("16" as const, "64" as const), bytes(125))
  .map(([opcode, form, p]) => frame(opcode, p, { lengthForm: form }));

/** A compressed message (RFC 7692), compressed by the kit when the scenario runs. */
export const compressedMessage: fc.Arbitrary<CompressedMessage> = fc
  .record({
    text: fc.boolean(),
    plain: fc.oneof(validText.map((t) => utf8(t.repeat(3))), bytes(300), sizedBytes(fc.integer({ min: 0, max: 4000 })).map((b) => b.map((x) => x & 0x07))),
    mode: fc.constantFrom("sync" as const, "sync" as const, "sync" as const, "final" as const),
    fragments: fc.integer({ min: 1, max: 3 }),
    interleaved: fc.array(controlFrame, { maxLength: 1 }),
  })
  .map(({ text, plain, mode, fragments, interleaved }) => {
    const isText = text && isValidText(plain);
    return { kind: "compressed", opcode: isText ? OP.text : OP.binary, plain, mode, fragments, ...(interleaved.length > 0 ? { interleaved } : {}) };
  });

function isValidText(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Cut positions for writing a script as several TCP segments: fractions of its length. */
export const segmentCuts: fc.Arbitrary<number[]> = cutFractions(6);
