/**
 * Strict UTF-8 validation (RFC 3629) and the text codecs used once bytes are known to be valid.
 *
 * RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte
 * stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
 * Connection_." Autobahn (6.x) expects the failure as soon as the offending byte arrives, even in
 * the middle of a fragmented message, so the validator is incremental and reports the first byte
 * that no valid continuation could follow.
 *
 * Design, measured on Node 20 (see bench/micro/utf8.bench.ts):
 * - ASCII runs are checked sixteen bytes per step through an `Int32Array` view over the chunk's
 *   aligned middle (`(w0 | w1 | w2 | w3) & 0x80808080`, ~10 GB/s), created lazily and only for
 *   long chunks, since a view costs ~30 ns. Shorter chunks OR eight bytes at a time (~3 GB/s).
 * - Multibyte text uses hand-written range checks, a whole sequence per step when it lies inside
 *   the chunk: faster in JS than a Höhrmann DFA, which needs two table loads per byte.
 * - A sequence split across chunks is finished by a small byte-at-a-time loop that carries three
 *   numbers of state (bytes still needed and the allowed range for the next one).
 */

import type { CommonOptions } from "../options.js";
import type { WordView } from "./word-view.js";

/** Minimum bytes left in a chunk before an `Int32Array` view pays for itself. */
const WORD_VIEW_MIN = 256;

/**
 * Validates complete sequences in `bytes[i..end)`. Returns `end` when everything is valid, the
 * index of a valid lead byte whose sequence runs past `end` (the caller carries it over), or
 * `~index` (negative) of the first impossible byte.
 */
function scan(bytes: Uint8Array, i: number, end: number): number {
  // Lazily created view over the 4-byte-aligned part of the chunk, indexed by (i - base) >> 2.
  let words: Int32Array | null = null;
  let base = 0;
  let lastQuad = 0; // w < lastQuad means words[w + 3] exists
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      // Only start the wide loops on a run of ASCII, so that the single spaces between words of
      // Cyrillic or Greek text don't pay for them.
      if (end - i >= 8 && bytes[i]! < 0x80) {
        if (end - i >= WORD_VIEW_MIN) {
          if (words === null) {
            // A view's byte offset must be a multiple of 4: align on the absolute offset.
            base = i + (-(bytes.byteOffset + i) & 3);
            const count = (end - base) >> 2;
            words = new Int32Array(bytes.buffer, bytes.byteOffset + base, count);
            lastQuad = count - 3;
          }
          // i never falls more than 3 bytes short of base, so this reaches base or a multibyte
          // lead within 3 steps, well before `end`.
          while (((i - base) & 3) !== 0 && bytes[i]! < 0x80) i++;
          if (((i - base) & 3) === 0) {
            let w = (i - base) >> 2;
            while (w < lastQuad && ((words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!) & 0x80808080) === 0) w += 4;
            i = base + (w << 2);
          }
        } else {
          while (
            i + 8 <= end &&
            ((bytes[i]! | bytes[i + 1]! | bytes[i + 2]! | bytes[i + 3]! |
              bytes[i + 4]! | bytes[i + 5]! | bytes[i + 6]! | bytes[i + 7]!) & 0x80) === 0
          ) {
            i += 8;
          }
        }
      }
      // Finish the run here: going back to the top for each byte would retry the wide loops,
      // which cost eight reads each time they fail.
      while (i < end && bytes[i]! < 0x80) i++;
      continue;
    }
    if (b < 0xe0) {
      // 80..BF are stray continuation bytes; C0 and C1 could only start overlong forms of ASCII.
      if (b < 0xc2) return ~i;
      if (i + 1 >= end) return i;
      if ((bytes[i + 1]! & 0xc0) !== 0x80) return ~(i + 1);
      i += 2;
    } else if (b < 0xf0) {
      if (i + 2 >= end) return i;
      const b1 = bytes[i + 1]!;
      // E0 80..9F would be overlong; ED A0..BF would encode the surrogates U+D800..U+DFFF.
      if (b1 < (b === 0xe0 ? 0xa0 : 0x80) || b1 > (b === 0xed ? 0x9f : 0xbf)) return ~(i + 1);
      if ((bytes[i + 2]! & 0xc0) !== 0x80) return ~(i + 2);
      i += 3;
    } else {
      // F5..FF could only encode code points above U+10FFFF.
      if (b > 0xf4) return ~i;
      if (i + 3 >= end) return i;
      const b1 = bytes[i + 1]!;
      // F0 80..8F would be overlong; F4 90..BF would be above U+10FFFF.
      if (b1 < (b === 0xf0 ? 0x90 : 0x80) || b1 > (b === 0xf4 ? 0x8f : 0xbf)) return ~(i + 1);
      if ((bytes[i + 2]! & 0xc0) !== 0x80) return ~(i + 2);
      if ((bytes[i + 3]! & 0xc0) !== 0x80) return ~(i + 3);
      i += 4;
    }
  }
  return end;
}

/**
 * Incremental strict UTF-8 validator for one text message at a time.
 *
 * Feed every payload chunk to {@link Utf8Validator.push} as it arrives (failing early, as
 * RFC 6455 §8.1 and Autobahn expect), call {@link Utf8Validator.isComplete} when the message ends,
 * then {@link Utf8Validator.reset} before the next message. No call allocates, except a typed-array
 * view for chunks of at least a few hundred bytes.
 *
 * @example
 * ```ts
 * const v = new Utf8Validator();
 * if (v.push(chunk) !== -1) fail("INVALID_UTF8");
 * // ...at the final fragment:
 * if (!v.isComplete()) fail("INVALID_UTF8");
 * v.reset();
 * ```
 */
export class Utf8Validator {
  /** A faster whole-input check for long runs of whole code points, or null. */
  private readonly check: ((bytes: Uint8Array) => boolean) | null;
  /** Continuation bytes the current code point still needs (0 on a code point boundary). */
  private need = 0;
  /** Allowed range of the next continuation byte; narrower than 80..BF only right after E0, ED, F0, F4. */
  private lo = 0x80;
  private hi = 0xbf;
  /** Set by the first impossible byte; the stream can never become valid again. */
  private failed = false;

  /**
   * @param check - optional strict whole-input check (like {@link isValidUtf8}, e.g. Node's
   *   `buffer.isUtf8`) run over runs of at least 256 bytes cut on a code point
   *   boundary; this validator's own loop still reads the bytes around the cuts and, on a
   *   failure, finds the failing index, so results are the same as without it.
   */
  constructor(check: ((bytes: Uint8Array) => boolean) | null = null) {
    this.check = check;
  }

  /**
   * Validates `bytes[start..end)` as the next part of the stream.
   *
   * @param bytes - the next bytes of the stream; a code point may continue from the previous call.
   * @param start - first index to read, default 0.
   * @param end - index after the last byte to read, default `bytes.length`.
   * @returns -1 if the stream is valid so far (it may still end mid code point: see
   *   {@link Utf8Validator.isComplete}), else the index within `bytes` of the first byte at which
   *   the input became impossible. After a failure the validator stays failed (later calls
   *   return `start`) until {@link Utf8Validator.reset}.
   * @throws RangeError unless 0 <= start <= end <= bytes.length.
   */
  push(bytes: Uint8Array, start: number = 0, end: number = bytes.length): number {
    // Reads past the array would see `undefined`, which passes no range check: refuse them.
    if (!(start >= 0 && start <= end && end <= bytes.length)) {
      throw new RangeError("validation range out of bounds");
    }
    if (this.failed) return start;
    let i = start;
    if (this.need !== 0) {
      i = this.continueSequence(bytes, i, end);
      if (i < 0) return ~i;
      if (this.need !== 0) return -1;
    }
    if (this.check !== null && end - i >= CHECK_MIN) {
      // Hand the whole code points to the faster check; its verdict alone gives no index, so a
      // failure is located by scanning the same run.
      const cut = lastBoundary(bytes, i, end);
      if (this.check(bytes.subarray(i, cut))) i = cut;
    }
    const r = scan(bytes, i, end);
    if (r === end) return -1;
    if (r < 0) {
      this.failed = true;
      return ~r;
    }
    // A valid lead byte at r whose sequence continues past this chunk: carry it over.
    const b = bytes[r]!;
    if (b < 0xe0) {
      this.need = 1;
      this.lo = 0x80;
      this.hi = 0xbf;
    } else if (b < 0xf0) {
      this.need = 2;
      this.lo = b === 0xe0 ? 0xa0 : 0x80;
      this.hi = b === 0xed ? 0x9f : 0xbf;
    } else {
      this.need = 3;
      this.lo = b === 0xf0 ? 0x90 : 0x80;
      this.hi = b === 0xf4 ? 0x8f : 0xbf;
    }
    i = this.continueSequence(bytes, r + 1, end);
    return i < 0 ? ~i : -1;
  }

  /**
   * Whether the stream so far ends on a code point boundary. Call it at the end of a message:
   * a message that stops inside a code point is invalid. Also false after a failed push.
   */
  isComplete(): boolean {
    return this.need === 0 && !this.failed;
  }

  /** Forgets the stream, ready for the next message. */
  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
    this.failed = false;
  }

  /**
   * Consumes the continuation bytes of a pending code point from `bytes[i..end)`. Returns the
   * index after the last one consumed, or `~index` of an impossible byte.
   */
  private continueSequence(bytes: Uint8Array, i: number, end: number): number {
    let need = this.need;
    let lo = this.lo;
    let hi = this.hi;
    while (need !== 0 && i < end) {
      const b = bytes[i]!;
      if (b < lo || b > hi) {
        this.failed = true;
        return ~i;
      }
      i++;
      need--;
      lo = 0x80;
      hi = 0xbf;
    }
    this.need = need;
    this.lo = lo;
    this.hi = hi;
    return i;
  }
}

/** Runs shorter than this stay with the validator's own loop (a view and a call cost more). */
const CHECK_MIN = 256;

/**
 * Where `bytes[start..end)` stops holding only whole code points: the start of a lead byte whose
 * sequence runs past `end`, else `end` (invalid bytes are left for the check to reject).
 */
function lastBoundary(bytes: Uint8Array, start: number, end: number): number {
  const stop = Math.max(start, end - 4);
  let p = end - 1;
  while (p >= stop && (bytes[p]! & 0xc0) === 0x80) p--;
  if (p < stop) return end;
  const b = bytes[p]!;
  const length = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  return p + length > end ? p : end;
}

/**
 * Whether `bytes[start..end)` (by default all of `bytes`) is, as a whole, strict UTF-8 (RFC
 * 3629): no overlong forms, surrogates, code points above U+10FFFF, stray continuation bytes or
 * truncated sequences. Agrees with `new TextDecoder("utf-8", { fatal: true })`, at about the same
 * speed on ASCII and about three times its speed on multibyte text on Node 20, without decoding.
 * @throws RangeError unless 0 <= start <= end <= bytes.length.
 */
export function isValidUtf8(bytes: Uint8Array, start: number = 0, end: number = bytes.length): boolean {
  // Reads past the array would see `undefined`, which passes no range check: refuse them.
  if (!(start >= 0 && start <= end && end <= bytes.length)) throw new RangeError("validation range out of bounds");
  return scan(bytes, start, end) === end;
}

/**
 * The index of the first byte of 80..FF in `bytes[start..end)`, or `end` if all of it is ASCII:
 * a code point boundary from which a validator can go on. Reads 32-bit words through `view` (kept
 * per input chunk, see {@link WordView}) when that pays. Bounds are the caller's to keep:
 * `0 <= start <= end <= bytes.length`.
 */
export function asciiEnd(view: WordView, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const words = view.wordsFor(bytes, end - start);
  if (words !== null) {
    const base = view.base;
    // Byte by byte up to the first word boundary (base + 4k), then four words per step.
    const stop = Math.min(start + ((base - start) & 3), end);
    while (i < stop && bytes[i]! < 0x80) i++;
    if (i === stop && stop < end) {
      let w = (i - base) >> 2;
      const last = (end - base) >> 2;
      while (w + 4 <= last && ((words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!) & 0x80808080) === 0) w += 4;
      while (w < last && (words[w]! & 0x80808080) === 0) w++;
      i = base + (w << 2);
    }
  }
  while (i < end && bytes[i]! < 0x80) i++;
  return i;
}

/**
 * A non-streaming TextDecoder keeps no state between calls, so one shared instance is immutable
 * in practice and fits STYLE §12. `ignoreBOM: true` keeps a leading EF BB BF as U+FEFF: the
 * WebSocket payload is the application's text, and stripping a BOM would change it.
 */
const DECODER = new TextDecoder("utf-8", { ignoreBOM: true });
/** Shared, never mutated options for streaming decodes, so a call allocates no options object. */
const STREAM: { readonly stream: true } = Object.freeze({ stream: true });
/**
 * At most this many bytes of ASCII are decoded by hand: on Node 20 a TextDecoder call costs
 * ~40-60 ns however short the input, while `String.fromCharCode` concatenation costs ~5 ns a
 * byte, so it only wins clearly for a handful of bytes (measured 4 ns vs 53 ns for 1 byte,
 * 21 ns vs 64 ns for 4; TextDecoder wins from about 6 bytes on).
 */
const SHORT_ASCII_MAX = 4;

/** Decodes a tiny input by hand if it is pure ASCII, else returns null. */
function decodeShortAscii(bytes: Uint8Array): string | null {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return null;
    s += String.fromCharCode(b);
  }
  return s;
}

/**
 * Decodes bytes that are already known to be valid UTF-8 (check with {@link isValidUtf8} or a
 * {@link Utf8Validator} first: invalid input would be decoded with U+FFFD replacements rather than
 * rejected). A leading byte order mark is kept as U+FEFF.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length <= SHORT_ASCII_MAX) {
    const s = decodeShortAscii(bytes);
    if (s !== null) return s;
  }
  return DECODER.decode(bytes);
}

/**
 * TextDecoder's fatal mode checks exactly what {@link isValidUtf8} does (WHATWG's UTF-8 decoder
 * is RFC 3629 strict; checked on Node, Deno and Bun). A decode call that is not streaming starts
 * from a fresh state, also after a call that threw, so one shared instance is safe.
 */
const STRICT_DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` if they are, as a whole, strict UTF-8; returns null if not. For text that is
 * complete at hand, this one pass beats validating and then decoding: on Node 20 at 1 KiB, 2.1x on
 * ASCII, 1.7x on mostly ASCII text, 1.3-1.4x on Cyrillic and CJK (bench/micro/utf8.bench.ts).
 * Text that arrives in pieces is validated as it arrives instead, so that invalid input fails at
 * once.
 */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  if (bytes.length <= SHORT_ASCII_MAX) {
    const s = decodeShortAscii(bytes);
    if (s !== null) return s;
  }
  try {
    return STRICT_DECODER.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Decodes one text message that arrives in pieces, where a code point may be split between
 * pieces. The bytes must already be validated. Create one per connection (it holds the partial
 * code point between calls) and pass `end = true` with the last piece of each message, which also
 * readies it for the next message.
 */
export class Utf8StreamDecoder {
  /** A TextDecoder in streaming mode holds the partial code point: one per instance. */
  readonly #decoder: InstanceType<typeof TextDecoder> = new TextDecoder("utf-8", { ignoreBOM: true });

  /**
   * Decodes the next piece of the message.
   *
   * @param bytes - the next validated bytes; may start or end inside a code point.
   * @param end - true for the last piece: the message must then end on a code point boundary.
   * @returns the text of the code points completed by this piece.
   */
  decode(bytes: Uint8Array, end: boolean): string {
    return end ? this.#decoder.decode(bytes) : this.#decoder.decode(bytes, STREAM);
  }

  /** Drops any partial code point, e.g. when a message is abandoned because the connection failed. */
  reset(): void {
    this.#decoder.decode();
  }
}

/**
 * The shared encoder: TextEncoder has no state, so one module-level instance is immutable in
 * practice (STYLE §12 forbids mutable singletons, not constant ones).
 */
const ENCODER = new TextEncoder();

/**
 * Encodes text as UTF-8. Lone surrogates become U+FFFD, so the result is always valid UTF-8 and
 * can be sent as a text frame without further checks.
 */
export function encodeUtf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** Decodes `bytes[start..end)` to a string: CommonOptions' `decodeUtf8Slice`. */
export type Utf8SliceDecoder = NonNullable<CommonOptions["decodeUtf8Slice"]>;

/**
 * Ill-formed UTF-8 that a decoder following the WHATWG Encoding standard, as TextDecoder does,
 * shows as U+FFFD: stray continuation bytes, overlong forms of two, three and four bytes, both
 * halves of a surrogate pair encoded apart, a code point past U+10FFFF, bytes that never occur,
 * and sequences cut short.
 */
const ILL_FORMED: readonly (readonly number[])[] = [
  [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], [0xf0, 0x80, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
];

/**
 * Whether `decode` shows each sequence of ILL_FORMED as U+FFFD, alone and between ASCII letters,
 * without throwing. Such a decoder may be handed text nobody has checked: a string without U+FFFD
 * then came from valid UTF-8, and only one that holds U+FFFD (as valid text may) needs a check.
 */
export function replacesIllFormed(decode: Utf8SliceDecoder): boolean {
  try {
    return ILL_FORMED.every((sequence) => {
      const bytes = Uint8Array.of(0x61, ...sequence, 0x7a);
      return decode(bytes, 1, bytes.length - 1, false).includes("\ufffd") && decode(bytes, 0, bytes.length, false).includes("\ufffd");
    });
  } catch {
    return false;
  }
}

/**
 * Text up to this many characters is measured and encoded by JavaScript loops; longer text goes
 * to `encodeInto`, whose call and view cost ~50 ns on Node 20 and Bun but which then encodes
 * several times faster than a JavaScript loop (~2 ns per character on Node). Measured on the
 * bench's mixed text, loops against `encodeInto`: at 16 characters 56 vs 58 ns on Node and 32 vs
 * 47 ns on Bun; at 32 characters 126 vs 69 ns and 58 vs 49 ns.
 */
export const JS_ENCODE_LIMIT = 24;

/**
 * Text of more than JS_ENCODE_LIMIT and at most this many characters goes to a lent writer
 * (CommonOptions' `writeUtf8`) when there is one. On Bun, echo of 64-byte text served 1.06-1.09x
 * the messages with Buffer's utf8Write, and of 1,000-byte mixed text 0.94-0.96x (two servers on
 * one core under equal loads, bench/README.md).
 */
export const WRITE_TEXT_MAX = 256;

/** Writes `text` as UTF-8 into `bytes[start..end)`, whole characters only; returns the bytes written. */
export type Utf8Writer = (text: string, bytes: Uint8Array, start: number, end: number) => number;

/** The length of `text` in UTF-8, as {@link encodeUtf8} would encode it (lone surrogates take 3). */
export function utf8Length(text: string): number {
  const n = text.length;
  let length = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) length += 1;
    else if (c <= 0xdbff && c >= 0xd800 && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2; // four bytes for two code units
      i++;
    } else length += 2;
  }
  return length;
}

/**
 * Encode `text` as UTF-8 into `out[start..end)`. Same bytes as {@link encodeUtf8} (lone
 * surrogates become U+FFFD), without a new array: a typed array over 64 bytes is an off-heap
 * allocation in V8, several times the cost of encoding a short message. `write`, when given,
 * encodes text of JS_ENCODE_LIMIT to WRITE_TEXT_MAX characters in place of `encodeInto`.
 * @returns the number of bytes written, or -1 when the encoding does not fit before `end` (bytes
 *   in the range may then have been written; none outside it ever are).
 */
export function encodeUtf8Into(text: string, out: Uint8Array, start: number, end: number = out.length, write: Utf8Writer | null = null): number {
  const n = text.length;
  if (n > JS_ENCODE_LIMIT) {
    if (write !== null && n <= WRITE_TEXT_MAX) {
      const written = write(text, out, start, end);
      // It writes whole characters only, so one that did not fit left at most 3 bytes unused.
      return end - start - written > 3 || written === utf8Length(text) ? written : -1;
    }
    const { read, written } = ENCODER.encodeInto(text, out.subarray(start, end));
    return read === n ? written : -1;
  }
  let p = start;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      if (p >= end) return -1;
      out[p++] = c;
    } else if (c < 0x800) {
      if (p + 2 > end) return -1;
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          // A surrogate pair: one code point of four bytes.
          if (p + 4 > end) return -1;
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // a lone surrogate, as TextEncoder encodes it
      }
      if (p + 3 > end) return -1;
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - start;
}
