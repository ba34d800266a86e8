/** Command-line flags of the bench scripts, for Node, Deno and Bun alike (no runtime imports). */

/** The value after `--name` in `argv`, or undefined when the flag (or its value) is missing. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}
