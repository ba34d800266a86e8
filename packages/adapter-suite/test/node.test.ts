/** The adapter suite on Node, in-process: each case is a vitest test. */
import { describe, it } from "vitest";
import { adapterCases, executeCase, skipReason } from "../src/index.js";
import { makeCertificate } from "../src/node/index.js";
import { nodeHarness } from "./node-harness.js";

const harness = nodeHarness(makeCertificate());

describe(`adapter suite on ${harness.runtime}`, () => {
  for (const testCase of adapterCases(harness)) {
    it(testCase.name, async (ctx) => {
      const reason = skipReason(testCase, harness.capabilities);
      if (reason !== null) {
        console.warn(`[adapter-suite] skipped on ${harness.runtime}: ${testCase.name} (${reason})`);
        ctx.skip(reason);
      }
      await executeCase(testCase);
    }, (testCase.timeout ?? 15_000) + 5_000);
  }
});
