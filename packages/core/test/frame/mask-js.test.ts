import { expect, it, vi } from "vitest";
import { maskTests } from "./mask-cases.js";

// A host with no WebAssembly, as Cloudflare Workers are to core (they refuse to compile from
// bytes): this file's own load of the modules settles on the JavaScript loops, and the masking
// tests run against them.
vi.stubGlobal("WebAssembly", undefined);
const { simdMasker } = await import("../../src/frame/mask-simd.js");
const settled = simdMasker();
vi.unstubAllGlobals();
const m = await import("../../src/frame/mask.js");

it("has no SIMD masking without WebAssembly, and keeps to that", () => {
  expect(settled).toBeNull();
  expect(simdMasker()).toBeNull();
});

maskTests(m);
