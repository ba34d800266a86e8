/**
 * The adapter suite on Deno, as a plain script: one JSON result line per case on stdout.
 * vitest runs it through test/suite.test.ts; by hand, from the repository root:
 *   node_modules/.bin/deno run -A --sloppy-imports packages/deno/test/run-suite.ts
 */
import { adapterCases, printResult, runCases } from "@wsengine/adapter-suite";
import { harness } from "./harness.js";

const results = await runCases(adapterCases(harness), harness.capabilities, printResult);
Deno.exit(results.some((r) => r.status === "fail") ? 1 : 0);
