/** Command-line flags of the bench scripts, for Node, Deno and Bun alike (no runtime imports). */

/** The value after `--name` in `argv`, or undefined when the flag (or its value) is missing. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}

/** The positive integer after `--name` in `argv`, or `fallback` without the flag; anything else throws. */
export function positiveIntFlag(argv: readonly string[], name: string, fallback: number): number {
  const given = flagValue(argv, name);
  const value = given === undefined ? fallback : Number(given);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${given}`);
  return value;
}
