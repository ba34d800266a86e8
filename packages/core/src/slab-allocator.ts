/**
 * Outgoing buffers carved from shared slabs: a value for the `allocateOutgoing` option.
 *
 * On V8 (Node 20, Deno) `new Uint8Array(n)` for n over 64 bytes is an allocation of its own
 * outside the heap, which costs ~2 µs with the garbage collection it brings (measured: 131 and
 * 1,030 bytes, 2.0-2.6 µs on both), more than building a frame of a few hundred bytes. A view
 * of a slab costs ~35 ns. On Bun 1.4.5 a small typed array is cheap (~15-20 ns at 128 bytes) but
 * ~120 ns at 1 KiB and ~180-240 ns at 4 KiB, against ~30 ns for a view: Bun's adapter uses one too.
 */

/** Options of {@link slabAllocator}. */
export interface SlabAllocatorOptions {
  /** Bytes per slab. Default 64 KiB. */
  readonly slabSize?: number;
  /** Requests larger than this get an array of their own. Default a quarter of `slabSize`. */
  readonly maxPiece?: number;
  /**
   * Makes the slabs and the larger arrays. Default `new Uint8Array(size)`; Node's adapter passes
   * `Buffer.allocUnsafeSlow`, which skips the zero-fill (core writes every byte it hands out).
   */
  readonly allocate?: (size: number) => Uint8Array;
}

// Pieces start on 8-byte boundaries, as Node's Buffer pool aligns them: a word view of a piece
// (the masking loop's) then starts aligned.
const ALIGN = 8;

/** An allocator made by {@link slabAllocator}: call it for a piece. */
export interface SlabAllocator {
  (size: number): Uint8Array;
  /**
   * Say that nothing holds `piece` any more (a transport wrote it out synchronously and kept no
   * reference): if it is the last piece handed out, the next pieces reuse its bytes, so a server
   * that writes each batch at once keeps building in the same memory instead of filling slab
   * after slab. Any other piece is ignored. Releasing a piece that something still reads
   * corrupts it.
   */
  release(piece: Uint8Array): void;
}

/**
 * An allocator that hands out consecutive pieces of one slab until it is full, then starts
 * another. Pieces never overlap and are never handed out twice unless released, so a piece stays
 * valid for as long as its holder keeps it; the slab is freed when none of its pieces is
 * referenced.
 *
 * Meant for buffers that live briefly, such as frames on their way to a socket: a long-lived
 * piece keeps its whole slab alive, so a connection whose writes stall pins up to a slab per
 * queued piece (Node's Buffer pool makes the same trade with 8 KiB). Share one allocator between
 * connections (an idle connection holds no piece, see `Connection.takeOutgoing`); each allocator
 * keeps its current slab. Slab size decides the speed: building 1 KiB frames one per flush on
 * Node 20 ran at ~3.0 M/s with 16 KiB slabs, ~4.2 M with 32 KiB and ~6 M with 64 KiB.
 * @throws {RangeError} for sizes that are not positive integers, or `maxPiece > slabSize`.
 * @example
 * const allocateOutgoing = slabAllocator();
 * const conn = new ServerConnection({ allocateOutgoing });
 */
export function slabAllocator(options: SlabAllocatorOptions = {}): SlabAllocator {
  const slabSize = options.slabSize ?? 64 * 1024;
  const maxPiece = options.maxPiece ?? slabSize >>> 2;
  if (!Number.isSafeInteger(slabSize) || slabSize < 1) throw new RangeError(`slabSize must be a positive integer, got ${slabSize}`);
  if (!Number.isSafeInteger(maxPiece) || maxPiece < 1 || maxPiece > slabSize) {
    throw new RangeError(`maxPiece must be a positive integer up to slabSize (${slabSize}), got ${maxPiece}`);
  }
  const make = options.allocate ?? ((size: number): Uint8Array => new Uint8Array(size));
  let slab: Uint8Array | null = null;
  let used = 0;
  const allocate = (size: number): Uint8Array => {
    if (size > maxPiece) return make(size);
    if (slab === null || used + size > slab.length) {
      slab = make(slabSize);
      used = 0;
    }
    // subarray, not a Uint8Array constructor: it keeps the slab's class, so Node's sockets get
    // Buffers and need not wrap each piece.
    const piece = slab.subarray(used, used + size);
    used = alignUp(used + size);
    return piece;
  };
  const release = (piece: Uint8Array): void => {
    if (slab === null || piece.buffer !== slab.buffer) return;
    const start = piece.byteOffset - slab.byteOffset;
    if (start >= 0 && alignUp(start + piece.length) === used) used = start;
  };
  return Object.assign(allocate, { release });
}

const alignUp = (n: number): number => (n + ALIGN - 1) & ~(ALIGN - 1);
