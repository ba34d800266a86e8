/**
 * `@wsengine/bun`'s permessageDeflate hands whole messages to Bun's node:zlib (core's `native`):
 * every received one, and sent ones from 4 KiB (with context takeover). Bun implements node:zlib itself, so this runs test/zlib-deflate.ts on the installed `bun`:
 * messages both ways between it and core's fflate-only extension, the window passing between
 * the codecs, and a bomb stopped at the limit by the native path.
 */
import { afterAll, describe, expect, it } from "vitest";
import { killChildren } from "@wsengine/adapter-suite/node";
import { bun, runBunScript } from "./bun-script.js";
import type { Report } from "./zlib-deflate.js";

if (bun.path === null) console.warn(`[bun] skipping the node:zlib codec check: ${bun.reason}`);

describe("permessage-deflate through Bun's node:zlib", () => {
  afterAll(() => killChildren());

  it.skipIf(bun.path === null)("round-trips with fflate, inflates with zlib, compresses with it from 4 KiB, stops a bomb with 1009", async () => {
    const { reports, exitCode, stderr } = await runBunScript<Report>("packages/bun/test/zlib-deflate.ts");
    expect(exitCode, stderr).toBe(0);
    const report = reports[0]!;
    // 7 sizes each way; the 70,000-byte, 1 MiB and 9,000-byte ones leave Bun compressed by zlib,
    // and all 7 that fflate compressed come back to zlib. The codec runs on reset handles.
    expect(report).toEqual({ messages: 14, mismatches: 0, nativeDeflates: 3, nativeInflates: 7, bomb: "MESSAGE_TOO_BIG", oneShotCalls: 0 });
  }, 60_000);
});
