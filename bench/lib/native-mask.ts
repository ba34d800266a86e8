/**
 * What @wsengine/node passes core on Node (withNodeDefaults): bufferutil's masking loop and
 * unzeroed message buffers. The bench refuses to run core+bufferutil without the addon.
 */
import type { CommonOptions } from "@wsengine/core";
import { nativeMask, withNodeDefaults } from "@wsengine/node";

export function requireNodeDefaults(): Pick<CommonOptions, "mask" | "allocate"> {
  if (nativeMask() === null) throw new Error("bufferutil's native addon did not load: core+bufferutil cannot be measured");
  const { mask, allocate } = withNodeDefaults<CommonOptions>({});
  return { mask: mask!, allocate: allocate! };
}
