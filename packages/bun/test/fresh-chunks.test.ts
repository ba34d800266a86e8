/**
 * `@wsengine/bun` passes core `adoptInput: true` (src/defaults.ts): core then unmasks payloads in
 * place inside the chunks Bun hands the `data` handler and gives messages out as views of them.
 * That is sound only while each chunk is a buffer of its own that Bun neither reuses nor reads
 * again, which Bun does not document: this checks it on the installed `bun` binary, over TCP and
 * TLS (test/fresh-chunks.ts), so that a Bun release that starts reusing its read buffer fails here.
 */
import { afterAll, describe, expect, it } from "vitest";
import { certificateEnv, killChildren, makeCertificate } from "@wsengine/adapter-suite/node";
import { bun, runBunScript } from "./bun-script.js";
import type { Report } from "./fresh-chunks.js";

if (bun.path === null) console.warn(`[bun] skipping the fresh-chunk check: ${bun.reason}`);

describe("Bun's socket data chunks are the handler's to keep (adoptInput)", () => {
  afterAll(() => killChildren());

  it.skipIf(bun.path === null)("every chunk is a buffer of its own, and Bun never writes into one it handed out", async () => {
    const { reports, exitCode, stderr } = await runBunScript<Report>("packages/bun/test/fresh-chunks.ts", certificateEnv(makeCertificate()));
    expect(exitCode, stderr).toBe(0);
    expect(reports.map((r) => r.transport)).toEqual(["tcp", "tls"]);
    for (const r of reports) {
      expect(r.bytes, r.transport).toBe(8 * 1024 * 1024);
      // Many reads, or the check proves little.
      expect(r.chunks, r.transport).toBeGreaterThan(10);
      expect(r, r.transport).toMatchObject({ distinctBuffers: r.chunks, wrongOnArrival: 0, changedLater: 0 });
    }
  }, 60_000);
});
