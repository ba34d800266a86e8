/**
 * Running examples as their headers say, from the repository root, with bounded time. Node
 * examples run as `node --import tsx <file>` (what `npx tsx <file>` does, minus the wrapper
 * process, so signals reach the example itself); Deno and Bun run on the npm binaries.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { findRuntime, type RuntimeBinary, WORKSPACE_ROOT } from "@wsengine/adapter-suite/node";

export { WORKSPACE_ROOT };

const children: Set<ChildProcess> = new Set();

/** Spawn in the repository root with stdin, stdout and stderr piped; tracked for {@link killChildren}. */
function spawnExample(binary: string, args: readonly string[], env: Record<string, string>): ChildProcess {
  const child = spawn(binary, args, { cwd: WORKSPACE_ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Kill every example still running (call it in afterAll). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** A running example: its output so far, a way to wait for a line, and its exit. */
export interface RunningExample {
  readonly child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** Resolve with the first match of `pattern` in the output; reject at exit or after `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** The exit code (`null` after a signal). */
  readonly exited: Promise<number | null>;
  /** Write `text` to stdin. */
  type(text: string): void;
}

function track(child: ChildProcess): RunningExample {
  let text = "";
  const listeners = new Set<() => void>();
  const append = (data: string): void => {
    text += data;
    for (const check of listeners) check();
  };
  child.stdout!.setEncoding("utf8").on("data", append);
  child.stderr!.setEncoding("utf8").on("data", append);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    type: (input) => void child.stdin!.write(input),
    waitFor: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${ms} ms; output:\n${text}`));
        }, ms);
        const check = (): void => {
          const found = pattern.exec(text);
          if (found === null) return;
          done();
          resolve(found);
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited before ${pattern}; output:\n${text}`));
        });
      }),
  };
}

/** Start a Node example (a TypeScript file relative to the repository root). */
export function startNode(file: string, args: readonly string[] = [], env: Record<string, string> = {}): RunningExample {
  return track(spawnExample(process.execPath, ["--import", "tsx", file, ...args], env));
}

/** Start `args` on a runtime binary found by {@link runtime}. */
export function startRuntime(binary: string, args: readonly string[], env: Record<string, string> = {}): RunningExample {
  return track(spawnExample(binary, args, env));
}

const runtimes = new Map<"deno" | "bun", RuntimeBinary>();

/** The npm `deno` or `bun` binary (probed once), or why it is missing. */
export function runtime(name: "deno" | "bun"): RuntimeBinary {
  let found = runtimes.get(name);
  if (found === undefined) {
    found = findRuntime(name);
    runtimes.set(name, found);
  }
  return found;
}

/** Kill `example` if it has not exited within `ms`, then wait for its exit code. */
export async function exitCode(example: RunningExample, ms: number): Promise<number | null> {
  const timer = setTimeout(() => example.child.kill("SIGKILL"), ms);
  try {
    return await example.exited;
  } finally {
    clearTimeout(timer);
  }
}
