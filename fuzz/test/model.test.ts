/**
 * The state machine's model-based property test: the `model` fuzz target (src/targets/model.ts)
 * for a fixed number of runs in every test run, where the campaigns give it a time budget.
 */
import { fc, it } from "@fast-check/vitest";
import { describe } from "vitest";
import { model } from "../src/targets/model.js";

describe("model-based: client/server pair", () => {
  it.prop([model.arbitrary], { numRuns: 150 })("every message arrives in order, pings are answered, closes are clean, every outbox parses", (input) => {
    model.check(input);
  });
});
