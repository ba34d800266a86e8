/**
 * Frame encoding (RFC 6455 §5.2) with the minimal length encoding. Payloads of client frames are
 * masked while they are copied into the output, in one pass.
 */
import { maskInto } from "./mask.js";

/** A whole frame, as `encodeFrame` takes it and `FrameDecoder` yields it. */
export interface Frame {
  readonly fin: boolean;
  /** RSV bits as they sit in the first header byte (RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10). */
  readonly rsv: number;
  readonly opcode: number;
  /** The unmasked payload. */
  readonly payload: Uint8Array;
}

/** Size of the header for a payload of `length` bytes. */
export function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Write a frame header into `out` at `at`.
 * @returns the position after the header (where the payload goes).
 */
export function writeHeader(
  out: Uint8Array,
  at: number,
  fin: boolean,
  rsv: number,
  opcode: number,
  length: number,
  maskKey: Uint8Array | null,
): number {
  out[at] = (fin ? 0x80 : 0) | rsv | opcode;
  const maskBit = maskKey === null ? 0 : 0x80;
  let p = at + 2;
  if (length < 126) {
    out[at + 1] = maskBit | length;
  } else if (length < 65536) {
    out[at + 1] = maskBit | 126;
    out[p] = length >>> 8;
    out[p + 1] = length & 0xff;
    p += 2;
  } else {
    out[at + 1] = maskBit | 127;
    const high = Math.floor(length / 4294967296);
    const low = length >>> 0;
    out[p] = high >>> 24;
    out[p + 1] = (high >>> 16) & 0xff;
    out[p + 2] = (high >>> 8) & 0xff;
    out[p + 3] = high & 0xff;
    out[p + 4] = low >>> 24;
    out[p + 5] = (low >>> 16) & 0xff;
    out[p + 6] = (low >>> 8) & 0xff;
    out[p + 7] = low & 0xff;
    p += 8;
  }
  if (maskKey !== null) {
    out[p] = maskKey[0]!;
    out[p + 1] = maskKey[1]!;
    out[p + 2] = maskKey[2]!;
    out[p + 3] = maskKey[3]!;
    p += 4;
  }
  return p;
}

/**
 * Encode a whole frame into a new buffer; with `maskKey` (4 bytes) the payload is masked, as a
 * client must (RFC 6455 §5.3). `frame.payload` is not modified.
 */
export function encodeFrame(frame: Frame, maskKey: Uint8Array | null = null): Uint8Array {
  const length = frame.payload.length;
  const out = new Uint8Array(headerSize(length, maskKey !== null) + length);
  const p = writeHeader(out, 0, frame.fin, frame.rsv, frame.opcode, length, maskKey);
  if (maskKey === null) out.set(frame.payload, p);
  else maskInto(frame.payload, 0, out, p, length, maskKey, 0);
  return out;
}
