/**
 * `@wsengine/bun` lends core Buffer's `utf8Slice` to decode short text straight from its read
 * (src/defaults.ts): this runs test/utf8-slice.ts on the installed `bun`, so a Bun release whose
 * `utf8Slice` drops a byte order mark, reads past its range or is missing fails here.
 */
import { afterAll, describe, expect, it } from "vitest";
import { killChildren } from "@wsengine/adapter-suite/node";
import { bun, runBunScript } from "./bun-script.js";
import type { Report } from "./utf8-slice.js";

if (bun.path === null) console.warn(`[bun] skipping the utf8Slice check: ${bun.reason}`);

describe("decodeUtf8Slice on Bun", () => {
  afterAll(() => killChildren());

  it.skipIf(bun.path === null)("decodes every range of a plain Uint8Array as TextDecoder does, a leading byte order mark kept", async () => {
    const { reports, exitCode, stderr } = await runBunScript<Report>("packages/bun/test/utf8-slice.ts");
    expect(exitCode, stderr).toBe(0);
    expect(reports[0]!.mismatches).toEqual([]);
    expect(reports[0]!.ranges).toBeGreaterThan(10_000);
  }, 60_000);
});
