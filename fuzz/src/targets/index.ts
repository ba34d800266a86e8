/** Every fuzz target, by name. */
import { deflate } from "./deflate.js";
import { handshake } from "./handshake.js";
import { model } from "./model.js";
import { split } from "./split.js";
import type { FuzzTarget } from "./target.js";
import { totality } from "./totality.js";

export const TARGETS: ReadonlyArray<FuzzTarget<never>> = [totality, split, model, handshake, deflate] as unknown as ReadonlyArray<FuzzTarget<never>>;

export function targetByName(name: string): FuzzTarget<unknown> | undefined {
  return TARGETS.find((t) => t.name === name) as FuzzTarget<unknown> | undefined;
}
export type { FuzzTarget } from "./target.js";
