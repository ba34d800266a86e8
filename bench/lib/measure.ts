/**
 * The sampling loop of the in-process suites: a warm-up, then `samples` timed windows, each a
 * whole number of passes over the same input; each window gives one throughput sample.
 */
import { createInterface } from "node:readline";
import { flagValue } from "./args.js";

export interface Budget {
  /** Warm-up time, ms. */
  readonly warmupMs: number;
  /** Length of one sample window, ms. */
  readonly sampleMs: number;
  /** Number of samples. */
  readonly samples: number;
}

export const FULL: Budget = { warmupMs: 150, sampleMs: 200, samples: 5 };
export const QUICK: Budget = { warmupMs: 20, sampleMs: 30, samples: 1 };

/**
 * Warm-up of a case with messages from 64 KiB up. The first 200 ms after a 150 ms warm-up ran
 * well below the ones after it, for core and ws alike, in the sequence of cases run.ts runs
 * (parse of 1 MiB masked text: 0.9-1.9 k msg/s, then 3.0-3.7 k; 64 KiB: 53-58 k, then 73-97 k),
 * and run.ts takes one sample per round.
 */
const LARGE_WARMUP_MS = 500;

/**
 * The budget a worker runs with: `--quick`, `--samples N` (run.ts runs rounds of 1 sample) and
 * `--warmup MS` (for every case; by default 150 ms, and LARGE_WARMUP_MS for `size` from 64 KiB).
 */
export function budgetFrom(argv: readonly string[], size = 0): Budget {
  const base = argv.includes("--quick") ? QUICK : FULL;
  const samples = flagValue(argv, "samples");
  const warmup = flagValue(argv, "warmup");
  const warmupMs = warmup !== undefined ? Number(warmup) : base === FULL && size >= 64 * 1024 ? LARGE_WARMUP_MS : base.warmupMs;
  return { ...base, warmupMs, ...(samples === undefined ? {} : { samples: Number(samples) }) };
}

/** One pass: synchronous, or a promise for implementations that finish asynchronously (ws's zlib). */
export type Pass = () => void | Promise<void>;

/** Passes per second for each sample. */
export async function sample(pass: Pass, budget: Budget): Promise<number[]> {
  await loop(pass, budget.warmupMs);
  const out: number[] = [];
  for (let i = 0; i < budget.samples; i++) {
    const { passes, ms } = await loop(pass, budget.sampleMs);
    out.push((passes * 1000) / ms);
  }
  return out;
}

/** Passes of `pass` for at least `ms` milliseconds: how many, and how long they took. */
export async function loop(pass: Pass, ms: number): Promise<{ passes: number; ms: number }> {
  const t0 = performance.now();
  let passes = 0;
  let now = t0;
  do {
    const r = pass();
    if (r !== undefined) await r;
    passes++;
    now = performance.now();
  } while (now - t0 < ms);
  return { passes, ms: now - t0 };
}

/** Parse the common CLI flags of a worker. */
export function workerArgs(argv: readonly string[]): { impl: string; quick: boolean; only: string | null } {
  return { impl: flagValue(argv, "impl") ?? "core", quick: argv.includes("--quick"), only: flagValue(argv, "only") ?? null };
}

/**
 * Lockstep mode (`--lockstep`, how run.ts runs its rounds): before each case the worker prints
 * `turn <case key>` and waits for a `go` line on stdin, and after its last case it prints
 * `turn -` and stays until stdin closes. run.ts keeps every implementation's process of a suite
 * alive and gives the turns so that each case is measured in all of them back to back, while the
 * others wait blocked on a read: a case's samples are seconds apart instead of minutes, so drifts
 * in the machine's speed hit them alike. Without the flag, `turn` and `end` return at once.
 */
export function turns(argv: readonly string[]): { turn(key: string): Promise<void>; end(): void } {
  if (!argv.includes("--lockstep")) return { turn: () => Promise.resolve(), end() {} };
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let closed = false;
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => {
    const w = waiting.shift();
    if (w === undefined) queued.push(line);
    else w(line);
  });
  input.on("close", () => {
    closed = true;
    for (const w of waiting.splice(0)) w("");
  });
  const next = (): Promise<string> => {
    const line = queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (closed) return Promise.resolve("");
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    async turn(key) {
      process.stdout.write(`turn ${key}\n`);
      const line = await next();
      // stdin closed: run.ts has given up on this worker.
      if (line !== "go") process.exit(line === "" ? 0 : 2);
    },
    end() {
      process.stdout.write("turn -\n");
    },
  };
}

/** Emit one result line for the orchestrator (stdout, JSON). */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}
