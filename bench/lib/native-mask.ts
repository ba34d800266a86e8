/** bufferutil's masking loop as @wsengine/node hands it to core; the bench refuses to run without it. */
import type { MaskFunction } from "@wsengine/core";
import { nativeMask } from "@wsengine/node";

export function requireNativeMask(): MaskFunction {
  const mask = nativeMask();
  if (mask === null) throw new Error("bufferutil's native addon did not load: core+bufferutil cannot be measured");
  return mask;
}
