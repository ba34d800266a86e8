/**
 * @wsengine/node and @wsengine/bun lend core Buffer's `utf8Slice` to decode short text straight
 * from its read (core's `decodeUtf8Slice`). Each runtime's decoder goes through the suite's
 * `checkUtf8Slice`: Node's here, Bun's in packages/bun/test/utf8-slice.ts on the installed `bun`.
 * A release whose `utf8Slice` is missing, drops a byte order mark or reads past its range fails.
 */
import type { CommonOptions } from "@wsengine/core";
import { withNodeDefaults } from "@wsengine/node";
import { afterAll, describe, expect, it } from "vitest";
import { checkUtf8Slice, type Utf8SliceReport } from "../src/index.js";
import { findRuntime, killChildren, runArgs, runToExit } from "../src/node/index.js";

afterAll(() => killChildren());

const bun = findRuntime("bun");
if (bun.path === null) console.warn(`[bun] skipping the utf8Slice check: ${bun.reason}`);

describe("the decodeUtf8Slice the adapters lend core", () => {
  it("on Node decodes every range of a plain Uint8Array as TextDecoder does, a leading byte order mark kept", () => {
    const decode = withNodeDefaults<CommonOptions>({}).decodeUtf8Slice;
    expect(decode, "Buffer.prototype.utf8Slice is missing on this Node").toBeTypeOf("function");
    const report = checkUtf8Slice(decode!);
    expect(report.mismatches).toEqual([]);
    expect(report.ranges).toBeGreaterThan(10_000);
  });

  it.skipIf(bun.path === null)("on Bun does the same", async () => {
    const { exitCode, stdout, stderr } = await runToExit(bun.path!, runArgs("bun", "packages/bun/test/utf8-slice.ts"));
    expect(exitCode, stderr).toBe(0);
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as Utf8SliceReport;
    expect(report.mismatches).toEqual([]);
    expect(report.ranges).toBeGreaterThan(10_000);
  }, 60_000);
});
