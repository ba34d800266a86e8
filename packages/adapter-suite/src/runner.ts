/**
 * A tiny runner for the shared cases: the same code runs inside vitest (Node) and as a plain
 * script under Deno and Bun, where each result is printed as one JSON line after
 * {@link RESULT_PREFIX} for the vitest wrapper in Node to turn into a test result.
 */
import { AssertionError } from "./assert.js";
import type { Capabilities, Capability } from "./harness.js";

/** Cleanups registered by a case; they run after it, last first, whatever happened. */
export interface Scope {
  defer(cleanup: () => unknown): void;
}

/** One behaviour the suite checks. */
export interface Case {
  readonly name: string;
  /** A capability the case needs; without it the case is skipped with the runtime's stated reason. */
  readonly requires?: Capability;
  /** Default {@link DEFAULT_CASE_TIMEOUT}. */
  readonly timeout?: number;
  run(scope: Scope): Promise<void>;
}

export interface CaseResult {
  readonly name: string;
  readonly status: "pass" | "fail" | "skip";
  /** Why it was skipped. */
  readonly reason?: string;
  /** Why it failed, with the stack when there is one. */
  readonly error?: string;
  readonly ms: number;
}

/** Marks a result line on a child runtime's stdout. */
export const RESULT_PREFIX = "@@wsengine-suite ";
export const DEFAULT_CASE_TIMEOUT = 15_000;
const CLEANUP_TIMEOUT = 3_000;

/** Why `testCase` cannot run with `capabilities`, or `null` when it can. */
export function skipReason(testCase: Case, capabilities: Capabilities): string | null {
  if (testCase.requires === undefined) return null;
  const value = capabilities[testCase.requires];
  return value === true ? null : `${testCase.requires}: ${value}`;
}

/** Run one case with its timeout, then its cleanups. Throws what the case threw. */
export async function executeCase(testCase: Case): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  const ms = testCase.timeout ?? DEFAULT_CASE_TIMEOUT;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      testCase.run({ defer: (cleanup) => void cleanups.push(cleanup) }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AssertionError(`timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
    for (const cleanup of cleanups.reverse()) {
      let cleanupTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.resolve().then(cleanup).catch(() => {}),
        new Promise<void>((resolve) => (cleanupTimer = setTimeout(resolve, CLEANUP_TIMEOUT))),
      ]);
      clearTimeout(cleanupTimer);
    }
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** Run `cases` one after another, handing each result to `report` as soon as it is known. */
export async function runCases(cases: readonly Case[], capabilities: Capabilities, report: (result: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const started = performance.now();
    const reason = skipReason(testCase, capabilities);
    let result: CaseResult;
    if (reason !== null) {
      result = { name: testCase.name, status: "skip", reason, ms: 0 };
    } else {
      try {
        await executeCase(testCase);
        result = { name: testCase.name, status: "pass", ms: Math.round(performance.now() - started) };
      } catch (error) {
        result = { name: testCase.name, status: "fail", error: describeError(error), ms: Math.round(performance.now() - started) };
      }
    }
    results.push(result);
    report(result);
  }
  return results;
}

/** Print `result` as a line the Node wrapper parses. */
export function printResult(result: CaseResult): void {
  console.log(RESULT_PREFIX + JSON.stringify(result));
}
