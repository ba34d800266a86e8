/**
 * Turns a child runtime's run of the adapter suite into vitest tests, one per case, with the
 * same names as on Node. A missing runtime binary skips every case with the reason, loudly.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Harness } from "../harness.js";
import { adapterCases } from "../suite.js";
import { certificateEnv, makeCertificate } from "./cert.js";
import { type ChildSuite, findRuntime, killChildren, type RuntimeName, runChildSuite } from "./runtimes.js";

/** Register the suite run by `script` (relative to the workspace root) on `runtime`. */
export function describeChildSuite(runtime: RuntimeName, script: string, timeout = 60_000): void {
  const binary = findRuntime(runtime);
  const label = binary.path === null ? `${runtime} (unavailable)` : binary.version;
  if (binary.path === null) console.warn(`[adapter-suite] skipping the ${runtime} suite: ${binary.reason}`);
  // Names and capability requirements do not depend on the harness: no case runs here.
  const cases = adapterCases({} as Harness);
  describe(`adapter suite on ${label}`, () => {
    let child: ChildSuite | null = null;
    beforeAll(() => {
      if (binary.path !== null) child = runChildSuite(runtime, binary.path, script, { env: certificateEnv(makeCertificate()), timeout });
    });
    afterAll(() => killChildren());
    for (const testCase of cases) {
      it(testCase.name, async (ctx) => {
        if (child === null) return ctx.skip(`${runtime} unavailable: ${(binary as { reason: string }).reason}`);
        const result = await child.result(testCase.name);
        if (result.status === "skip") {
          console.warn(`[adapter-suite] skipped on ${label}: ${testCase.name} (${result.reason})`);
          ctx.skip(result.reason);
        }
        if (result.status === "fail") throw new Error(`on ${label}: ${result.error}`);
      }, timeout);
    }
  });
}
