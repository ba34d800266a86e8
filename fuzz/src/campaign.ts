/**
 * One time-boxed campaign: fast-check with `numRuns: Number.MAX_SAFE_INTEGER` and
 * `interruptAfterTimeLimit` (undici's fuzzing setup). A failure is shrunk and written to the
 * corpus as JSON, which `test/corpus.test.ts` replays in the default test run.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { FuzzTarget } from "./targets/target.js";
import { toJson } from "./targets/target.js";

/** A corpus entry: a minimised failure (or a committed seed input) and how to replay it. */
export interface CorpusEntry {
  readonly target: string;
  /** "open": core still fails it (replayed as an expected failure); "fixed": it must pass. */
  readonly status: "open" | "fixed";
  readonly seed: number;
  readonly path: string;
  /** The input as JSON (bytes as {"$bytes": hex}), when the target's inputs are plain data. */
  readonly input?: unknown;
  readonly description: string;
  readonly error: string;
  readonly found: string;
}

export interface CampaignResult {
  readonly target: string;
  readonly seed: number;
  readonly runs: number;
  readonly ms: number;
  readonly failure: CorpusEntry | null;
  readonly corpusFile: string | null;
}

/** Run `target` for `ms` milliseconds from `seed`; on failure, write the minimised input to `corpusDir`. */
export function runCampaign(target: FuzzTarget<unknown>, seed: number, ms: number, corpusDir: string | null): CampaignResult {
  const started = Date.now();
  const property = fc.property(target.arbitrary, (input) => {
    target.check(input);
  });
  const details = fc.check(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: ms, markInterruptAsFailure: false });
  const elapsed = Date.now() - started;
  if (!details.failed || details.counterexample === null) return { target: target.name, seed, runs: details.numRuns, ms: elapsed, failure: null, corpusFile: null };
  const [input] = details.counterexample;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const entry: CorpusEntry = {
    target: target.name,
    status: "open",
    seed,
    path: details.counterexamplePath ?? "",
    ...(target.serializable ? { input: toJson(input) } : {}),
    description: fc.stringify(input).slice(0, 4000),
    error: error.slice(0, 4000),
    found: new Date().toISOString(),
  };
  let corpusFile: string | null = null;
  if (corpusDir !== null) {
    mkdirSync(corpusDir, { recursive: true });
    const hash = createHash("sha1").update(entry.description).digest("hex").slice(0, 10);
    corpusFile = join(corpusDir, `${target.name}-${hash}.json`);
    writeFileSync(corpusFile, JSON.stringify(entry, null, 2) + "\n");
  }
  return { target: target.name, seed, runs: details.numRuns, ms: elapsed, failure: entry, corpusFile };
}
