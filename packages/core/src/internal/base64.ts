/**
 * Base64 with the standard alphabet and padding (RFC 4648 §4), for `Sec-WebSocket-Key` and
 * `Sec-WebSocket-Accept`. Core may not use `Buffer`, `atob` or `btoa` (see globals.d.ts).
 */

import { codesOfLength, fromCodes, SHORT_STRING } from "./char-codes.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Character code -> 6-bit value, or -1 for characters outside the alphabet. */
const DECODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Input bytes whose base64 fills {@link SHORT_STRING} characters. */
const BLOCK = (SHORT_STRING / 4) * 3;

/**
 * Encode `bytes` as padded standard base64.
 *
 * @example
 * encodeBase64(new Uint8Array([1, 2, 3])); // "AQID"
 */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  // Blocks of BLOCK bytes make SHORT_STRING characters, each block's string from one array.
  for (let from = 0; from < bytes.length; from += BLOCK) out += encodeBlock(bytes, from, Math.min(bytes.length, from + BLOCK));
  return out;
}

/** `bytes[from, to)`, at most {@link BLOCK} bytes, as padded base64. */
function encodeBlock(bytes: Uint8Array, from: number, to: number): string {
  const codes = codesOfLength(Math.ceil((to - from) / 3) * 4);
  const whole = to - ((to - from) % 3);
  let o = 0;
  let i = from;
  for (; i < whole; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    codes[o++] = code(v >>> 18);
    codes[o++] = code((v >>> 12) & 63);
    codes[o++] = code((v >>> 6) & 63);
    codes[o++] = code(v & 63);
  }
  if (to - whole !== 0) {
    const v = ((bytes[i] as number) << 16) | (to - whole === 2 ? (bytes[i + 1] as number) << 8 : 0);
    codes[o++] = code(v >>> 18);
    codes[o++] = code((v >>> 12) & 63);
    codes[o++] = to - whole === 2 ? code((v >>> 6) & 63) : PAD;
    codes[o++] = PAD;
  }
  return fromCodes(codes);
}

/** `=`, the padding character. */
const PAD = 0x3d;

/** The character code of the 6-bit value `sextet`. */
function code(sextet: number): number {
  return ALPHABET.charCodeAt(sextet);
}

/**
 * Decode padded standard base64, strictly: the length must be a multiple of 4, only the
 * standard alphabet is allowed, `=` may appear only as one or two final padding characters,
 * and whitespace or line breaks are refused. Returns `null` for anything invalid.
 *
 * Bits left over in the last character before the padding are ignored rather than required
 * to be zero (RFC 4648 §3.5 lets decoders choose): RFC 6455 §4.1's own example key,
 * `AQIDBAUGBwgJCgsMDQ4PEC==`, has non-zero leftover bits, and `Buffer` and Python accept it.
 */
export function decodeBase64(text: string): Uint8Array | null {
  const length = decodedLength(text);
  if (length === -1) return null;
  const out = new Uint8Array(length);
  let o = 0;
  for (let i = 0; o < length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    out[o++] = (a << 2) | (b >>> 4);
    if (o === length) break;
    const c = sextet(text, i + 2);
    out[o++] = ((b & 15) << 4) | (c >>> 2);
    if (o === length) break;
    out[o++] = ((c & 3) << 6) | sextet(text, i + 3);
  }
  return out;
}

/**
 * How many bytes {@link decodeBase64} would return for `text`, or -1 when it would return
 * `null`: the same strict rules, checked without allocating (a server checks every
 * `Sec-WebSocket-Key` this way).
 */
export function decodedLength(text: string): number {
  const n = text.length;
  if (n % 4 !== 0) return -1;
  let padding = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 0x3d) padding = text.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  // Every character before the padding must be in the alphabet (`=` is not).
  for (let i = 0; i < n - padding; i++) if (sextet(text, i) < 0) return -1;
  return (n / 4) * 3 - padding;
}

/** The 6-bit value of the character at `index`, or -1 (this includes `=`, which is handled by position). */
function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? (DECODE[code] as number) : -1;
}
