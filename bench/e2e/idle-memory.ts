/**
 * The e2e "idle" memory scenario of run.ts on its own, for working on memory per connection:
 * the same server commands, the same load generator (`--mode idle`), the same readings (`mem`
 * after a full GC, 500 ms after start and 1 s after the last connection opened), each server
 * pinned to core 0 and the generator to core 1, repeated with the server order rotating.
 *
 *   npx tsx bench/e2e/idle-memory.ts [--servers wsengine-node-js,ws] [--conns 1000,10000] [--runs 3]
 *                                    [--snapshot DIR] [--spaces]
 *
 * Prints per connection: RSS growth, heapUsed growth, and heapUsed + external (run.ts's
 * `heapPerConn`). With `--spaces` (V8 servers) also how much of the RSS growth each V8 space's
 * resident pages took, and the rest (malloc and everything else outside V8's heap). With
 * `--snapshot DIR` a Node server also writes a V8 heap snapshot into DIR before and after the
 * connections open (`--heapsnapshot-signal`), to see what each connection retains and who holds
 * it (diff the two in Chrome DevTools' Comparison view).
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { benchDir, spawnPinned } from "../lib/processes.js";
import { SERVERS } from "./servers.js";
import { flagValue } from "../lib/args.js";

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => flagValue(argv, name) ?? fallback;
const serverIds = arg("servers", "wsengine-node-js,ws").split(",");
const connCounts = arg("conns", "1000,10000").split(",").map(Number);
const runs = Number(arg("runs", "3"));
const snapshotDir = argv.includes("--snapshot") ? resolve(arg("snapshot", "snapshots")) : null;
const spaces = argv.includes("--spaces");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  /** Resident bytes of each V8 space, with --spaces. */
  readonly spaces?: Readonly<Record<string, number>>;
}

/** Resolves with the first stdout line starting with `prefix` that was not taken yet. */
function lineReader(child: ChildProcess): (prefix: string) => Promise<string> {
  const seen: string[] = [];
  const waiting: { prefix: string; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const i = waiting.findIndex((w) => line.startsWith(w.prefix));
    if (i === -1) seen.push(line);
    else waiting.splice(i, 1)[0]!.resolve(line);
  });
  return (prefix) => {
    const i = seen.findIndex((line) => line.startsWith(prefix));
    if (i !== -1) return Promise.resolve(seen.splice(i, 1)[0]!);
    return new Promise((resolve) => waiting.push({ prefix, resolve }));
  };
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));

async function measure(id: string, conns: number): Promise<{ rss: number; heap: number; heapExternal: number }> {
  const server = SERVERS.find((s) => s.id === id);
  if (server === undefined) throw new Error(`unknown server ${id}; known: ${SERVERS.map((s) => s.id).join(", ")}`);
  const c = server.command({ port: 0, deflate: false });
  const dir = snapshotDir === null ? null : join(snapshotDir, `${id}-${conns}`);
  if (dir !== null) mkdirSync(dir, { recursive: true });
  // Node servers start with --expose-gc; the snapshot flags go right after it.
  const args = dir === null || c.args[0] !== "--expose-gc" ? [...c.args] : ["--expose-gc", "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dir}`, ...c.args.slice(1)];
  const child = spawnPinned(0, c.command, args, { ...c.env, ...(spaces ? { BENCH_V8_SPACES: "1" } : {}) }, "inherit");
  const next = lineReader(child);
  const port = Number((await next("ready ")).split(" ")[1]);
  const memory = async (): Promise<Memory> => {
    child.stdin!.write("mem\n");
    return JSON.parse((await next("mem ")).slice(4)) as Memory;
  };
  const snapshot = async (): Promise<void> => {
    if (dir === null) return;
    child.kill("SIGUSR2");
    await sleep(3000 + conns);
  };
  await sleep(500);
  const before = await memory();
  await snapshot();
  const loadgen = spawnPinned(1, process.execPath, ["--import", "tsx", join(benchDir, "e2e/loadgen.ts"), "--port", String(port), "--mode", "idle", "--conns", String(conns), "--deflate", "off"], {}, "inherit");
  await lineReader(loadgen)("connected ");
  await sleep(1000);
  const after = await memory();
  await snapshot();
  loadgen.stdin!.end();
  await exited(loadgen);
  child.stdin!.end();
  await exited(child);
  if (after.spaces !== undefined && before.spaces !== undefined) {
    const grew = Object.keys(after.spaces).map((name) => [name, after.spaces![name]! - (before.spaces![name] ?? 0)] as const).filter(([, d]) => d !== 0);
    const rest = after.rss - before.rss - grew.reduce((sum, [, d]) => sum + d, 0);
    console.log(`${id.padEnd(18)} RSS growth by place: ${[...grew, ["rest", rest] as const].map(([name, d]) => `${name} ${(d / 1048576).toFixed(2)} MiB`).join(", ")}`);
  }
  return {
    rss: (after.rss - before.rss) / conns,
    heap: (after.heapUsed - before.heapUsed) / conns,
    heapExternal: (after.heapUsed + after.external - before.heapUsed - before.external) / conns,
  };
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;
for (const conns of connCounts) {
  for (let run = 0; run < runs; run++) {
    for (const id of serverIds.map((_, i) => serverIds[(i + run) % serverIds.length]!)) {
      const m = await measure(id, conns);
      console.log(`${id.padEnd(18)} ${String(conns).padStart(6)} conns, run ${run + 1}: RSS ${kib(m.rss)}, heapUsed ${kib(m.heap)}, heap+external ${kib(m.heapExternal)} per connection`);
      await sleep(300);
    }
  }
}
