import type { RandomSource } from "../../src/index.js";

/** xorshift32 from `seed` (0 counts as 1): each call returns the next unsigned 32-bit value. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

/** A deterministic RandomSource (xorshift32), so tests never patch a global. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  const next = xorshift32(seed);
  return (into) => {
    for (let i = 0; i < into.length; i++) into[i] = next() & 0xff;
  };
}
