/** Randomness is injected so tests never patch a global. */

/** Fills `into` with random bytes. Masking keys and handshake keys must come from a CSPRNG. */
export type RandomSource = (into: Uint8Array) => void;

const POOL_SIZE = 8192;

/**
 * Draws from `crypto.getRandomValues` through a pool, so that each masking key costs a copy of
 * four bytes instead of a call into the runtime's CSPRNG (undici pools its mask keys too).
 * Each call of `pooledRandom()` creates its own pool: there is no module-level state.
 */
export function pooledRandom(): RandomSource {
  const pool = new Uint8Array(POOL_SIZE);
  let offset = POOL_SIZE;
  return (into) => {
    const n = into.length;
    if (n > POOL_SIZE) {
      crypto.getRandomValues(into);
      return;
    }
    if (offset + n > POOL_SIZE) {
      crypto.getRandomValues(pool);
      offset = 0;
    }
    into.set(pool.subarray(offset, offset + n));
    // Never hand out the same bytes twice.
    pool.fill(0, offset, offset + n);
    offset += n;
  };
}
