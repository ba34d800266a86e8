/**
 * Frames as the kit's scripts describe them: whole frames with every header field explicit, plus
 * the few ways a broken peer encodes a header (non-minimal length, a length field with its most
 * significant bit set, a length that announces more bytes than follow, the wrong mask bit).
 * Valid frames are encoded by core's `encodeFrame`; only the broken encodings are written here.
 */
import { encodeFrame } from "@wsengine/core";
import { concat, preview, toHex } from "./bytes.js";

/** Opcodes (RFC 6455 §5.2). */
export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** RSV bits as they sit in the first header byte. */
export const RSV1 = 0x40;
export const RSV2 = 0x20;
export const RSV3 = 0x10;

/** One frame of a script. */
export interface WireFrame {
  readonly fin: boolean;
  /** RSV bits as in the first header byte (RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10). */
  readonly rsv: number;
  readonly opcode: number;
  /** The payload as it goes on the wire, before masking. */
  readonly payload: Uint8Array;
  /** Override of the mask bit; by default a client masks and a server does not (RFC 6455 §5.1). */
  readonly masked?: boolean;
  /** Encode the length in more bytes than needed ("16" or "64"); RFC 6455 §5.2 asks senders for the minimum. */
  readonly lengthForm?: "16" | "64";
  /**
   * The length the header announces when it differs from the payload that follows: the script
   * then ends inside this frame. Used for huge lengths; with `msb` the 64-bit field also has its
   * most significant bit set.
   */
  readonly declaredLength?: number;
  /** Set the most significant bit of a 64-bit length (RFC 6455 §5.2: it "MUST be 0"). */
  readonly msb?: boolean;
}

/** A frame from its parts, with defaults for a plain final frame. */
export function frame(opcode: number, payload: Uint8Array, extra: Partial<Omit<WireFrame, "opcode" | "payload">> = {}): WireFrame {
  return { fin: true, rsv: 0, opcode, payload, ...extra };
}

/** Whether the opcode is a control opcode (RFC 6455 §5.5). */
export const isControl = (opcode: number): boolean => (opcode & 0x8) !== 0;
/** Whether the opcode is reserved (3-7, 11-15). */
export const isReservedOpcode = (opcode: number): boolean => (opcode >= 3 && opcode <= 7) || opcode >= 11;

/** Whether encoding the frame needs the kit's own header writer. */
const isUnusual = (f: WireFrame, defaultMasked: boolean): boolean =>
  f.lengthForm !== undefined || f.declaredLength !== undefined || f.msb === true || (f.masked !== undefined && f.masked !== defaultMasked);

/**
 * The masking key of the `index`-th frame of a script: fixed per position, so a script's bytes
 * are reproducible (RFC 6455 §5.3 asks real clients for unpredictable keys; a test peer need not).
 */
export function maskKeyFor(index: number): Uint8Array {
  return Uint8Array.of(0x37, 0xfa, 0x21, (0x3d + index * 0x4f) & 0xff);
}

/**
 * The bytes of a frame. `defaultMasked` is what the sending role must do (true for a client).
 */
export function encodeWireFrame(f: WireFrame, defaultMasked: boolean, index = 0): Uint8Array {
  const masked = f.masked ?? defaultMasked;
  const key = masked ? maskKeyFor(index) : null;
  if (!isUnusual(f, defaultMasked)) return encodeFrame({ fin: f.fin, rsv: f.rsv, opcode: f.opcode, payload: f.payload }, key);
  const length = f.declaredLength ?? f.payload.length;
  const form = f.msb === true ? "64" : (f.lengthForm ?? (length < 126 ? "7" : length < 65536 ? "16" : "64"));
  const head: number[] = [(f.fin ? 0x80 : 0) | f.rsv | f.opcode];
  const maskBit = masked ? 0x80 : 0;
  if (form === "7") head.push(maskBit | length);
  else if (form === "16") head.push(maskBit | 126, (length >>> 8) & 0xff, length & 0xff);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    head.push(((high >>> 24) & 0xff) | (f.msb === true ? 0x80 : 0), (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    head.push(low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
  }
  const payload = f.payload.slice();
  if (key !== null) {
    head.push(...key);
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
  }
  return concat([Uint8Array.from(head), payload]);
}

/** Encode a whole script; frame `i` uses mask key `maskKeyFor(first + i)`. */
export function encodeFrames(frames: readonly WireFrame[], defaultMasked: boolean, first = 0): Uint8Array {
  return concat(frames.map((f, i) => encodeWireFrame(f, defaultMasked, first + i)));
}

const OPCODE_NAMES: Readonly<Record<number, string>> = { 0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong" };

/** A one-line description of a frame for reports: `text fin=0 rsv1 len=3 "abc"`. */
export function describeFrame(f: WireFrame, defaultMasked: boolean): string {
  const parts = [OPCODE_NAMES[f.opcode] ?? `opcode=${f.opcode}`];
  if (!f.fin) parts.push("fin=0");
  if (f.rsv & RSV1) parts.push("rsv1");
  if (f.rsv & RSV2) parts.push("rsv2");
  if (f.rsv & RSV3) parts.push("rsv3");
  if (f.masked !== undefined && f.masked !== defaultMasked) parts.push(f.masked ? "masked(!)" : "unmasked(!)");
  if (f.lengthForm !== undefined) parts.push(`${f.lengthForm}-bit length`);
  if (f.msb === true) parts.push("length MSB set");
  if (f.declaredLength !== undefined) parts.push(`announces ${f.declaredLength} bytes`);
  parts.push(`len=${f.payload.length}`);
  if (f.opcode === OP.close && f.payload.length >= 2) {
    const code = (f.payload[0]! << 8) | f.payload[1]!;
    parts.push(`code=${code}`);
    if (f.payload.length > 2) parts.push(`reason=${preview(f.payload.subarray(2), 24)}`);
  } else if (f.payload.length > 0) {
    parts.push(preview(f.payload, 24));
  }
  return parts.join(" ");
}

/** A frame as JSON-friendly data (payload in hex), for reports and fixtures. */
export function frameToJson(f: WireFrame): Record<string, unknown> {
  const { payload, ...rest } = f;
  return { ...rest, payload: toHex(payload) };
}
