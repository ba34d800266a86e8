/**
 * Core masks long payloads with WebAssembly SIMD where the runtime compiles it (frame/mask-simd.ts).
 * Node's side is core's own tests; this runs simd-masking-check.ts on the npm `deno` and `bun`
 * binaries, so that a runtime that stops compiling the module, and quietly falls back to the
 * JavaScript loop, fails here. (Workers refuse it: packages/cloudflare's "simd-masking" scenario.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { findRuntime, killChildren, runArgs, runToExit } from "../src/node/index.js";

afterAll(() => killChildren());

describe("core's SIMD masking on the other runtimes", () => {
  for (const name of ["deno", "bun"] as const) {
    const runtime = findRuntime(name);
    if (runtime.path === null) console.warn(`[${name}] skipping the SIMD masking check: ${runtime.reason}`);
    it.skipIf(runtime.path === null)(`${name} compiles it, and maskInto matches the reference through it`, async () => {
      const { exitCode, stdout, stderr } = await runToExit(runtime.path!, runArgs(name, "packages/adapter-suite/test/simd-masking-check.ts"));
      expect(exitCode, stderr).toBe(0);
      expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ simd: true, mismatches: 0 });
    }, 60_000);
  }
});
