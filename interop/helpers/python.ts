/** Run the python3-websockets peers (interop/python/*.py) and read their JSON lines. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { within } from "./net.js";
import { SYSTEM_PYTHON } from "./tools.js";

const DIR = fileURLToPath(new URL("../python/", import.meta.url));

export type PythonEvent = Record<string, unknown> & { readonly event: string };

export interface PythonPeer {
  readonly child: ChildProcess;
  /** The next event named `name` (events are consumed in order per name). */
  next(name: string, ms: number): Promise<PythonEvent>;
  /** Resolves with the exit code once the process ended. */
  readonly exited: Promise<number | null>;
  /** End the process (SIGKILL if it has not exited 2 s after stdin closed). */
  stop(): Promise<void>;
}

/** Start `script` (a file in interop/python/) with the system python. */
export function startPython(script: string, args: readonly string[]): PythonPeer {
  const child = spawn(SYSTEM_PYTHON, ["-u", "-B", `${DIR}${script}`, ...args], { cwd: DIR, stdio: ["pipe", "pipe", "pipe"] });
  const events = new Map<string, PythonEvent[]>();
  const waiters = new Map<string, Array<(e: PythonEvent) => void>>();
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4000)));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let event: PythonEvent;
    try {
      event = JSON.parse(line) as PythonEvent;
    } catch {
      stderr += `\n(stdout) ${line}`;
      return;
    }
    const waiter = waiters.get(event.event)?.shift();
    if (waiter !== undefined) waiter(event);
    else events.set(event.event, [...(events.get(event.event) ?? []), event]);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.on("error", (error) => (stderr += `\nspawn error: ${error.message}`));
  return {
    child,
    exited,
    next: (name, ms) => {
      const queued = events.get(name)?.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      const wait = new Promise<PythonEvent>((resolve, reject) => {
        waiters.set(name, [...(waiters.get(name) ?? []), resolve]);
        void exited.then((code) => reject(new Error(`${script} exited (${code}) before "${name}":\n${stderr}`)));
      });
      return within(wait, ms, `${script}'s "${name}" event; stderr so far:\n${stderr}`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
