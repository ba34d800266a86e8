/**
 * The Deno and Bun binaries the npm `deno` and `bun` packages installed (root devDependencies),
 * and child processes running them. Node only: vitest runs this side.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CaseResult, RESULT_PREFIX } from "../runner.js";
import { PEER_PREFIX } from "../interop.js";

/** The workspace root (where the root package.json and node_modules are). */
export const WORKSPACE_ROOT: string = fileURLToPath(new URL("../../../../", import.meta.url));

export type RuntimeName = "deno" | "bun";

/** A runtime binary, or why there is none. */
export type RuntimeBinary = { readonly path: string; readonly version: string } | { readonly path: null; readonly reason: string };

// The packages' postinstall scripts put the real binary here (taken from the optional
// @deno/<platform> or @oven/bun-<platform> dependency); calling it directly avoids the
// node_modules/.bin shim, a Node process that would outlive a kill of its child.
const BINARY_IN_PACKAGE: Record<RuntimeName, string> = { deno: "deno", bun: join("bin", "bun.exe") };

/** Find and probe `name`'s binary. */
export function findRuntime(name: RuntimeName): RuntimeBinary {
  let path: string;
  try {
    const packageDir = dirname(createRequire(join(WORKSPACE_ROOT, "package.json")).resolve(`${name}/package.json`));
    path = join(packageDir, BINARY_IN_PACKAGE[name]);
  } catch (error) {
    return { path: null, reason: `the npm package "${name}" is not installed (${(error as Error).message.split("\n")[0]}); run pnpm install` };
  }
  if (!existsSync(path)) return { path: null, reason: `${path} is missing: the "${name}" package's postinstall did not run (is it in onlyBuiltDependencies?)` };
  try {
    const version = execFileSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim().split("\n")[0]!;
    return { path, version };
  } catch (error) {
    return { path: null, reason: `${path} --version failed: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** Arguments that run a TypeScript file: Deno resolves the workspace's `.js` imports of `.ts` files with sloppy imports. */
export function runArgs(name: RuntimeName, script: string, args: readonly string[] = []): string[] {
  return name === "deno" ? ["run", "--allow-all", "--sloppy-imports", "--no-lock", "--quiet", script, ...args] : ["run", script, ...args];
}

const children: Set<ChildProcess> = new Set();

/** Kill every child this module started (call it in afterAll). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Spawn `binary` in the workspace root, tracked for {@link killChildren}. */
export function spawnTracked(binary: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(binary, args, { cwd: WORKSPACE_ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Lines of a child's stdout with `prefix`, parsed as JSON, handed to `onLine`; resolves with stderr at exit. */
function readLines(child: ChildProcess, prefix: string, onLine: (value: unknown) => void): Promise<{ code: number | null; stderr: string }> {
  let buffered = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (data: string) => {
    buffered += data;
    for (let end = buffered.indexOf("\n"); end !== -1; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.startsWith(prefix)) onLine(JSON.parse(line.slice(prefix.length)));
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (data: string) => (stderr = (stderr + data).slice(-8000)));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

/** A suite running in a child runtime; each case's result arrives as the child prints it. */
export interface ChildSuite {
  result(name: string): Promise<CaseResult>;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Run `script` (which prints {@link RESULT_PREFIX} lines) on `binary`, killing it after `timeout` ms. */
export function runChildSuite(name: RuntimeName, binary: string, script: string, options: { env?: Record<string, string>; args?: readonly string[]; timeout: number }): ChildSuite {
  const child = spawnTracked(binary, runArgs(name, script, options.args), options.env ?? {});
  const results = new Map<string, CaseResult>();
  const waiting = new Map<string, (result: CaseResult) => void>();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout);
  const exited = readLines(child, RESULT_PREFIX, (value) => {
    const result = value as CaseResult;
    results.set(result.name, result);
    waiting.get(result.name)?.(result);
  }).finally(() => clearTimeout(timer));
  return {
    exited,
    result: (caseName) => {
      const known = results.get(caseName);
      if (known !== undefined) return Promise.resolve(known);
      return Promise.race([
        new Promise<CaseResult>((resolve) => waiting.set(caseName, resolve)),
        exited.then(({ code, stderr }): CaseResult => {
          const late = results.get(caseName);
          if (late !== undefined) return late;
          return { name: caseName, status: "fail", error: `the ${name} process exited (code ${code}) without reporting this case; stderr:\n${stderr}`, ms: 0 };
        }),
      ]);
    },
  };
}

/** A peer server in a child runtime: resolves with its URL once it prints it. */
export async function startPeer(name: RuntimeName, binary: string, script: string, args: readonly string[] = [], timeout = 20_000): Promise<{ url: string; stop(): void }> {
  const child = spawnTracked(binary, runArgs(name, script, args));
  let announce!: (url: string) => void;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const exited = readLines(child, PEER_PREFIX, (value) => announce((value as { url: string }).url));
  let timer: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    announced,
    exited.then(({ code, stderr }) => Promise.reject(new Error(`the ${name} peer exited (code ${code}) before listening:\n${stderr}`))),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the ${name} peer did not listen within ${timeout} ms`)), timeout))),
  ]).finally(() => clearTimeout(timer));
  return { url, stop: () => child.kill("SIGKILL") };
}
