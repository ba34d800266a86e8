/**
 * The shared adapter suite (@wsengine/adapter-suite) with this adapter's client inside workerd,
 * in a Worker's fetch handler and in a Durable Object: the client-side cases against a Node
 * echo peer, the server-side ones skipped with the stated reason, and the cross-runtime interop
 * cases. Each case is one vitest test.
 */
import { adapterCases, type Harness, interopCases } from "@wsengine/adapter-suite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestWorker, type TestWorker } from "./helpers/environment.js";
import { CLIENT_SIDE_CASES, SERVER_SIDE_REASON } from "./suite-cases.js";

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker();
}, 60_000);
afterAll(() => w?.dispose());

// Building the case lists runs nothing; only the names and timeouts are read here.
const unused = (): never => {
  throw new Error("not called in Node");
};
const listing: Harness = { runtime: "listing", capabilities: { tls: true, builtinWebSocket: true }, largestRead: 0, listen: unused, connect: unused, createWebSocket: unused, createBuiltinWebSocket: null };
const ADAPTER_CASES = adapterCases(listing);
const INTEROP_CASES = interopCases(unused, "");

it("lists only client-side cases that exist in the shared suite", () => {
  const names = new Set(ADAPTER_CASES.map((c) => c.name));
  expect(CLIENT_SIDE_CASES.filter((name) => !names.has(name))).toEqual([]);
});

for (const where of ["worker", "do"] as const) {
  const place = where === "worker" ? "a Worker's fetch handler" : "a Durable Object";
  describe(`adapter suite in ${place}`, () => {
    for (const testCase of ADAPTER_CASES) {
      it(testCase.name, async (ctx) => {
        if (!CLIENT_SIDE_CASES.includes(testCase.name)) {
          // Printed as the adapter suite does on other runtimes: the default reporter hides skip reasons.
          console.warn(`[adapter-suite] skipped in ${place}: ${testCase.name} (${SERVER_SIDE_REASON})`);
          ctx.skip(SERVER_SIDE_REASON);
        }
        await w.run(where, "suite", `&kind=adapter&name=${encodeURIComponent(testCase.name)}`);
      }, (testCase.timeout ?? 15_000) + 5_000);
    }
  });
  describe(`interop cases in ${place}, against a Node echo peer`, () => {
    for (const testCase of INTEROP_CASES) {
      it(testCase.name, async () => {
        await w.run(where, "suite", `&kind=interop&name=${encodeURIComponent(testCase.name)}`);
      }, (testCase.timeout ?? 15_000) + 5_000);
    }
  });
}
