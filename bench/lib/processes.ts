/** Child processes pinned to cores: the server under test on core 0, the load on core 1. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bench package's directory: children run there. */
export const benchDir: string = join(dirname(fileURLToPath(import.meta.url)), "..");

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
