/** A few assertions for the runtime-neutral suite (no test framework runs inside Deno or Bun here). */

/** An assertion that did not hold. */
export class AssertionError extends Error {
  override readonly name: string = "AssertionError";
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (typeof value === "string") return value.length > 80 ? `string(${value.length}) ${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Strict equality, or deep equality of plain data (via JSON). */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual === expected) return;
  if (typeof actual === "object" && typeof expected === "object" && actual !== null && expected !== null && !(actual instanceof Uint8Array)) {
    if (JSON.stringify(actual) === JSON.stringify(expected)) return;
  }
  throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Same bytes; reports the first difference. */
export function assertBytes(actual: unknown, expected: Uint8Array, what: string): void {
  if (!(actual instanceof Uint8Array)) throw new AssertionError(`${what}: expected bytes, got ${show(actual)}`);
  if (actual.length !== expected.length) throw new AssertionError(`${what}: expected ${expected.length} bytes, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new AssertionError(`${what}: first difference at byte ${i} of ${actual.length}`);
  }
}

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AssertionError(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `predicate` every few ms until it holds. */
export async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new AssertionError(`${what}: not within ${ms} ms`);
    await sleep(2);
  }
}

/** Deterministic bytes covering every value, different for each `seed`. */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8) + seed * 31) & 0xff;
  return out;
}
