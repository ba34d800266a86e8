/**
 * What core runs faster with on Bun ({@link withBunDefaults}), measured with the echo benchmark
 * (bench/e2e, 1 KiB text, server pinned to one core) and Bun's own profiler:
 * - `adoptInput`: each `data` chunk Bun hands a socket handler is a fresh `ArrayBuffer` of its
 *   own that Bun never writes again (test/fresh-chunks.test.ts checks this on the installed Bun),
 *   so payloads are unmasked in place and small messages are views of their chunk. Without it,
 *   every chunk paid a zero-filled slab to unmask into (~20 % of the server's samples).
 * - `allocate`: `Bun.allocUnsafe`, which skips the zero-fill; core writes every byte it hands out
 *   (see core's `CommonOptions.allocate`).
 * - `allocateOutgoing`: views of shared unzeroed slabs (core's `slabAllocator`). An outgoing batch
 *   of ~1 KiB cost ~120 ns from `Bun.allocUnsafe` against ~30 ns for a view of a slab (Bun 1.4.5);
 *   echo of 64-byte text went from ~565-578 k to ~658-674 k msg/s (`Bun.serve` ~913-961 k). The
 *   slabs are 256 KiB and batches up to 64 KiB come from them: a server answering a read of
 *   sixteen 1 KiB messages builds one ~16 KiB batch, which with 64 KiB slabs (16 KiB pieces)
 *   was an array of its own, ~28 k `Bun.allocUnsafe` calls a second; echo of 1 KiB text went from
 *   a median of ~205 k to ~225 k msg/s (13 alternating pairs, the new one faster in 12). A
 *   transport whose socket is full copies the piece it holds (see {@link isOutgoingSlab}), so
 *   once `write()` returns it holds no piece and releases them ({@link releaseOutgoing}): Bun's
 *   `socket.write` copies what it takes before returning, and the next batch is built in the
 *   same bytes instead of the next ones (an allocation-driven collection came every ~8 MB, so
 *   a new 256 KiB slab every ~250 echoes of 1 KiB made JavaScriptCore's collector run often).
 * - `validateUtf8`: `buffer.isUtf8`, native in Bun (simdutf): ~37 ns for 1 KiB of mixed text
 *   where core's JavaScript loop took ~730 ns on JavaScriptCore.
 * - `decodeUtf8Slice`: Buffer's `utf8Slice`, native in Bun, which takes a range of any
 *   Uint8Array: text of up to 256 bytes is decoded from its read with no view of it and no
 *   `TextDecoder` call (see core's option). Measured with two echo servers, with and without it,
 *   on one core under equal loads, so that each gets half of the core and the one that spends less
 *   per message answers more: with it 1.12-1.21x the messages of 64-byte text (four runs, each
 *   server first in two) and 0.99-1.03x at 1,000 bytes, which keeps the TextDecoder path. It
 *   shows ill-formed input as U+FFFD, so core hands it short text unchecked: 1.15-1.19x the
 *   messages of 64-byte text with multibyte characters against checking it first (six runs).
 *   Text core has seen to be all ASCII goes to `latin1Slice` instead (same string, no UTF-8
 *   decoding): ~53 against ~81 ns for 64 bytes in a microbenchmark on Bun 1.4.5, and echo of
 *   64-byte ASCII text gave 1.01-1.06x the messages (six runs, as above).
 * - `writeUtf8`: Buffer's `utf8Write`, native in Bun, which writes into a range of any
 *   Uint8Array: text of 25 to 256 characters that core sends is encoded straight into the
 *   outgoing buffer, with no view of it for `TextEncoder.encodeInto` (~20-30 ns against ~55-90 ns
 *   for 64 characters, microbenchmark on Bun 1.4.5; the echo A/B is in bench/README.md).
 * Options the caller set win.
 */
import { Buffer, isUtf8 } from "node:buffer";
import { type CommonOptions, slabAllocator } from "@wsengine/core";

const allocateUninitialised = (size: number): Uint8Array => Bun.allocUnsafe(size);
const OUTGOING_SLAB = 256 * 1024;
/** The outgoing slabs, so that a transport holding a piece of one while its socket is full can copy it. */
const outgoingSlabs = new WeakSet<ArrayBufferLike>();
const allocateFromSlabs = slabAllocator({
  slabSize: OUTGOING_SLAB,
  maxPiece: 64 * 1024,
  allocate: (size) => {
    const array = allocateUninitialised(size);
    if (size === OUTGOING_SLAB) outgoingSlabs.add(array.buffer);
    return array;
  },
});

/** Whether `buffer` is one of the default outgoing slabs (shared by every connection). */
export function isOutgoingSlab(buffer: ArrayBufferLike): boolean {
  return outgoingSlabs.has(buffer);
}

/**
 * A piece of the default outgoing slabs that the transport no longer holds (see core's
 * `SlabAllocator.release`); anything else is ignored.
 */
export function releaseOutgoing(piece: Uint8Array): void {
  allocateFromSlabs.release(piece);
}
const validateUtf8 = (bytes: Uint8Array): boolean => isUtf8(bytes);
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;
const decodeUtf8Slice = (bytes: Uint8Array, start: number, end: number, ascii: boolean): string => ascii ? latin1Slice.call(bytes, start, end) : utf8Slice.call(bytes, start, end);
const utf8Write = (Buffer.prototype as unknown as { utf8Write: (this: Uint8Array, text: string, offset: number, length: number) => number }).utf8Write;
const writeUtf8 = (text: string, bytes: Uint8Array, start: number, end: number): number => utf8Write.call(bytes, text, start, end - start);

/** `options` with Bun's defaults for core filled in (see the module comment). */
export function withBunDefaults<T extends CommonOptions>(options: T): T {
  return {
    ...options,
    adoptInput: options.adoptInput ?? true,
    allocate: options.allocate ?? allocateUninitialised,
    allocateOutgoing: options.allocateOutgoing ?? allocateFromSlabs,
    validateUtf8: options.validateUtf8 ?? validateUtf8,
    decodeUtf8Slice: options.decodeUtf8Slice ?? decodeUtf8Slice,
    writeUtf8: options.writeUtf8 ?? writeUtf8,
  };
}
