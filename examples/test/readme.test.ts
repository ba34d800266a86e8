/**
 * The README's quick starts are the example files (scripts/readme-examples.ts copies them), and
 * every example names its one command in its header and in examples/README.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleBody, MAX_LINES, QUICK_STARTS, README, withQuickStarts } from "../../scripts/readme-examples.js";
import { WORKSPACE_ROOT } from "./helpers.js";

const EXAMPLES = join(WORKSPACE_ROOT, "examples");

/** Every TypeScript file of examples/ except the tests. */
function exampleFiles(dir: string = EXAMPLES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "test" ? [] : exampleFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [relative(WORKSPACE_ROOT, path)] : [];
  });
}

describe("the README's quick starts", () => {
  it("are the example files, byte for byte (npx tsx scripts/readme-examples.ts regenerates them)", () => {
    const readme = readFileSync(README, "utf8");
    expect(withQuickStarts(readme)).toBe(readme);
  });

  it.each(QUICK_STARTS)(`$name fits in ${MAX_LINES} lines`, ({ file }) => {
    const lines = exampleBody(readFileSync(join(WORKSPACE_ROOT, file), "utf8")).split("\n");
    expect(lines.length).toBeLessThanOrEqual(MAX_LINES);
  });
});

describe("every example has one command", () => {
  const guide = readFileSync(join(EXAMPLES, "README.md"), "utf8");
  it.each(exampleFiles())("%s names it in its header and in examples/README.md", (file) => {
    const header = /^\/\*\*[\s\S]*?\*\//.exec(readFileSync(join(WORKSPACE_ROOT, file), "utf8"))?.[0] ?? "";
    const command = /^ \* Run: +(\S.*?)(?: {2,}.*)?$/m.exec(header)?.[1];
    expect(command, `${file} has no " * Run:  <command>" line in its header`).toBeDefined();
    expect(guide, `examples/README.md does not list \`${command}\``).toContain(`\`${command}\``);
  });
});
