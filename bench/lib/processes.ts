/** Child processes pinned to cores: the server under test on core 0, the load on core 1. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bench package's directory: children run there. */
export const benchDir: string = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository's root (the workspace packages are in its packages/). */
export const repoDir: string = join(benchDir, "..");

/** Whether `taskset` can pin processes here (without it everything floats). */
export const hasTaskset: boolean = (() => {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Spawn `command` pinned to `core` (when taskset exists; `null` leaves it unpinned). */
export function spawnPinned(
  core: number | null,
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stderr: "pipe" | "inherit" = "pipe",
): ChildProcess {
  const [cmd, full] = hasTaskset && core !== null ? ["taskset", ["-c", String(core), command, ...args]] : [command, [...args]];
  return spawn(cmd, full, { cwd: benchDir, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", stderr] });
}

/** Pin this process to `core` (when taskset exists). */
export function pinSelf(core: number): void {
  if (hasTaskset) execFileSync("taskset", ["-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 where getconf is missing), asked on first use. */
let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU seconds (user + system) used so far by `pid` and every process below it, from /proc; null
 * where there is no /proc. The tree counts because the npm `deno` and `bun` commands are Node
 * scripts that run the real binary as a child.
 */
export function treeCpuSeconds(pid: number): number | null {
  const ticks = (p: number): number => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${p}/stat`, "utf8");
    } catch {
      return 0; // exited meanwhile
    }
    // Fields after the parenthesised command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    let total = Number(fields[11]) + Number(fields[12]);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return total;
    }
    for (const task of tasks) {
      let children = "";
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8");
      } catch {
        continue;
      }
      for (const child of children.split(" ")) if (child !== "") total += ticks(Number(child));
    }
    return total;
  };
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  return ticks(pid) / ticksPerSecond();
}

/**
 * The same integer loop timed on core 0 and then on core 1, in ms (the median of three slices of
 * 3·10^7 additions each, so that one stall of the VM does not count as a slow core). This
 * machine is a VM whose virtual cores change speed independently: at times the loop takes 1.7×
 * as long on core 0 as on core 1, and minutes later the same on both. The servers and in-process
 * workers run on core 0 and the load generator on core 1, so a run records the probe next to
 * what it measured (bench/README.md, Method, "Core speed").
 */
export async function coreSpeed(): Promise<[core0: number, core1: number]> {
  const once = (core: number): Promise<number> =>
    new Promise((resolve) => {
      const child = spawnPinned(core, process.execPath, ["-e", CORE_SPEED_LOOP]);
      let out = "";
      child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
      child.on("close", () => resolve(Number.parseFloat(out)));
    });
  return [await once(0), await once(1)];
}

// A first slice lets the JIT settle; the three timed ones follow in the same function.
const CORE_SPEED_LOOP = `const f = (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x + i * 7) | 0; return x; };
f(1e7); const ms = [0, 1, 2].map(() => { const t = performance.now(); f(3e7); return performance.now() - t; }).sort((a, b) => a - b);
process.stdout.write(String(ms[1]));`;
