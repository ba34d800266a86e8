/** Byte helpers for transports and connections. */
import { type CommonOptions, slabAllocator } from "@wsengine/core";

/**
 * Slabs for the outgoing frames of every connection whose adapter brought no allocator (Deno,
 * Cloudflare): one set for the process, as an idle connection holds no piece of them.
 */
const sharedSlabs = slabAllocator();

/** `options` with core's `allocateOutgoing` set to the shared slabs, unless it is set already. */
export function withSharedSlabs<T extends CommonOptions>(options: T): T {
  return options.allocateOutgoing === undefined ? { ...options, allocateOutgoing: sharedSlabs } : options;
}

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
