/** Byte helpers for transports. */

/**
 * Copy `chunks`, in order, into `into`: transports merge a batch of small chunks so that it goes
 * out in one write (one syscall, one op) rather than many tiny ones.
 * @param into at least as long as the chunks together: a `new Uint8Array(total)`, or on Node an
 *   unzeroed `Buffer.allocUnsafe(total)`.
 * @returns `into`.
 */
export function concatBytes(chunks: readonly Uint8Array[], into: Uint8Array): Uint8Array {
  let at = 0;
  for (const chunk of chunks) {
    into.set(chunk, at);
    at += chunk.length;
  }
  return into;
}
