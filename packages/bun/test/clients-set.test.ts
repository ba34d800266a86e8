/**
 * A server's `clients` is the session layer's `SessionSet`, not a `Set` (see
 * @wsengine/session's session-set.ts); where the runtime's `Set` has ES2025's set methods, as
 * Bun's does, `clients` must answer them as a `Set` would. Node 20, which runs the other tests,
 * has none, so this runs on the installed `bun` (test/clients-set.ts).
 */
import { describe, expect, it } from "vitest";
import { bun, runBunScript } from "./bun-script.js";
import type { Report } from "./clients-set.js";

if (bun.path === null) console.warn(`[bun] skipping the clients set-methods check: ${bun.reason}`);

describe("a Bun server's clients", () => {
  it.skipIf(bun.path === null)("answers ES2025's set methods as a Set of the same sessions", async () => {
    const { reports, exitCode, stderr } = await runBunScript<Report>("packages/bun/test/clients-set.ts");
    expect(exitCode, stderr).toBe(0);
    expect(reports).toEqual([
      {
        clients: 3,
        same: { union: true, intersection: true, difference: true, symmetricDifference: true, isSubsetOf: true, isSupersetOf: true, isDisjointFrom: true },
      },
    ]);
  }, 30_000);
});
