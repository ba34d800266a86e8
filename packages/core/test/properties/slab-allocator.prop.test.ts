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
