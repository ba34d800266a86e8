/**
 * The server-under-test protocol, shared by every server the e2e suite runs (and easy to follow
 * in Bun or Deno): started as `<command> --port 0 --deflate on|off`, pinned to its core by the
 * orchestrator, it echoes every message, prints `ready <port>` once listening, answers the
 * stdin line `mem` with `mem <json>` (process memory after a full GC: --expose-gc, or Bun.gc),
 * and exits when stdin closes.
 */
import { createInterface } from "node:readline";
import { getHeapSpaceStatistics } from "node:v8";
import { flagValue } from "../../lib/args.js";

export interface ServerArgs {
  readonly port: number;
  readonly deflate: boolean;
}

export function serverArgs(argv: readonly string[] = process.argv.slice(2)): ServerArgs {
  const get = (name: string, fallback: string): string => flagValue(argv, name) ?? fallback;
  return { port: Number(get("port", "0")), deflate: get("deflate", "off") === "on" };
}

/** Announce readiness and serve the stdin control channel. */
export function serveControl(port: number, onExit: () => void): void {
  const bunGc = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc;
  const gc = (globalThis as { gc?: () => void }).gc ?? (bunGc === undefined ? undefined : () => bunGc(true));
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (line.trim() === "mem") {
      if (gc !== undefined) {
        gc();
        gc();
      }
      const m = process.memoryUsage();
      // e2e/idle-memory.ts --spaces: each V8 space's resident size too, to see where RSS went.
      const spaces = process.env.BENCH_V8_SPACES === "1" ? { spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size])) } : {};
      process.stdout.write(`mem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, ...spaces })}\n`);
    }
  });
  rl.on("close", () => {
    onExit();
    process.exit(0);
  });
  process.stdout.write(`ready ${port}\n`);
}
