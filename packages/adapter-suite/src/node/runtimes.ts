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
import { PEER_PREFIX, REPLY_PREFIX } from "../interop.js";

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

/**
 * Arguments that run a TypeScript file: Deno resolves the workspace's `.js` imports of `.ts` files
 * with sloppy imports. `flags` go to the runtime, before the script (Deno's `--v8-flags=--expose-gc`).
 */
export function runArgs(name: RuntimeName, script: string, args: readonly string[] = [], flags: readonly string[] = []): string[] {
  return name === "deno" ? ["run", "--allow-all", "--sloppy-imports", "--no-lock", "--quiet", ...flags, script, ...args] : ["run", ...flags, script, ...args];
}

const children: Set<ChildProcess> = new Set();

/** Kill every child this module started (call it in afterAll). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Spawn `binary` in the workspace root, tracked for {@link killChildren}; with `stdin`, its stdin is a pipe. */
export function spawnTracked(binary: string, args: readonly string[], env: Record<string, string> = {}, options: { readonly stdin?: boolean } = {}): ChildProcess {
  const child = spawn(binary, args, { cwd: WORKSPACE_ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: [options.stdin === true ? "pipe" : "ignore", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Run `binary` with `args` (see {@link spawnTracked}) to its exit; resolves with its exit code and whole output. */
export function runToExit(binary: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child = spawnTracked(binary, args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (data: string) => (stdout += data));
  child.stderr!.setEncoding("utf8").on("data", (data: string) => (stderr += data));
  return new Promise((resolve) => child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr })));
}

/**
 * Lines of a child's stdout that start with a key of `handlers`, parsed as JSON and handed to that
 * handler. Resolves at exit with the last of stderr (`stderr()` gives it before then).
 */
function readLines(child: ChildProcess, handlers: Record<string, (value: unknown) => void>): { exited: Promise<{ code: number | null; stderr: string }>; stderr(): string } {
  let buffered = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (data: string) => {
    buffered += data;
    for (let end = buffered.indexOf("\n"); end !== -1; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      for (const [prefix, onLine] of Object.entries(handlers)) if (line.startsWith(prefix)) onLine(JSON.parse(line.slice(prefix.length)));
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (data: string) => (stderr = (stderr + data).slice(-8000)));
  return { exited: new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr }))), stderr: () => stderr };
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
  const exited = readLines(child, {
    [RESULT_PREFIX]: (value) => {
      const result = value as CaseResult;
      results.set(result.name, result);
      waiting.get(result.name)?.(result);
    },
  }).exited.finally(() => clearTimeout(timer));
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

/** A peer server in a child process (see {@link startPeer}). */
export interface PeerProcess {
  /** The URL it announced. */
  readonly url: string;
  /** Everything its announcement line said (`url` and whatever else the peer chose to tell). */
  readonly announcement: Readonly<Record<string, unknown>>;
  /**
   * Write `command` as one line of JSON on the peer's stdin (only with the `control` option) and
   * resolve with its answer, the next {@link REPLY_PREFIX} line. Commands are answered in order.
   * Rejects when the peer exits first or does not answer within `timeout` ms (default 20 s).
   */
  request(command: unknown, timeout?: number): Promise<unknown>;
  /** The last of its stderr, for failure messages. */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

/** Options of {@link startPeer} and {@link startPeerProcess}. */
export interface PeerOptions {
  /** Arguments after the script. */
  readonly args?: readonly string[];
  /** Runtime flags, before the script (see {@link runArgs}). */
  readonly flags?: readonly string[];
  readonly env?: Record<string, string>;
  /** Give the peer a stdin to read commands from (see {@link PeerProcess.request}). */
  readonly control?: boolean;
  /** How long it may take to announce its URL. Default 20 s. */
  readonly timeout?: number;
}

/** A peer server in a child runtime: resolves once it prints its URL after {@link PEER_PREFIX}. */
export function startPeer(name: RuntimeName, binary: string, script: string, options: PeerOptions = {}): Promise<PeerProcess> {
  return startPeerProcess(binary, runArgs(name, script, options.args, options.flags), `the ${name} peer`, options);
}

/**
 * {@link startPeer} for any command line (`process.execPath` with tsx, for a Node peer in a
 * process of its own); `label` names it in errors.
 */
export async function startPeerProcess(command: string, args: readonly string[], label: string, options: Omit<PeerOptions, "args" | "flags"> = {}): Promise<PeerProcess> {
  const timeout = options.timeout ?? 20_000;
  const child = spawnTracked(command, args, options.env ?? {}, { stdin: options.control === true });
  let announce!: (announcement: Record<string, unknown>) => void;
  const announced = new Promise<Record<string, unknown>>((resolve) => (announce = resolve));
  const replies: Array<(value: unknown) => void> = [];
  const output = readLines(child, {
    [PEER_PREFIX]: (value) => announce(value as Record<string, unknown>),
    [REPLY_PREFIX]: (value) => replies.shift()?.(value),
  });
  const exited = output.exited;
  const died = (what: string) => exited.then(({ code, stderr }) => Promise.reject(new Error(`${label} exited (code ${code}) ${what}:\n${stderr}`)));
  let timer: NodeJS.Timeout | undefined;
  const announcement = await Promise.race([
    announced,
    died("before listening"),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label} did not listen within ${timeout} ms:\n${output.stderr()}`)), timeout))),
  ]).finally(() => clearTimeout(timer));
  // One command at a time, so that each answer belongs to the command before it.
  let queue: Promise<unknown> = Promise.resolve();
  const request = (command: unknown, ms = 20_000): Promise<unknown> => {
    const answer = queue.then(() => {
      if (child.stdin === null) throw new Error(`${label} has no stdin: start it with { control: true }`);
      let replyTimer: NodeJS.Timeout | undefined;
      const reply = new Promise<unknown>((resolve) => replies.push(resolve));
      child.stdin.write(`${JSON.stringify(command)}\n`);
      return Promise.race([
        reply,
        died(`before answering ${JSON.stringify(command)}`),
        new Promise<never>((_, reject) => (replyTimer = setTimeout(() => reject(new Error(`${label} did not answer ${JSON.stringify(command)} within ${ms} ms:\n${output.stderr()}`)), ms))),
      ]).finally(() => clearTimeout(replyTimer));
    });
    queue = answer.catch(() => {});
    return answer;
  };
  return { url: String(announcement.url), announcement, request, stderr: output.stderr, exited, stop: () => void child.kill("SIGKILL") };
}
