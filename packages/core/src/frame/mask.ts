/**
 * RFC 6455 §5.3 masking: "octet i of the transformed data ("transformed-octet-i") is the XOR of
 * octet i of the original data ("original-octet-i") with octet at index i modulo 4 of the masking
 * key ("masking-key-octet-j")". Masking and unmasking are the same operation.
 *
 * Design, measured on Node 20 (see bench/micro/mask.bench.ts):
 * - From SIMD_MIN bytes, a WebAssembly SIMD loop does it where the host compiles one
 *   (frame/mask-simd.ts: 3-4x the word loop below); shorter payloads, and hosts without it, use
 *   the JavaScript loops that follow.
 * - Long payloads are XORed 32 bits at a time in place through an `Int32Array` view, unrolled
 *   eight words per iteration (~11 GB/s at 1 MiB, vs ~0.85 GB/s for a byte loop). `Int32Array`
 *   beat `Uint32Array` (no uint32-to-double conversions), and unrolling by 8 beat 4.
 * - When src is not dst, the payload is first copied with `TypedArray.set` (a memmove, 25-80 GB/s
 *   here) and then masked in place (~9-10 GB/s overall). That beat, whatever the alignments, a
 *   src view XORed into a dst view (~8 GB/s), a DataView read (~4.5 GB/s) and assembling words
 *   from bytes (~2.3 GB/s).
 * - Views need 4-aligned byte offsets: the head up to dst alignment and the tail are masked byte
 *   by byte, with the key rotated to the phase reached.
 * - Short payloads skip the views altogether (see the thresholds below).
 * - `BigInt64Array` in place measured faster still on Node 20 (~19 GB/s: TurboFan lowers a BigInt64
 *   XOR that is stored back to a machine-word XOR), but only V8's optimizing tier does that. Before
 *   tier-up every element read allocates a heap BigInt, and JavaScriptCore (Bun) has no such
 *   lowering that we know of (not measured here). Int32 words are fast in every engine core targets.
 */

import { NEW_VIEW_MIN, WordView } from "../internal/word-view.js";
import { maskedWithSimd, SIMD_MIN } from "./mask-simd.js";

/**
 * Whether this host stores the least significant byte first. A masking key's bytes
 * [k0, k1, k2, k3] read through an `Int32Array` form k0 | k1 << 8 | k2 << 16 | k3 << 24 on a
 * little-endian host and k0 << 24 | k1 << 16 | k2 << 8 | k3 on a big-endian one.
 */
const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * When src is not dst, the byte loop (~0.7 ns a byte) beats the word path below this length: a
 * view (~35 ns) plus a `subarray` and `set` (~50 ns more). Measured on Node 20; in place the
 * crossover is NEW_VIEW_MIN.
 */
const WORD_THRESHOLD_COPY = 160;

/**
 * XORs `src[srcStart .. srcStart + length)` with the masking key into `dst[dstStart ..)`.
 *
 * `src` and `dst` may be the same array with the same offsets (in place, the usual way to unmask
 * a received payload). They may also overlap when the destination starts before the source, as
 * when a payload is unmasked while being moved over its own frame header; any other overlap gives
 * unspecified results.
 *
 * @param src - the bytes to mask or unmask.
 * @param srcStart - index of the first byte of `src` to read.
 * @param dst - where the result goes; may be `src`.
 * @param dstStart - index in `dst` of the first byte to write.
 * @param length - number of bytes.
 * @param key - the 4-byte masking key (RFC 6455 §5.3 "masking-key").
 * @param keyOffset - the key phase: how many bytes of this frame's payload came before `src[srcStart]`
 *   (only its value modulo 4 matters), so a payload can be unmasked in pieces as it arrives.
 * @throws RangeError if `key` is not 4 bytes long or a range falls outside its array.
 */
export function maskInto(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  key: Uint8Array,
  keyOffset: number,
): void {
  // Checked up front because the word views below are made on the whole ArrayBuffer and would
  // otherwise write outside `dst` instead of being ignored as out-of-range typed-array stores are.
  if (key.length !== 4) throw new RangeError("masking key must be 4 bytes");
  if (
    !(srcStart >= 0 && dstStart >= 0 && length >= 0) ||
    srcStart + length > src.length ||
    dstStart + length > dst.length
  ) {
    throw new RangeError("mask range out of bounds");
  }
  if (length >= SIMD_MIN && maskedWithSimd(src, srcStart, dst, dstStart, length, key, keyOffset)) return;
  // The identity test first: reading `.buffer` costs ~15 ns, and in place is the common case.
  const inPlace = src === dst && srcStart === dstStart;
  if (length < (inPlace ? NEW_VIEW_MIN : WORD_THRESHOLD_COPY)) {
    maskBytes(src, srcStart, dst, dstStart, length, key, keyOffset);
    return;
  }

  const dstAt = dst.byteOffset + dstStart;
  // Each `.buffer` read is a call into V8's C++ runtime: read each once.
  const dstBuffer = dst.buffer;
  if (!inPlace) {
    const srcBuffer = src.buffer;
    const srcAt = src.byteOffset + srcStart;
    if (srcBuffer !== dstBuffer || srcAt !== dstAt) {
      // Copying first and then masking in place beat XORing from a src view into a dst view, even
      // when both are aligned, and it works whatever their relative alignment. `set` is specified
      // to behave like memmove when both views share a buffer. A plain view, not `subarray()`:
      // a Node Buffer's makes a Buffer and reads `.buffer` again.
      dst.set(new Uint8Array(srcBuffer, srcAt, length), dstStart);
    }
  }
  const head = -dstAt & 3;
  maskBytes(dst, dstStart, dst, dstStart, head, key, keyOffset);
  const words = (length - head) >> 2;
  const phase = keyOffset + head;
  xorWordRange(new Int32Array(dstBuffer, dstAt + head, words), 0, words, keyWordAt(key, phase));
  const done = head + (words << 2);
  maskBytes(dst, dstStart + done, dst, dstStart + done, length - done, key, phase);
}

/**
 * The contract of {@link maskInto}, for a replacement loop (see `CommonOptions.mask`): XOR
 * `src[srcStart .. srcStart + length)` with `key`, starting at key phase `keyOffset & 3`, into
 * `dst[dstStart ..)`; `src` and `dst` may be the same range.
 */
export type MaskFunction = typeof maskInto;

/**
 * Masks or unmasks `data` in place with the key phase at 0: a whole frame payload.
 *
 * @param data - the payload; overwritten with the result.
 * @param key - the 4-byte masking key.
 * @example
 * ```ts
 * const payload = new TextEncoder().encode("Hello");
 * mask(payload, new Uint8Array([0x37, 0xfa, 0x21, 0x3d])); // 7f 9f 4d 51 58 (RFC 6455 §5.7)
 * ```
 */
export function mask(data: Uint8Array, key: Uint8Array): void {
  maskInto(data, 0, data, 0, data.length, key, 0);
}

/**
 * Unmasks ranges of one array after another in place, as {@link maskInto} does, but reads them
 * through a {@link WordView} that outlives the call: an input chunk carries many small frames, and
 * the view is then made once per chunk instead of once per frame. {@link InPlaceMasker.release}
 * lets go of the array; call it when the chunk is done, or the masker keeps it alive.
 */
export class InPlaceMasker {
  readonly #view: WordView;

  /** @param view - the view to keep, which others may share (default: a view of its own). */
  constructor(view: WordView = new WordView()) {
    this.#view = view;
  }

  /**
   * XORs `data[start .. start + length)` with `key` at phase `keyOffset`, in place. With `ascii`,
   * returns whether every unmasked byte is known to be ASCII (and so valid UTF-8): the loop sees
   * each result anyway, and an OR per word is cheaper than a validator's second pass (a 125-byte
   * text message spent ~15 % of its parse in one). False means some byte is not, or nobody looked.
   * @throws RangeError if `key` is not 4 bytes long or the range falls outside `data`.
   */
  mask(data: Uint8Array, start: number, length: number, key: Uint8Array, keyOffset: number, ascii = false): boolean {
    if (key.length !== 4) throw new RangeError("masking key must be 4 bytes");
    if (!(start >= 0 && length >= 0) || start + length > data.length) throw new RangeError("mask range out of bounds");
    if (length >= SIMD_MIN && maskedWithSimd(data, start, data, start, length, key, keyOffset)) return false;
    // The head and the tail are XORed here rather than by calls to maskBytes, which made 64-125
    // byte payloads take 1.2-1.4x as long on both V8 and JSC.
    const end = start + length;
    let k0 = key[keyOffset & 3]!;
    let k1 = key[(keyOffset + 1) & 3]!;
    let k2 = key[(keyOffset + 2) & 3]!;
    let k3 = key[(keyOffset + 3) & 3]!;
    let i = start;
    /** OR of the bytes and of the words written: their sign bits say whether any is not ASCII. */
    let seen = 0;
    let seenWords = 0;
    const words = this.#view.wordsFor(data, length);
    if (words !== null) {
      const base = this.#view.base;
      // Bytes before the first word boundary at or after `start` (boundaries are base + 4k), at
      // most three; then the key turns by as many.
      const head = Math.min((base - start) & 3, length);
      const phase = keyOffset + head;
      if (head > 0) {
        seen |= data[i] = data[i]! ^ k0;
        if (head > 1) seen |= data[i + 1] = data[i + 1]! ^ k1;
        if (head > 2) seen |= data[i + 2] = data[i + 2]! ^ k2;
        i += head;
        k0 = key[phase & 3]!;
        k1 = key[(phase + 1) & 3]!;
        k2 = key[(phase + 2) & 3]!;
        k3 = key[(phase + 3) & 3]!;
      }
      const k = keyWordAt(key, phase);
      const count = (end - i) >> 2;
      const w = (i - base) >> 2;
      // Binary payloads keep a loop without the ORs, which cost them ~10 % at 125 bytes.
      if (ascii) seenWords = xorWordRangeSeen(words, w, w + count, k);
      else xorWordRange(words, w, w + count, k);
      // The tail starts at the key phase the head left: the words took whole turns of it.
      i += count << 2;
    }
    // The whole range without a view, else the tail of at most three bytes.
    const quads = i + ((end - i) & ~3);
    for (; i < quads; i += 4) {
      seen |= data[i] = data[i]! ^ k0;
      seen |= data[i + 1] = data[i + 1]! ^ k1;
      seen |= data[i + 2] = data[i + 2]! ^ k2;
      seen |= data[i + 3] = data[i + 3]! ^ k3;
    }
    if (i < end) seen |= data[i] = data[i]! ^ k0;
    if (i + 1 < end) seen |= data[i + 1] = data[i + 1]! ^ k1;
    if (i + 2 < end) seen |= data[i + 2] = data[i + 2]! ^ k2;
    return ascii && (seen & 0x80) === 0 && (seenWords & 0x80808080) === 0;
  }

  /** Drops the array and its view. */
  release(): void {
    this.#view.release();
  }
}

/** The key as the `Int32Array` word that masks four bytes starting at key phase `phase`. */
export function keyWordAt(key: Uint8Array, phase: number): number {
  const k0 = key[phase & 3]!;
  const k1 = key[(phase + 1) & 3]!;
  const k2 = key[(phase + 2) & 3]!;
  const k3 = key[(phase + 3) & 3]!;
  return LITTLE_ENDIAN ? k0 | (k1 << 8) | (k2 << 16) | (k3 << 24) : (k0 << 24) | (k1 << 16) | (k2 << 8) | k3;
}

/**
 * Byte loop for short ranges and unaligned heads and tails, unrolled by four with the key in
 * locals. Returns the OR of the bytes written.
 */
function maskBytes(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  key: Uint8Array,
  keyOffset: number,
): number {
  const k0 = key[keyOffset & 3]!;
  const k1 = key[(keyOffset + 1) & 3]!;
  const k2 = key[(keyOffset + 2) & 3]!;
  const k3 = key[(keyOffset + 3) & 3]!;
  const quads = length & ~3;
  let seen = 0;
  let i = 0;
  for (; i < quads; i += 4) {
    seen |= dst[dstStart + i] = src[srcStart + i]! ^ k0;
    seen |= dst[dstStart + i + 1] = src[srcStart + i + 1]! ^ k1;
    seen |= dst[dstStart + i + 2] = src[srcStart + i + 2]! ^ k2;
    seen |= dst[dstStart + i + 3] = src[srcStart + i + 3]! ^ k3;
  }
  if (i < length) seen |= dst[dstStart + i] = src[srcStart + i]! ^ k0;
  if (i + 1 < length) seen |= dst[dstStart + i + 1] = src[srcStart + i + 1]! ^ k1;
  if (i + 2 < length) seen |= dst[dstStart + i + 2] = src[srcStart + i + 2]! ^ k2;
  return seen;
}

/** XORs `d[from .. to)` with `k`, eight words per iteration. */
function xorWordRange(d: Int32Array, from: number, to: number, k: number): void {
  const octets = from + ((to - from) & ~7);
  let i = from;
  for (; i < octets; i += 8) {
    d[i] = d[i]! ^ k;
    d[i + 1] = d[i + 1]! ^ k;
    d[i + 2] = d[i + 2]! ^ k;
    d[i + 3] = d[i + 3]! ^ k;
    d[i + 4] = d[i + 4]! ^ k;
    d[i + 5] = d[i + 5]! ^ k;
    d[i + 6] = d[i + 6]! ^ k;
    d[i + 7] = d[i + 7]! ^ k;
  }
  for (; i < to; i++) d[i] = d[i]! ^ k;
}

/** {@link xorWordRange} that also returns the OR of the words written. */
function xorWordRangeSeen(d: Int32Array, from: number, to: number, k: number): number {
  const octets = from + ((to - from) & ~7);
  let seen = 0;
  let i = from;
  for (; i < octets; i += 8) {
    seen |= d[i] = d[i]! ^ k;
    seen |= d[i + 1] = d[i + 1]! ^ k;
    seen |= d[i + 2] = d[i + 2]! ^ k;
    seen |= d[i + 3] = d[i + 3]! ^ k;
    seen |= d[i + 4] = d[i + 4]! ^ k;
    seen |= d[i + 5] = d[i + 5]! ^ k;
    seen |= d[i + 6] = d[i + 6]! ^ k;
    seen |= d[i + 7] = d[i + 7]! ^ k;
  }
  for (; i < to; i++) seen |= d[i] = d[i]! ^ k;
  return seen;
}
