import { fc, it } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { slabAllocator } from "../../src/index.js";

/** A Uint8Array subclass, standing for Node's Buffer: pieces must keep the slab's class. */
class Tagged extends Uint8Array {}

describe("slabAllocator", () => {
  const setup = fc.record({
    slabSize: fc.integer({ min: 1, max: 300 }),
    maxFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
    sizes: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }),
  });

  it.prop([setup])("hands out pieces of the asked size that never overlap, each slab one array", ({ slabSize, maxFraction, sizes }) => {
    const maxPiece = Math.max(1, Math.floor(slabSize * maxFraction));
    const made: Tagged[] = [];
    const allocate = slabAllocator({
      slabSize,
      maxPiece,
      allocate: (n) => {
        const a = new Tagged(n).fill(0xee);
        made.push(a);
        return a;
      },
    });
    const pieces = sizes.map((size, i) => {
      const piece = allocate(size);
      expect(piece.length).toBe(size);
      expect(piece).toBeInstanceOf(Tagged);
      piece.fill(i & 0xff);
      return piece;
    });
    // Every piece still holds what was written into it: none was handed out twice or overlaps.
    pieces.forEach((piece, i) => expect(piece.every((b) => b === (i & 0xff))).toBe(true));
    for (const [i, piece] of pieces.entries()) {
      const size = sizes[i]!;
      if (size > maxPiece) {
        expect(made).toContain(piece); // an array of its own
      } else {
        expect(piece.byteOffset % 8).toBe(0);
        expect(piece.buffer.byteLength).toBe(slabSize);
      }
    }
    // A new slab only when the current one had no room: slabs made <= pieces that needed one.
    const slabs = made.filter((a) => a.length === slabSize && !pieces.includes(a)).length;
    expect(slabs).toBeLessThanOrEqual(sizes.filter((s) => s <= maxPiece).length);
  });

  it.prop([
    fc.integer({ min: 8, max: 300 }),
    fc.array(fc.oneof(fc.record({ allocate: fc.integer({ min: 0, max: 120 }) }), fc.record({ release: fc.nat() })), { maxLength: 80 }),
  ])("never overlaps a piece still held, and builds the next piece in a released last piece's bytes", (slabSize, steps) => {
    const allocate = slabAllocator({ slabSize, maxPiece: Math.max(1, slabSize >>> 1) });
    const held: { piece: Uint8Array; id: number }[] = [];
    let last: Uint8Array | null = null;
    let releasedLast: Uint8Array | null = null;
    let id = 0;
    for (const step of steps) {
      if ("allocate" in step) {
        const piece = allocate(step.allocate);
        if (releasedLast !== null && piece.length > 0 && piece.length <= releasedLast.length && piece.buffer === releasedLast.buffer) {
          expect(piece.byteOffset).toBe(releasedLast.byteOffset);
        }
        piece.fill(++id & 0xff);
        held.push({ piece, id });
        last = piece;
        releasedLast = null;
      } else if (held.length > 0) {
        const { piece } = held.splice(step.release % held.length, 1)[0]!;
        allocate.release(piece);
        releasedLast = piece === last && piece.length > 0 ? piece : null;
      }
      // What is still held was written by its own holder alone.
      for (const h of held) expect(h.piece.every((b) => b === (h.id & 0xff))).toBe(true);
    }
  });

  it("ignores the release of a piece that is not the last one handed out", () => {
    const allocate = slabAllocator({ slabSize: 1024 });
    const first = allocate(16);
    const second = allocate(16).fill(2);
    allocate.release(first);
    const third = allocate(64).fill(3);
    expect(third.byteOffset).toBeGreaterThanOrEqual(second.byteOffset + 16);
    expect(second.every((b) => b === 2)).toBe(true);
    // Released twice, or a piece of another allocator: nothing moves either.
    allocate.release(third);
    allocate.release(third);
    allocate.release(new Uint8Array(64));
    expect(allocate(8).byteOffset).toBe(third.byteOffset);
  });

  it.prop([fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 })])("fills a slab before starting another", (size, count) => {
    let slabs = 0;
    const slabSize = 4096;
    const allocate = slabAllocator({ slabSize, allocate: (n) => (slabs++, new Uint8Array(n)) });
    for (let i = 0; i < count; i++) allocate(size);
    const perSlab = Math.floor((slabSize - size) / (Math.ceil(size / 8) * 8)) + 1;
    expect(slabs).toBe(Math.ceil(count / perSlab));
  });

  it.prop([fc.oneof(fc.integer({ max: 0 }), fc.double({ min: 1.1, max: 9.9, noInteger: true }), fc.constant(Number.NaN))])(
    "refuses a slab or piece size that is not a positive integer",
    (bad) => {
      expect(() => slabAllocator({ slabSize: bad })).toThrow(RangeError);
      expect(() => slabAllocator({ slabSize: 64, maxPiece: bad })).toThrow(RangeError);
    },
  );

  it.prop([fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })])("refuses maxPiece above slabSize", (slabSize, extra) => {
    expect(() => slabAllocator({ slabSize, maxPiece: slabSize + extra })).toThrow(RangeError);
  });
});
