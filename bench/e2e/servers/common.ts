/**
 * The server-under-test protocol, shared by every server the e2e suite runs (and easy to follow
 * in Bun or Deno): started as `<command> --port 0 --deflate on|off`, pinned to its core by the
 * orchestrator, it echoes every message, prints `ready <port>` once listening, answers the
 * stdin line `mem` with `mem <json>` (process memory after a full GC: --expose-gc, or Bun.gc),
 * and exits when stdin closes. With `--app-heap <MiB>` it first builds and keeps that much JS
 * heap, standing in for the application around the WebSocket server (see holdApplicationHeap).
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
  holdApplicationHeap(Number(get("app-heap", "0")));
  return { port: Number(get("port", "0")), deflate: get("deflate", "off") === "on" };
}

/** What holdApplicationHeap built; kept for the life of the process. */
const applicationHeap: object[] = [];

/**
 * Builds `mib` MiB of live JS objects (small linked records, as an application's caches and
 * state are) and keeps them. A bare echo server's heap is 5-8 MiB, and V8 11.3 (Node 20) starts
 * no incremental marking from its allocation limits while the old generation is under 8 MiB
 * (IncrementalMarking::IsBelowActivationThresholds). Above that, streaming large messages makes
 * a mark-compact follow almost every scavenge in a heap of 8-12 MiB: the scavenges come every
 * 32 MB of new ArrayBuffers, and the limit check counts those not yet swept. Which side of 8 MiB
 * each bare server sat on, not its WebSocket code, decided the 1 MiB streaming pair (bench/README,
 * "Large-message echo"); every server gets the same application heap so that neither does.
 */
function holdApplicationHeap(mib: number): void {
  if (!(mib > 0)) return;
  const target = process.memoryUsage().heapUsed + mib * 1024 * 1024;
  let previous: object | null = null;
  for (let i = 0; process.memoryUsage().heapUsed < target; i++) {
    const batch: object[] = [];
    for (let j = 0; j < 4096; j++) {
      previous = { id: i * 4096 + j, key: `record-${i}-${j}`, tags: [i, j], previous };
      batch.push(previous);
    }
    applicationHeap.push(batch);
  }
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
