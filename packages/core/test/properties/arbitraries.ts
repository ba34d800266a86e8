/** fast-check arbitraries for wire-level streams, shared by the property tests. */
import fc from "fast-check";
import { Opcode } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";
import { concat, utf8 } from "../helpers/bytes.js";
import { rawFrame } from "../helpers/wire.js";

/** One application-level item a peer may send. */
export type WireItem =
  | { readonly kind: "text"; readonly text: string; readonly pieces: number }
  | { readonly kind: "binary"; readonly data: Uint8Array; readonly pieces: number }
  | { readonly kind: "ping" | "pong"; readonly data: Uint8Array };

const sizes = fc.oneof(fc.constantFrom(0, 1, 125, 126, 127, 65535, 65536), fc.nat(300));

/** `n` bytes from a seed: large payloads without generating every byte through fast-check. */
export const bytesOfSize = (size: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(size, fc.integer()).map(([n, seed]) => {
    const out = new Uint8Array(n);
    seededRandom(seed)(out);
    return out;
  });

export const wireItem: fc.Arbitrary<WireItem> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("text" as const), text: fc.string({ unit: "grapheme", maxLength: 60 }), pieces: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("binary" as const),
      data: bytesOfSize(sizes),
      pieces: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("ping" as const, "pong" as const), data: fc.uint8Array({ maxLength: 125 }) }) },
);

/** Split `data` into `pieces` frames of one message (byte cuts may split code points). */
function fragments(opcode: number, data: Uint8Array, pieces: number, masked: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  const step = Math.ceil(data.length / pieces) || 1;
  for (let i = 0; i < pieces; i++) {
    const part = data.subarray(Math.min(i * step, data.length), Math.min((i + 1) * step, data.length));
    out.push(rawFrame(i === 0 ? opcode : Opcode.Continuation, part, { masked, fin: i === pieces - 1 }));
  }
  return out;
}

/** Encode items as a raw peer would (masked when it plays the client). */
export function encodeItems(items: readonly WireItem[], masked: boolean): Uint8Array {
  const out: Uint8Array[] = [];
  for (const item of items) {
    if (item.kind === "text") out.push(...fragments(Opcode.Text, utf8(item.text), item.pieces, masked));
    else if (item.kind === "binary") out.push(...fragments(Opcode.Binary, item.data, item.pieces, masked));
    else out.push(rawFrame(item.kind === "ping" ? Opcode.Ping : Opcode.Pong, item.data, { masked }));
  }
  return concat(out);
}

/**
 * Cut points for a stream of `length` bytes: a few anywhere, or every byte of a window of up to
 * 2 KiB (byte-at-a-time delivery; whole large streams one byte at a time would only be slow).
 */
export const cuts = (length: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.array(fc.integer({ min: 0, max: length }), { maxLength: 20 }),
    fc.integer({ min: 0, max: length }).map((from) => Array.from({ length: Math.min(2048, length - from) }, (_, i) => from + i)),
  );
