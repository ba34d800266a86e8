/** Randomness is injected so tests never patch a global. */

/** Fills `into` with random bytes. Masking keys and handshake keys must come from a CSPRNG. */
export type RandomSource = (into: Uint8Array) => void;

// 256 masking keys per refill. The pool is created on first use: a server never masks.
const POOL_SIZE = 1024;

/**
 * Draws from `crypto.getRandomValues` through a pool, so that each masking key costs a copy of
 * four bytes instead of a call into the runtime's CSPRNG (undici pools its mask keys too).
 * Each call of `pooledRandom()` creates its own pool: there is no module-level state.
 */
export function pooledRandom(): RandomSource {
  let pool: Uint8Array | null = null;
  let offset = POOL_SIZE;
  return (into) => {
    const n = into.length;
    if (n > POOL_SIZE) {
      crypto.getRandomValues(into);
      return;
    }
    if (pool === null || offset + n > POOL_SIZE) {
      pool ??= new Uint8Array(POOL_SIZE);
      crypto.getRandomValues(pool);
      offset = 0;
    }
    // A loop, not set(subarray): the view would cost more than copying a 4-byte key.
    for (let i = 0; i < n; i++) {
      into[i] = pool[offset + i]!;
      pool[offset + i] = 0; // never hand out the same bytes twice
    }
    offset += n;
  };
}
