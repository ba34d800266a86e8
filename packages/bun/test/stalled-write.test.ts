/**
 * Outgoing bytes while the peer does not read, on the installed `bun` (test/stalled-write.ts):
 * the transport keeps its own copy of what the socket did not take from a shared outgoing slab,
 * and every message held back reaches the peer intact once it reads.
 */
import { afterAll, describe, expect, it } from "vitest";
import { killChildren } from "@wsengine/adapter-suite/node";
import { bun, runBunScript } from "./bun-script.js";
import type { Report } from "./stalled-write.js";

if (bun.path === null) console.warn(`[bun] skipping the stalled-write check: ${bun.reason}`);

describe("Bun: writes while the peer does not read", () => {
  afterAll(() => killChildren());

  it.skipIf(bun.path === null)("the transport holds its own copy of slab pieces and releases the rest, and held-back messages arrive intact", async () => {
    const { reports, exitCode, stderr } = await runBunScript<Report>("packages/bun/test/stalled-write.ts");
    expect(exitCode, stderr).toBe(0);
    const report = reports[0]!;
    // The socket filled (megabytes on loopback) and the session held a frame back.
    expect(report.transportBytes).toBeGreaterThan(64 * 1024);
    expect(report.held).toBeGreaterThan(0);
    expect(report).toMatchObject({ transportCorrupt: 0, received: report.sent, corrupt: 0 });
    // Pieces written at once were released and their bytes built the next piece.
    expect(report.transportReused).toBeGreaterThan(0);
  }, 60_000);
});
