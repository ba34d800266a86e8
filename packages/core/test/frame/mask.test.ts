import { expect, it } from "vitest";
import * as m from "../../src/frame/mask.js";
import { simdMasker } from "../../src/frame/mask-simd.js";
import { maskTests } from "./mask-cases.js";

// Node 20 compiles the SIMD module: from SIMD_MIN bytes these tests run it (mask-js.test.ts runs
// the same tests without it). Failing here means the fast path silently went away.
it("has WebAssembly SIMD masking on this host", () => {
  expect(simdMasker()).not.toBeNull();
});

maskTests(m);
