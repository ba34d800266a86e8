/**
 * For the vitest files that check Bun's own behaviour: run a test/*.ts script on the installed
 * `bun` binary and read the JSON lines it prints.
 */
import { findRuntime, runArgs, runToExit } from "@wsengine/adapter-suite/node";

/** The installed `bun`, or why there is none (each check warns with it and skips). */
export const bun = findRuntime("bun");

/** Run `script` (a path from the repository root) on `bun`; its JSON lines, exit status and stderr. */
export async function runBunScript<T>(script: string, env: Record<string, string> = {}): Promise<{ reports: T[]; exitCode: number | null; stderr: string }> {
  const { exitCode, stdout, stderr } = await runToExit(bun.path!, runArgs("bun", script), env);
  const reports = stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as T);
  return { reports, exitCode, stderr };
}
