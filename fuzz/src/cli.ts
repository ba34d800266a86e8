/**
 * Fuzz campaigns on core.
 *
 *   pnpm --filter @wsengine/fuzz fuzz -- --seconds 60 --seed 123 --target all
 *   pnpm --filter @wsengine/fuzz fuzz:ci          (a few seconds per target, a fixed and a random seed)
 *
 * `--seconds` is the budget for all selected targets together, split evenly. Seeds are printed,
 * so any run can be repeated. A failure is shrunk, written to fuzz/corpus/, and the exit status
 * is 1.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runCampaign } from "./campaign.js";
import { TARGETS } from "./targets/index.js";

const CI_SECONDS_PER_TARGET = 1.5;
const CI_FIXED_SEED = 20_261_122;

const USAGE = `usage: fuzz [--seconds N] [--seed N] [--target all|NAME,...] [--no-corpus] [--list] [--ci]
  --seconds N   budget for all selected targets together, split evenly (default 60)
  --seed N      seed of the run (default: random; printed either way)
  --target      targets to run (default all; --list names them)
  --no-corpus   do not write shrunk failures to fuzz/corpus/
  --ci          ${CI_SECONDS_PER_TARGET} s per target with seed ${CI_FIXED_SEED}, then as long with --seed or a random one`;

/** A wrong command line gets the usage and exit status 2, not a stack trace. */
function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      seconds: { type: "string" },
      seed: { type: "string" },
      target: { type: "string" },
      ci: { type: "boolean" },
      "no-corpus": { type: "boolean" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (e) {
  usageError((e as Error).message);
}
const { values } = parsed;
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}
if (values.seconds !== undefined && !(Number(values.seconds) > 0 && Number.isFinite(Number(values.seconds)))) usageError(`--seconds must be a positive number, got "${values.seconds}"`);
if (values.seed !== undefined && !(/^\d+$/.test(values.seed) && Number.isSafeInteger(Number(values.seed)))) usageError(`--seed must be a non-negative integer, got "${values.seed}"`);

if (values.list === true) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(10)} ${t.description}`);
  process.exit(0);
}

const names = values.target === undefined || values.target === "all" ? TARGETS.map((t) => t.name) : values.target.split(",").map((s) => s.trim());
const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length > 0) {
  console.error(`unknown target(s) ${unknown.join(", ")}; known: ${TARGETS.map((t) => t.name).join(", ")}`);
  process.exit(2);
}
const targets = TARGETS.filter((t) => names.includes(t.name));
const corpusDir = values["no-corpus"] === true ? null : fileURLToPath(new URL("../corpus/", import.meta.url));
const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);

const plan: Array<{ seed: number; ms: number }> = values.ci === true
  ? [
      { seed: CI_FIXED_SEED, ms: CI_SECONDS_PER_TARGET * 1000 },
      { seed: values.seed === undefined ? randomSeed() : Number(values.seed), ms: CI_SECONDS_PER_TARGET * 1000 },
    ]
  : [{ seed: values.seed === undefined ? randomSeed() : Number(values.seed), ms: (Number(values.seconds ?? 60) * 1000) / targets.length }];

let failed = 0;
for (const { seed, ms } of plan) {
  console.log(`== seed ${seed}, ${(ms / 1000).toFixed(1)} s per target`);
  for (const target of targets) {
    const result = runCampaign(target as never, seed, ms, corpusDir);
    if (result.failure === null) {
      console.log(`${target.name.padEnd(10)} ok      ${String(result.runs).padStart(7)} runs in ${(result.ms / 1000).toFixed(1)} s (seed ${seed})`);
    } else {
      failed++;
      console.log(`${target.name.padEnd(10)} FAILED after ${result.runs} runs (seed ${seed}, path ${result.failure.path})`);
      console.log(`  ${result.failure.error.split("\n")[0]}`);
      console.log(`  input: ${result.failure.description.slice(0, 500)}`);
      if (result.corpusFile !== null) console.log(`  written to ${result.corpusFile}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
