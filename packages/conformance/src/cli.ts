/**
 * The command line: `wsengine-conformance --server ws://127.0.0.1:8080/` or
 * `wsengine-conformance --client "node my-client.js"`. Exit status 1 when a scenario fails, 2 for
 * a usage error or an endpoint that cannot be reached.
 */
import { parseArgs } from "node:util";
import { writeReport } from "./report.js";
import { type ConformanceOptions, formatCounts, runConformance, type Target } from "./runner.js";
import { GROUPS, type GroupName } from "./scenario.js";

export const USAGE: string = `Usage: wsengine-conformance (--server <ws-url> | --client <command>) [options]

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
`;

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
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
    return n;
  };
  let target: Target;
  if (values.server !== undefined && values.client === undefined) {
    const headers = (values.header ?? []).map((h): readonly [string, string] => {
      const colon = h.indexOf(":");
      if (colon <= 0) throw new Error(`--header must look like "Name: value", got ${h}`);
      return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
    });
    target = { kind: "server", url: values.server, ...(headers.length > 0 ? { headers } : {}) };
  } else if (values.client !== undefined && values.server === undefined) {
    target = { kind: "client", command: values.client };
  } else {
    throw new Error("give exactly one of --server and --client");
  }
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
