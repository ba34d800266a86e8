/**
 * What @wsengine/node passes core on Node (withNodeDefaults): bufferutil's masking loop,
 * unzeroed message buffers, outgoing frames from shared unzeroed slabs and buffer.isUtf8; and
 * what its permessageDeflate adds to core's (node:zlib for long whole messages). The bench
 * refuses to run core+bufferutil without the addon.
 */
import type { CommonOptions, PerMessageDeflateOptions } from "@wsengine/core";
import { nativeMask, withNodeDefaults, zlibDeflate } from "@wsengine/node";

/** The permessage-deflate options @wsengine/node's `permessageDeflate` puts under the caller's. */
export const NODE_DEFLATE: PerMessageDeflateOptions = { native: zlibDeflate };

export function requireNodeDefaults(): Pick<CommonOptions, "mask" | "allocate" | "allocateOutgoing" | "validateUtf8"> {
  if (nativeMask() === null) throw new Error("bufferutil's native addon did not load: core+bufferutil cannot be measured");
  const { mask, allocate, allocateOutgoing, validateUtf8 } = withNodeDefaults<CommonOptions>({});
  return { mask: mask!, allocate: allocate!, allocateOutgoing: allocateOutgoing!, validateUtf8: validateUtf8! };
}
