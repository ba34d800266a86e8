/**
 * The command line: `wsengine-conformance --server ws://127.0.0.1:8080/` or
 * `wsengine-conformance --client "node my-client.js"`. Exit status 1 when a scenario fails, 2 for
 * a usage error or an endpoint that cannot be reached.
 *
 * `wsengine-conformance replay <report.json> --server ...` runs a report's findings again: exit
 * status 0 when every one passes now, 1 otherwise, 2 as above.
 */
import { parseArgs } from "node:util";
import type { Grade } from "./oracle.js";
import { formatOutcome, formatReplaySummary, readReport, replayReport } from "./replay.js";
import { writeReport } from "./report.js";
import { type ConformanceOptions, formatCounts, runConformance, type Target } from "./runner.js";
import { GROUPS, type GroupName } from "./scenario.js";

export const USAGE: string = `Usage: wsengine-conformance (--server <ws-url> | --client <command>) [options]
       wsengine-conformance replay <report.json> (--server <ws-url> | --client <command>) [options]

Tests a WebSocket endpoint against RFC 6455 and RFC 7692 over TCP.

Target (one of):
  --server <url>         an echo server, e.g. ws://127.0.0.1:8080/ (it must echo every message)
  --client <command>     a command that starts an echo client; it gets the URL to connect to
                         as $WS_URL (and in place of {url} in the command)

Options:
  --seed <n>             fast-check seed (default: random; printed in the report)
  --runs <n>             random scenarios per group (default 100; 0: named cases only)
  --time-budget <s>      seconds for the random scenarios of all groups (default 60)
  --timeout <ms>         how long to wait for each reaction (default 2000)
  --groups <a,b,...>     groups to run (default all): ${GROUPS.join(", ")}
  --no-cases             skip the named cases
  --report <dir>         write <name>.json and <name>.md there (default ./conformance-report)
  --name <name>          report file name (default conformance)
  --header <k: v>        extra request header for --server (repeatable)
  --quiet                no progress output
  -h, --help             this text

Replay: run the findings of a report (the .json this command writes) again, each exactly as the
report recorded it, against the target given, and grade them with the same oracle. Exit status
0 when every one passes now (pass or info), 1 when one still fails or cannot be replayed.
  --grades <a,b,...>     findings to replay, by their grade in the report (default fail,warning;
                         also info)
  --repeat <n>           run each one n times; it passes only if every run does (default 1)
  --timeout <ms>         how long to wait for each reaction (default: the report's)
  --header, --quiet      as above
`;

const number = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
};

/** The endpoint under test from `--server` (with `--header`) or `--client`. */
function parseTarget(values: { server?: string | undefined; client?: string | undefined; header?: string[] | undefined }): Target {
  if (values.server !== undefined && values.client === undefined) {
    const headers = (values.header ?? []).map((h): readonly [string, string] => {
      const colon = h.indexOf(":");
      if (colon <= 0) throw new Error(`--header must look like "Name: value", got ${h}`);
      return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
    });
    return { kind: "server", url: values.server, ...(headers.length > 0 ? { headers } : {}) };
  }
  if (values.client !== undefined && values.server === undefined) return { kind: "client", command: values.client };
  throw new Error("give exactly one of --server and --client");
}

/** Options of the `replay` command. */
export interface ReplayCli {
  readonly report: string;
  readonly target: Target;
  readonly grades?: readonly Grade[];
  readonly repeat?: number;
  readonly timeoutMs?: number;
  readonly quiet: boolean;
}

// Passing results keep no script in a report: there is nothing to replay.
const GRADES: readonly Grade[] = ["fail", "warning", "info"];

/** Parse the arguments after `replay`. */
export function parseReplayCli(argv: readonly string[]): ReplayCli | { help: true } {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    allowPositionals: true,
    options: {
      server: { type: "string" },
      client: { type: "string" },
      header: { type: "string", multiple: true },
      grades: { type: "string" },
      repeat: { type: "string" },
      timeout: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return { help: true };
  if (positionals.length !== 1) throw new Error("replay takes exactly one report (the .json file)");
  const target = parseTarget(values);
  let grades: Grade[] | undefined;
  if (values.grades !== undefined) {
    grades = values.grades.split(",").map((g) => g.trim()).filter((g) => g !== "") as Grade[];
    const unknown = grades.filter((g) => !GRADES.includes(g));
    if (unknown.length > 0 || grades.length === 0) throw new Error(`--grades takes ${GRADES.join(", ")}; got ${values.grades}`);
  }
  const repeat = number("repeat", values.repeat);
  const timeout = number("timeout", values.timeout);
  return {
    report: positionals[0]!,
    target,
    ...(grades === undefined ? {} : { grades }),
    ...(repeat === undefined ? {} : { repeat: Math.max(1, Math.floor(repeat)) }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout }),
    quiet: values.quiet === true,
  };
}

/** Parse command line arguments into run options plus where to write the report. */
export function parseCli(argv: readonly string[]): { options: ConformanceOptions; report: string; name: string; quiet: boolean } | { help: true } {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    options: {
      server: { type: "string" },
      client: { type: "string" },
      seed: { type: "string" },
      runs: { type: "string" },
      "time-budget": { type: "string" },
      timeout: { type: "string" },
      groups: { type: "string" },
      "no-cases": { type: "boolean" },
      report: { type: "string" },
      name: { type: "string" },
      header: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return { help: true };
  const target = parseTarget(values);
  let groups: GroupName[] | undefined;
  if (values.groups !== undefined) {
    groups = values.groups.split(",").map((g) => g.trim()).filter((g) => g !== "") as GroupName[];
    const unknown = groups.filter((g) => !(GROUPS as readonly string[]).includes(g));
    if (unknown.length > 0) throw new Error(`unknown group(s) ${unknown.join(", ")}; known: ${GROUPS.join(", ")}`);
  }
  const seed = number("seed", values.seed);
  const runs = number("runs", values.runs);
  const budget = number("time-budget", values["time-budget"]);
  const timeout = number("timeout", values.timeout);
  const options: ConformanceOptions = {
    target,
    ...(groups === undefined ? {} : { groups }),
    ...(seed === undefined ? {} : { seed: Math.floor(seed) }),
    ...(runs === undefined ? {} : { runs: Math.floor(runs) }),
    ...(budget === undefined ? {} : { timeBudgetMs: budget * 1000 }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout }),
    ...(values["no-cases"] === true ? { cases: false } : {}),
  };
  return { options, report: values.report ?? "conformance-report", name: values.name ?? "conformance", quiet: values.quiet === true };
}

/** Run the command line; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "replay") return replayMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if ("help" in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options, report: dir, name, quiet } = parsed;
  const log = quiet ? undefined : (line: string): void => void process.stderr.write(`${line}\n`);
  let report;
  try {
    report = await runConformance({ ...options, ...(log === undefined ? {} : { log }) });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const paths = await writeReport(report, dir, name);
  process.stdout.write(`${formatCounts(report.summary)} (seed ${report.options.seed})\n${paths.markdown}\n${paths.json}\n`);
  return report.summary.fail > 0 ? 1 : 0;
}

/** `replay`: one block per finding on stdout as it is replayed, then a summary line. */
async function replayMain(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseReplayCli(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if ("help" in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { report: path, target, quiet, ...options } = parsed;
  let summary;
  try {
    const report = await readReport(path);
    if (!quiet) process.stderr.write(`replaying ${path}: ${report.target.role} ${report.target.description}, ${formatCounts(report.summary)}\n`);
    summary = await replayReport(report, {
      target,
      ...options,
      onOutcome: (outcome) => {
        process.stdout.write(`${formatOutcome(outcome, report.target.role)}\n\n`);
      },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  process.stdout.write(`${formatReplaySummary(summary)}\n`);
  return summary.fail + summary.notReplayed > 0 ? 1 : 0;
}
