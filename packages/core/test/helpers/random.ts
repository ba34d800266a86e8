import type { RandomSource } from "../../src/index.js";

/** A deterministic RandomSource (xorshift32), so tests never patch a global. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  let x = seed >>> 0 || 1;
  return (into) => {
    for (let i = 0; i < into.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      into[i] = x & 0xff;
    }
  };
}
