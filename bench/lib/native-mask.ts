/**
 * What @wsengine/node passes core on Node (withNodeDefaults): bufferutil's masking loop,
 * unzeroed message buffers, outgoing frames from shared unzeroed slabs and buffer.isUtf8. The bench refuses to run core+bufferutil without
 * the addon.
 */
import type { CommonOptions } from "@wsengine/core";
import { nativeMask, withNodeDefaults } from "@wsengine/node";

export function requireNodeDefaults(): Pick<CommonOptions, "mask" | "allocate" | "allocateOutgoing" | "validateUtf8"> {
  if (nativeMask() === null) throw new Error("bufferutil's native addon did not load: core+bufferutil cannot be measured");
  const { mask, allocate, allocateOutgoing, validateUtf8 } = withNodeDefaults<CommonOptions>({});
  return { mask: mask!, allocate: allocate!, allocateOutgoing: allocateOutgoing!, validateUtf8: validateUtf8! };
}
