/** The shape of a fuzz target, and the codec that turns its inputs into corpus JSON. */
import type fc from "fast-check";

/** One fuzz target: inputs, and a check that throws when core misbehaves on one. */
export interface FuzzTarget<T> {
  readonly name: string;
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Throws when the property fails for `input`. */
  check(input: T): void;
  /**
   * Whether inputs are plain data (numbers, strings, booleans, arrays, objects, Uint8Array) that
   * the corpus can store and replay as is. Otherwise a failure replays from seed and path.
   */
  readonly serializable: boolean;
}

/** JSON with Uint8Array as `{ "$bytes": hex }`. */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("hex") };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

/** The inverse of {@link toJson}. */
export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record["$bytes"] === "string" && Object.keys(record).length === 1) return new Uint8Array(Buffer.from(record["$bytes"], "hex"));
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}
