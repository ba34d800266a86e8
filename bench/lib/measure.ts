/**
 * The sampling loop of the in-process suites: a warm-up, then `samples` timed windows, each a
 * whole number of passes over the same input; each window gives one throughput sample.
 */

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

/** The budget a worker runs with: `--quick`, and `--samples N` (run.ts runs rounds of 1 sample). */
export function budgetFrom(argv: readonly string[]): Budget {
  const base = argv.includes("--quick") ? QUICK : FULL;
  const i = argv.indexOf("--samples");
  return i === -1 ? base : { ...base, samples: Number(argv[i + 1]) };
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

async function loop(pass: Pass, ms: number): Promise<{ passes: number; ms: number }> {
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
  let impl = "core";
  let quick = false;
  let only: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--impl") impl = argv[++i]!;
    else if (a === "--quick") quick = true;
    else if (a === "--only") only = argv[++i]!;
  }
  return { impl, quick, only };
}

/** Emit one result line for the orchestrator (stdout, JSON). */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}
