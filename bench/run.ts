/**
 * The whole benchmark suite in one command:
 *
 *   pnpm --filter @wsengine/bench bench            (or `npm run bench` at the root)
 *   pnpm --filter @wsengine/bench bench -- --quick (a smoke run of seconds per part)
 *
 * Flags: --quick, --only inproc|e2e, --runs N (rounds of every measurement, default 5),
 * --duration MS (per e2e measurement, default 5000), --report FILE (re-render the reports
 * from a results JSON without measuring).
 *
 * In-process suites run one implementation per process (so no JIT site is shared), pinned to
 * core 0, in rounds that rotate the order of the implementations; end-to-end servers run pinned
 * to core 0 and the load generator to core 1, and each run measures every server of a scenario
 * back to back, the order rotating from run to run. Writes bench/results/<timestamp>.json,
 * results/latest.json, results/latest.md and results/ratios.svg.
 */
import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SERVERS } from "./e2e/servers.js";
import type { ServerUnderTest } from "./e2e/servers.js";
import { benchDir, coreSpeed, hasTaskset, spawnPinned, treeCpuSeconds } from "./lib/processes.js";
import { stagedScript } from "./lib/node-build.js";
import type { StagedFile } from "./lib/node-build.js";
import { renderMarkdown, renderSvg } from "./lib/report.js";
import type { E2eRecord, MemoryRecord, Results, WorkerRecord } from "./lib/report.js";
import { flagValue } from "./lib/args.js";
import { allCases, caseKey, SIZES } from "./lib/fixtures.js";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => flagValue(argv, name);
const quick = argv.includes("--quick");
const only = flag("only");
const runs = Number(flag("runs") ?? (quick ? 1 : 5));
const duration = Number(flag("duration") ?? (quick ? 1000 : 5000));
const warmup = quick ? 300 : 1000;

// --- progress ------------------------------------------------------------------------------------

const started = Date.now();
let step = 0;
let totalSteps = 0;
const tty = process.stderr.isTTY === true;
function progress(what: string): void {
  step++;
  const s = Math.round((Date.now() - started) / 1000);
  const elapsed = `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const width = 24;
  const done = Math.min(width, Math.round((step / Math.max(1, totalSteps)) * width));
  const line = `[${"#".repeat(done)}${".".repeat(width - done)}] ${step}/${totalSteps} ${elapsed}  ${what}`;
  if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  else process.stderr.write(`${line}\n`);
}
function note(text: string): void {
  process.stderr.write(`${tty ? "\r\x1b[K" : ""}${text}\n`);
}

// --- processes -----------------------------------------------------------------------------------


/** Lines of a child's stdout, with a way to wait for the first matching one. */
function lines(child: ChildProcess): { next(prefix: string, timeoutMs: number): Promise<string>; all: string[]; stderr: string[] } {
  const all: string[] = [];
  const stderr: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    all.push(l);
    const i = waiters.findIndex((w) => l.startsWith(w.prefix));
    if (i !== -1) waiters.splice(i, 1)[0]!.resolve(l);
  });
  createInterface({ input: child.stderr! }).on("line", (l) => {
    if (!l.startsWith("npm warn")) stderr.push(l);
  });
  return {
    all,
    stderr,
    next(prefix, timeoutMs) {
      const seen = all.find((l) => l.startsWith(prefix));
      if (seen !== undefined) {
        all.splice(all.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for "${prefix}" (stderr: ${stderr.slice(-5).join(" | ")})`)), timeoutMs);
        const onExit = (code: number | null): void => {
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before "${prefix}" (stderr: ${stderr.slice(-5).join(" | ")})`));
        };
        child.once("exit", onExit);
        waiters.push({
          prefix,
          resolve: (l) => {
            clearTimeout(timer);
            child.off("exit", onExit);
            all.splice(all.indexOf(l), 1);
            resolve(l);
          },
        });
      });
    },
  };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * glibc hands freed blocks of 128 KiB and more (and free space past 128 KiB at the heap's top)
 * back to the kernel, and the next large message then faults fresh pages in, one per 4 KiB.
 * Whether a process falls into that cycle depends on its heap's history: the same 1 MiB case ran
 * 10× faster or slower from one process to the next, for ws and core alike, and the 1 MiB echo
 * stream 0.2-1.1 GB/s for either server where both ran 2.1-2.5 GB/s with the thresholds raised.
 * In-process workers, and the servers and load generator of the end-to-end throughput scenarios,
 * run with both thresholds raised (a user's GLIBC_TUNABLES wins); the memory scenarios keep glibc's
 * defaults, since what a process hands back to the kernel is part of what they measure.
 */
const glibcTunables = process.env.GLIBC_TUNABLES ?? "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432";
const tunedMalloc: Readonly<Record<string, string>> = { GLIBC_TUNABLES: glibcTunables };

/**
 * An in-process job's worker, pinned to core 0, with its Node flags, the tuned malloc and `extra`
 * arguments; as plain JavaScript with no loader, like the Node servers (lib/node-build.ts).
 */
function spawnWorker(job: InprocJob, extra: readonly string[] = []): ChildProcess {
  return spawnPinned(0, process.execPath, [...job.nodeFlags, stagedScript(job.script), ...job.args, ...extra, ...(quick ? ["--quick"] : [])], { ...tunedMalloc, ...job.env });
}

/** Run a worker to completion; returns its JSON lines. */
async function runWorker(job: InprocJob): Promise<WorkerRecord[]> {
  const child = spawnWorker(job);
  child.stdin!.end();
  const out = lines(child);
  const code = await exited(child, 30 * 60_000);
  if (code !== 0) throw new Error(`${job.script} ${job.args.join(" ")} failed (${code}): ${out.stderr.slice(-10).join("\n")}`);
  return out.all.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as WorkerRecord);
}

const jobLabel = (job: InprocJob): string => `${job.impl}${job.env.WS_NO_BUFFER_UTIL === undefined && !job.impl.startsWith("core") ? "+bufferutil" : ""}`;

/**
 * One round of a suite in lockstep (see `turns` in lib/measure.ts): every implementation's worker
 * runs in a process of its own, all alive at once, and each case is measured in all of them back
 * to back, in an order that rotates with the round and the case, while the others wait blocked on
 * a read. Records get the round, so that report.ts can pair them, and go to `records` as they
 * come: a worker that fails loses the round's later cases, not the ones already measured.
 */
async function runLockstep(jobs: readonly InprocJob[], round: number, records: WorkerRecord[]): Promise<void> {
  const workers = jobs.map((job) => {
    const child = spawnWorker(job, ["--lockstep"]);
    return { job, child, io: lines(child), turn: "" };
  });
  const failed = (w: (typeof workers)[number], e: unknown): Error => new Error(`${jobLabel(w.job)}: ${(e as Error).message}`);
  const announce = async (w: (typeof workers)[number]): Promise<void> => {
    try {
      w.turn = (await w.io.next("turn ", 10 * 60_000)).slice(5);
    } catch (e) {
      throw failed(w, e);
    }
  };
  const order = allCases(SIZES).map(caseKey);
  let finished = false;
  try {
    await Promise.all(workers.map(announce));
    for (;;) {
      const live = workers.filter((w) => w.turn !== "-");
      if (live.length === 0) break;
      // Workers run the cases in the same order (some skip a few): the earliest one pending is next.
      const at = Math.min(...live.map((w) => order.indexOf(w.turn)));
      const key = order[at] ?? live[0]!.turn;
      for (const w of rotate(live.filter((x) => x.turn === key), round + Math.max(0, at))) {
        w.child.stdin!.write("go\n");
        try {
          records.push({ ...(JSON.parse(await w.io.next("{", 30 * 60_000)) as WorkerRecord), round });
        } catch (e) {
          throw failed(w, e);
        }
        // Its next turn (or its end) is announced before the next worker starts: it is idle.
        await announce(w);
      }
    }
    finished = true;
  } finally {
    // Workers still waiting for a turn (after an error) read the end of stdin and exit.
    for (const w of workers) w.child.stdin!.end();
    const codes = await Promise.all(workers.map((w) => exited(w.child, 10_000)));
    const bad = codes.findIndex((c) => c !== 0);
    if (finished && bad !== -1) throw new Error(`${jobLabel(workers[bad]!.job)} exited with ${codes[bad]}: ${workers[bad]!.io.stderr.slice(-10).join("\n")}`);
  }
}

interface RunningServer {
  readonly server: ServerUnderTest;
  readonly child: ChildProcess;
  readonly port: number;
  readonly io: ReturnType<typeof lines>;
}

async function startServer(server: ServerUnderTest, deflate: boolean, env: Readonly<Record<string, string>> = {}): Promise<RunningServer> {
  const c = server.command({ port: 0, deflate });
  const child = spawnPinned(0, c.command, c.args, { ...env, ...c.env });
  const io = lines(child);
  const ready = await io.next("ready ", 30_000);
  return { server, child, port: Number(ready.split(" ")[1]), io };
}

async function stopServer(s: RunningServer): Promise<void> {
  s.child.stdin!.end();
  await exited(s.child, 5000);
}

async function serverMemory(s: RunningServer): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }> {
  s.child.stdin!.write("mem\n");
  const line = await s.io.next("mem ", 30_000);
  return JSON.parse(line.slice(4)) as { rss: number; heapUsed: number; external: number; arrayBuffers: number };
}

/**
 * One load generator run against `server`; its result, plus `serverCpu`: the server's CPU time over
 * the generator's timed window as a share of one core (near 1: the server set the pace).
 */
async function loadgen(server: RunningServer, args: readonly string[], timeoutMs: number): Promise<Record<string, number | string>> {
  const child = spawnPinned(1, process.execPath, ["--import", "tsx", join(benchDir, "e2e/loadgen.ts"), "--port", String(server.port), ...args], tunedMalloc);
  child.stdin!.end();
  const io = lines(child);
  const pid = server.child.pid;
  const cpuAt = async (line: string): Promise<readonly [cpu: number | null, ms: number]> => {
    await io.next(line, timeoutMs);
    return [pid === undefined ? null : treeCpuSeconds(pid), performance.now()];
  };
  const [cpu0, t0] = await cpuAt("window open");
  const [cpu1, t1] = await cpuAt("window close");
  const line = await io.next("result ", timeoutMs);
  await exited(child, 5000);
  const result = JSON.parse(line.slice(7)) as Record<string, number | string>;
  return cpu0 === null || cpu1 === null ? result : { ...result, serverCpu: ((cpu1 - cpu0) * 1000) / (t1 - t0) };
}

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- plan ----------------------------------------------------------------------------------------

interface InprocJob {
  readonly suite: string;
  /** The worker; it runs staged, as plain JavaScript (lib/node-build.ts). */
  readonly script: Extract<StagedFile, `inproc/${string}`>;
  readonly impl: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
}

const NO_BU = { WS_NO_BUFFER_UTIL: "1" };
/**
 * V8 frees dead ArrayBuffers' memory on a background thread after each scavenge. A worker
 * pinned to one core leaves that thread waiting for the core, so the dead message buffers still
 * count as external memory when the next scavenge asks whether to start marking; with large
 * messages it does every time, and the process settles into a mark-compact every 10-20 ms.
 * Which process falls into that loop is a scheduling race; sweeping on the main thread, right
 * after the collection, takes it away for every implementation alike (measurements: bench/README.md,
 * Method, "V8's array-buffer sweeping").
 */
const THROUGHPUT_FLAGS: readonly string[] = ["--no-concurrent-array-buffer-sweeping"];
const roundJobs: InprocJob[] = [
  ...[
    ["core", {}],
    ["core+bufferutil", {}],
    ["ws", NO_BU],
    ["ws", {}],
    ["ws-string", NO_BU],
    ["core-string", {}],
  ].map(([impl, env]): InprocJob => ({ suite: "parse", script: "inproc/parse.ts", impl: impl as string, args: ["--impl", impl as string, "--samples", "1"], env: env as Record<string, string>, nodeFlags: THROUGHPUT_FLAGS })),
  ...[
    ["core", {}],
    ["core+bufferutil", {}],
    ["ws", NO_BU],
    ["ws", {}],
  ].map(([impl, env]): InprocJob => ({ suite: "encode", script: "inproc/encode.ts", impl: impl as string, args: ["--impl", impl as string, "--samples", "1"], env: env as Record<string, string>, nodeFlags: THROUGHPUT_FLAGS })),
];
const ROUND_SUITES = [...new Set(roundJobs.map((j) => j.suite))];
const onceJobs: InprocJob[] = [
  { suite: "ceiling", script: "inproc/ceiling.ts", impl: "all", args: ["--samples", String(quick ? 1 : 5)], env: {}, nodeFlags: THROUGHPUT_FLAGS },
  ...(["core", "ws"] as const).flatMap((impl): InprocJob[] => [
    { suite: "alloc", script: "inproc/alloc.ts", impl, args: ["--impl", impl, "--mode", "bytes"], env: NO_BU, nodeFlags: ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"] },
    { suite: "alloc", script: "inproc/alloc.ts", impl, args: ["--impl", impl, "--mode", "gc"], env: NO_BU, nodeFlags: ["--expose-gc"] },
  ]),
];

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly deflate: boolean;
  readonly args: readonly string[];
  readonly metric: "msgsPerSec" | "mbPerSec" | "perSec";
  readonly unit: string;
}
const conns = quick ? 20 : 100;
const depth = quick ? 8 : 16;
const SCENARIOS: Scenario[] = [
  { id: "echo-64-text", title: `Echo 64 B text, ${conns} connections × ${depth} pipelined`, deflate: false, args: ["--mode", "echo", "--conns", `${conns}`, "--depth", `${depth}`, "--size", "64", "--kind", "text"], metric: "msgsPerSec", unit: "msg/s" },
  { id: "echo-64-binary", title: `Echo 64 B binary, ${conns} connections × ${depth} pipelined`, deflate: false, args: ["--mode", "echo", "--conns", `${conns}`, "--depth", `${depth}`, "--size", "64", "--kind", "binary"], metric: "msgsPerSec", unit: "msg/s" },
  { id: "echo-1k-text", title: `Echo 1 KiB text, ${conns} connections × ${depth} pipelined, compression off`, deflate: false, args: ["--mode", "echo", "--conns", `${conns}`, "--depth", `${depth}`, "--size", "1024", "--kind", "text"], metric: "msgsPerSec", unit: "msg/s" },
  { id: "echo-1k-text-deflate", title: `Echo 1 KiB text, ${conns} connections × ${depth} pipelined, permessage-deflate on`, deflate: true, args: ["--mode", "echo", "--conns", `${conns}`, "--depth", `${depth}`, "--size", "1024", "--kind", "text", "--deflate", "takeover"], metric: "msgsPerSec", unit: "msg/s" },
  { id: "stream-1m", title: "One connection streaming 1 MiB binary messages (4 in flight)", deflate: false, args: ["--mode", "stream", "--size", `${1024 * 1024}`, "--depth", "4"], metric: "mbPerSec", unit: "MB/s" },
  { id: "handshake", title: `Handshakes (connect, upgrade, close), ${quick ? 8 : 32} concurrent clients`, deflate: false, args: ["--mode", "handshake", "--conns", quick ? "8" : "32"], metric: "perSec", unit: "handshakes/s" },
];

interface MemoryScenario {
  readonly id: string;
  readonly title: string;
  readonly conns: number;
  readonly deflate: "off" | "takeover" | "server-no" | "client-no" | "both-no";
  readonly runs: number;
}
const memConns = quick ? 200 : 1000;
const MEMORY: MemoryScenario[] = [
  // Seven runs, not three: 1,000 connections grow a ~80 MiB server by only 5-10 MiB, and in
  // single runs the young generation's touched pages (+3.3-4.3 MiB) and malloc's share (-0.8 to
  // +3.5 MiB) move that by up to ±2 KiB per connection on either server (bench/README, Method).
  { id: `idle-${memConns}`, title: `${memConns} idle connections`, conns: memConns, deflate: "off", runs: quick ? 1 : 7 },
  ...(quick ? [] : [{ id: "idle-10000", title: "10,000 idle connections", conns: 10_000, deflate: "off" as const, runs: 2 }]),
  ...(["takeover", "server-no", "client-no", "both-no"] as const).map((mode) => ({
    id: `idle-${memConns}-deflate-${mode}`,
    title: `${memConns} idle connections, permessage-deflate ${mode === "takeover" ? "with context takeover" : mode === "server-no" ? "server_no_context_takeover" : mode === "client-no" ? "client_no_context_takeover" : "no context takeover either way"}, one 1 KiB message exchanged`,
    conns: memConns,
    deflate: mode,
    runs: quick ? 1 : 2,
  })),
];

// --- run -----------------------------------------------------------------------------------------

function machine(): Results["meta"]["machine"] {
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, "utf8") : "");
  const model = /model name\s*:\s*(.*)/.exec(read("/proc/cpuinfo"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync("nproc").toString().trim());
  } catch {}
  let kernel = "";
  try {
    kernel = execFileSync("uname", ["-sr"]).toString().trim();
  } catch {}
  return { cpu: model, nproc, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel, taskset: hasTaskset };
}

function version(pkg: string): string {
  try {
    const path = join(benchDir, "node_modules", pkg, "package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const outDir = join(benchDir, "results");

/**
 * Write the Markdown table and the chart; a full run also becomes latest.json and replaces the
 * results section of bench/README.md (between its `results:start`/`results:end` markers).
 */
function writeReports(results: Results): void {
  mkdirSync(outDir, { recursive: true });
  if (results.meta.quick) {
    writeFileSync(join(outDir, "quick.md"), renderMarkdown(results));
    writeFileSync(join(outDir, "quick.svg"), renderSvg(results));
    return;
  }
  const md = renderMarkdown(results);
  writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(outDir, "latest.md"), md);
  writeFileSync(join(outDir, "ratios.svg"), renderSvg(results));
  const readme = join(benchDir, "README.md");
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, "utf8");
  const start = "<!-- results:start (written by run.ts) -->";
  const end = "<!-- results:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b < a) return;
  // The tables, one heading level down, after the chart.
  const body = md.replace(/^# .*\n/, "").replace(/^## /gm, "### ");
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n\n![Ratios to the peers](results/ratios.svg)\n${body}\n${text.slice(b)}`);
}

async function main(): Promise<void> {
  const reportFrom = flag("report");
  if (reportFrom !== undefined) {
    // Re-render the reports from a results file without measuring anything.
    writeReports(JSON.parse(readFileSync(reportFrom, "utf8")) as Results);
    note(`re-rendered the reports from ${reportFrom}`);
    return;
  }
  const doInproc = only === undefined || only === "inproc";
  const doE2e = only === undefined || only === "e2e";
  const available = SERVERS.filter((s) => s.unavailable() === null);
  // Each runtime's servers are measured together (same scenario, same runs, rotating order).
  const groups = (["node", "bun", "deno"] as const).map((rt) => available.filter((s) => s.runtime === rt)).filter((g) => g.length > 0);
  // bufferutil changes nothing in how much memory a connection holds.
  const memServers = available.filter((s) => s.id !== "ws+bufferutil" && s.id !== "wsengine-node-js");
  const memServersFor = (m: MemoryScenario): ServerUnderTest[] => memServers.filter((s) => m.deflate === "off" || s.deflate !== false);
  totalSteps =
    (doInproc ? ROUND_SUITES.length * runs + onceJobs.length : 0) +
    (doE2e ? SCENARIOS.reduce((n, sc) => n + runs * available.filter((s) => !sc.deflate || s.deflate !== false).length, 0) + MEMORY.reduce((n, m) => n + m.runs * memServersFor(m).length, 0) : 0);

  // Core speed next to what was measured: at the start, before each in-process round or job, at the end.
  const coreProbes: NonNullable<Results["meta"]["coreSpeed"]> = [{ at: "start", ms: await coreSpeed() }];
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      quick,
      runs,
      durationMs: duration,
      warmupMs: warmup,
      machine: machine(),
      inprocMalloc: glibcTunables,
      inprocNodeFlags: [...THROUGHPUT_FLAGS],
      inprocStaged: true,
      e2eMalloc: glibcTunables,
      versions: { ws: version("ws"), bufferutil: version("bufferutil") },
      load: { start: loadavg(), end: [] },
      coreSpeed: coreProbes,
      seconds: 0,
    },
    inproc: [],
    e2e: [],
    memory: [],
    pending: SERVERS.filter((s) => s.unavailable() !== null).map((s) => ({ id: s.id, label: s.label, reason: s.unavailable()! })),
    errors: [],
  };
  note(`wsengine bench${quick ? " (quick)" : ""}: ${results.meta.machine.cpu}, ${results.meta.machine.nproc} cores, node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  if (!hasTaskset) note("taskset not found: processes are not pinned to cores");

  if (doInproc) {
    for (let round = 0; round < runs; round++) {
      for (const suite of ROUND_SUITES) {
        progress(`in-process ${suite}, round ${round + 1}/${runs}`);
        coreProbes.push({ at: `${suite} round ${round + 1}`, ms: await coreSpeed() });
        try {
          await runLockstep(roundJobs.filter((j) => j.suite === suite), round, results.inproc);
        } catch (e) {
          results.errors.push(`${suite} round ${round + 1}: ${(e as Error).message}`);
          note(`error: ${suite} round ${round + 1}: ${(e as Error).message}`);
        }
      }
    }
    for (const job of onceJobs) {
      progress(`in-process ${job.suite} ${job.impl} ${job.args.join(" ")}`);
      coreProbes.push({ at: `${job.suite} ${job.impl}`, ms: await coreSpeed() });
      try {
        results.inproc.push(...(await runWorker(job)));
      } catch (e) {
        results.errors.push(`${job.suite} ${job.impl}: ${(e as Error).message}`);
        note(`error: ${job.suite}: ${(e as Error).message}`);
      }
    }
  }

  if (doE2e) {
    for (const s of results.pending) note(`skipped ${s.label}: ${s.reason}`);
    for (const scenario of SCENARIOS) for (const group of groups) {
      let running: RunningServer[] = [];
      try {
        running = await Promise.all(group.filter((s) => !scenario.deflate || s.deflate !== false).map((s) => startServer(s, scenario.deflate, tunedMalloc)));
        for (let run = 0; run < runs; run++) {
          for (const s of rotate(running, run)) {
            progress(`e2e ${scenario.id} ${s.server.id}, run ${run + 1}/${runs}`);
            try {
              const coreMs = await coreSpeed();
              const r = await loadgen(s, [...scenario.args, "--duration", `${duration}`, "--warmup", `${warmup}`], duration + warmup + 60_000);
              results.e2e.push({ scenario: scenario.id, title: scenario.title, unit: scenario.unit, server: s.server.id, run, value: Number(r[scenario.metric]), raw: r, coreMs } satisfies E2eRecord);
            } catch (e) {
              results.errors.push(`${scenario.id} ${s.server.id}: ${(e as Error).message}`);
              note(`error: ${scenario.id} ${s.server.id}: ${(e as Error).message}`);
            }
            await sleep(300);
          }
        }
      } catch (e) {
        results.errors.push(`${scenario.id}: ${(e as Error).message}`);
        note(`error: ${scenario.id}: ${(e as Error).message}`);
      } finally {
        await Promise.all(running.map(stopServer));
      }
    }
    for (const m of MEMORY) {
      for (let run = 0; run < m.runs; run++) {
        for (const server of rotate(memServersFor(m), run)) {
          progress(`e2e memory ${m.id} ${server.id}, run ${run + 1}/${m.runs}`);
          let s: RunningServer | null = null;
          let gen: ChildProcess | null = null;
          try {
            s = await startServer(server, m.deflate !== "off");
            await sleep(500);
            const before = await serverMemory(s);
            const args = ["--mode", "idle", "--conns", String(m.conns), "--deflate", m.deflate, ...(m.deflate === "off" ? [] : ["--message"])];
            gen = spawnPinned(1, process.execPath, ["--import", "tsx", join(benchDir, "e2e/loadgen.ts"), "--port", String(s.port), ...args]);
            const gio = lines(gen);
            await gio.next("connected ", 180_000);
            await sleep(1000);
            const after = await serverMemory(s);
            results.memory.push({
              scenario: m.id,
              title: m.title,
              server: server.id,
              run,
              conns: m.conns,
              deflate: m.deflate,
              rssPerConn: (after.rss - before.rss) / m.conns,
              heapPerConn: (after.heapUsed + after.external - before.heapUsed - before.external) / m.conns,
              before,
              after,
            } satisfies MemoryRecord);
          } catch (e) {
            results.errors.push(`${m.id} ${server.id}: ${(e as Error).message}`);
            note(`error: ${m.id} ${server.id}: ${(e as Error).message}`);
          } finally {
            if (gen !== null) {
              gen.stdin!.end();
              await exited(gen, 10_000);
            }
            if (s !== null) await stopServer(s);
          }
        }
      }
    }
  }

  results.meta.load.end = loadavg();
  coreProbes.push({ at: "end", ms: await coreSpeed() });
  results.meta.seconds = Math.round((Date.now() - started) / 1000);
  const stamp = results.meta.date.replace(/[:.]/g, "-");
  const name = quick ? "quick" : stamp;
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(results, null, 1)}\n`);
  writeReports(results);
  note(`done in ${results.meta.seconds} s; load ${results.meta.load.end.map((x) => x.toFixed(2)).join(" ")}; wrote bench/results/${name}.json${quick ? ", quick.md, quick.svg" : ", latest.json, latest.md, ratios.svg"}${results.errors.length > 0 ? `; ${results.errors.length} errors` : ""}`);
  if (results.errors.length > 0) process.exitCode = 1;
}

await main();
