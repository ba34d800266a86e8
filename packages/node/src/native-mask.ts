/**
 * What core runs faster with on Node ({@link withNodeDefaults}): an optional native masking loop
 * (core's `mask` option) from the `bufferutil` addon that `ws` uses too, message buffers without
 * the zero-fill (`allocate`), messages read in place from the socket's chunks (`adoptInput`) and
 * Node's UTF-8 check (`validateUtf8`). Core's own loop (WebAssembly SIMD from 1 KiB) copies and
 * unmasks 64 KiB at 22-29 GB/s on Node 20 here, bufferutil's C loop at 21-46 GB/s
 * (bench/inproc/ceiling.ts), and large messages are bound by that loop. Without bufferutil
 * installed core's loop is used.
 */
import { Buffer, isUtf8 } from "node:buffer";
import { createRequire } from "node:module";
import { type CommonOptions, isValidUtf8, type MaskFunction, maskInto, slabAllocator } from "@wsengine/core";

/** The part of bufferutil's API used here (bufferutil/index.d.ts, 4.x). */
interface BufferUtil {
  /** `output[offset + i] = source[i] ^ mask[i & 3]` for `i < length`. No bounds checks. */
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  /** `buffer[i] ^= mask[i & 3]` for all of `buffer`. */
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}

/** Below this many bytes the call into C costs more than core's loop takes (measured ~80 ns vs ~100 ns at 125 B). */
const NATIVE_THRESHOLD = 256;

let loaded: MaskFunction | null | undefined;

/**
 * `options` with Node's defaults for core filled in: bufferutil's mask loop when it is installed,
 * `Buffer.allocUnsafeSlow` (never the shared pool: core hands the whole array out) for message
 * buffers core unmasks into (those it copies into are zero-filled: see allocateMessage), views
 * of shared unzeroed slabs for outgoing frames, which live only until the socket has written
 * them, `adoptInput`, since a socket's `'data'` chunks are fresh buffers nobody reads after us
 * (a message whole in one chunk is then a view of it, as with `ws`), and `buffer.isUtf8`
 * (simdutf, what `ws` uses) to check text delivered as bytes, and Buffer's `utf8Slice` to decode
 * short text straight from its read (core's `decodeUtf8Slice`). Options the caller set win; pass
 * `adoptInput: false` when feeding chunks you reuse.
 */
export function withNodeDefaults<T extends CommonOptions>(options: T): T {
  const mask = options.mask ?? nativeMask();
  return {
    ...options,
    allocate: options.allocate ?? allocateMessage,
    allocateOutgoing: options.allocateOutgoing ?? allocateFromSlabs,
    adoptInput: options.adoptInput ?? true,
    validateUtf8: options.validateUtf8 ?? validateUtf8,
    ...(options.decodeUtf8Slice === undefined && decodeUtf8Slice === null ? {} : { decodeUtf8Slice: options.decodeUtf8Slice ?? decodeUtf8Slice }),
    ...(mask === null ? {} : { mask }),
  };
}

const allocateUninitialised = (size: number): Uint8Array => Buffer.allocUnsafeSlow(size);
// Message buffers core copies plain bytes into are zero-filled all the same; those it unmasks
// into are not. On the AMD EPYC host the bench ran on, glibc's memmove copied into freshly
// zeroed memory faster than into malloc's unzeroed memory (presumably because the fill has
// already claimed the cache lines the copy writes), while bufferutil's unmasking loop ran faster
// unzeroed. Parse with bufferutil, in-process (bench/inproc/parse.ts, alternating processes):
// 64 KiB unmasked text 92-105 k -> 112-117 k msg/s zeroed, 1 MiB unmasked text 5.3-5.6 k ->
// 6.3-6.5 k and binary 7.2 k -> 8.5 k; 1 MiB masked binary (a throwaway harness) 7.6-8.0 k
// zeroed against 9.4-9.7 k unzeroed, a tie up to 256 KiB.
const allocateMessage = (size: number, unmasks: boolean): Uint8Array => (unmasks ? allocateUninitialised(size) : new Uint8Array(size));
// Outgoing frames live only until the socket has written them, so they may share slabs, one set
// for the process as Node's Buffer pool is. Not that pool: its 8 KiB slabs hold two 3 KiB runs
// (the room a 1 KiB string may need), and a new slab costs ~2 µs.
const allocateFromSlabs = slabAllocator({ allocate: allocateUninitialised });

/** Below this many bytes core's loop beats the call into C (measured ~15 ns vs ~23 ns at 16 B). */
const NATIVE_UTF8_THRESHOLD = 64;
const validateUtf8 = (bytes: Uint8Array): boolean => (bytes.length < NATIVE_UTF8_THRESHOLD ? isValidUtf8(bytes) : isUtf8(bytes));

/**
 * Buffer's own UTF-8 slice, which takes a range of any Uint8Array and is what `buffer.toString(
 * "utf8", start, end)` calls; undocumented, so it is looked up rather than assumed. Measured as
 * for Bun (see @wsengine/bun's defaults): 1.05-1.11x the messages of 64-byte text echo with it,
 * 0.97-1.05x at 1,000 bytes. Text core has seen to be all ASCII goes to `latin1Slice` (same
 * string, no UTF-8 decoding): 53-73 ns against 60-90 ns for 16-256 bytes in a microbenchmark on
 * Node 20, and echo of 64-byte ASCII text gave 0.99-1.03x the messages (two servers on one core
 * under equal loads, six runs, five in its favour).
 */
const utf8Slice = (Buffer.prototype as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;
// ASCII decodes the same either way; where `latin1Slice` is missing, `utf8Slice` serves.
const asciiSlice = (Buffer.prototype as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice ?? utf8Slice;
const decodeUtf8Slice =
  utf8Slice === undefined || asciiSlice === undefined
    ? null
    : (bytes: Uint8Array, start: number, end: number, ascii: boolean): string => (ascii ? asciiSlice.call(bytes, start, end) : utf8Slice.call(bytes, start, end));

/** bufferutil's loop in core's {@link MaskFunction} contract, or null when the addon is not available. */
export function nativeMask(): MaskFunction | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

function load(): MaskFunction | null {
  let util: BufferUtil;
  try {
    const require = createRequire(import.meta.url);
    util = require("bufferutil") as BufferUtil;
    // Without a prebuilt binary bufferutil exports a byte loop, slower than core's word loop.
    if (util === require("bufferutil/fallback")) return null;
  } catch {
    return null;
  }
  const rotated = new Uint8Array(4);
  return (src, srcStart, dst, dstStart, length, key, keyOffset) => {
    if (length < NATIVE_THRESHOLD) {
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
      return;
    }
    // The C loop writes wherever it is told: check the ranges as maskInto does.
    if (key.length !== 4) throw new RangeError("masking key must be 4 bytes");
    if (!(srcStart >= 0 && dstStart >= 0) || srcStart + length > src.length || dstStart + length > dst.length) {
      throw new RangeError("mask range out of bounds");
    }
    let k = key;
    const phase = keyOffset & 3;
    if (phase !== 0) {
      // bufferutil always starts at key byte 0: hand it the key rotated to this phase.
      for (let i = 0; i < 4; i++) rotated[i] = key[(phase + i) & 3]!;
      k = rotated;
    }
    const wholeSource = srcStart === 0 && length === src.length;
    if (wholeSource && src === dst && dstStart === 0) {
      // In place over a whole view (how core unmasks adopted input): the two-argument call skips
      // three of the five argument conversions, ~62 ns against ~79 ns for 1 KiB.
      util.unmask(src, k);
      return;
    }
    // bufferutil reads from index 0 of its source: a view of the range, unless src is exactly it.
    const source = wholeSource ? src : new Uint8Array(src.buffer, src.byteOffset + srcStart, length);
    util.mask(source, k, dst, dstStart, length);
  };
}
