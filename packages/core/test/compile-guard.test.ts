/**
 * Core may use only the web-standard globals present in Node, Deno, Bun and Workers. Its compiler
 * settings enforce that: this test compiles snippets with core's own tsconfig and expects the
 * runtime-specific ones to fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const coreDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const config = ts.getParsedCommandLineOfConfigFile(join(coreDir, "tsconfig.json"), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
})!;
const scratch = mkdtempSync(join(tmpdir(), "wsengine-guard-"));
// An ESM scope for the snippets, as core's own package.json gives its sources.
writeFileSync(join(scratch, "package.json"), '{ "type": "module" }');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function diagnostics(source: string): string[] {
  const file = join(scratch, `snippet-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `${source}\nexport {};\n`);
  const program = ts.createProgram([file, join(coreDir, "src/internal/globals.d.ts")], { ...config.options, rootDir: "/", noEmit: true, isolatedDeclarations: false });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("core compiler settings", () => {
  it.each([
    ["Buffer", "const b = Buffer.from('x');", "Cannot find name 'Buffer'"],
    ["process", "const e = process.env;", "Cannot find name 'process'"],
    ["setTimeout", "setTimeout(() => {}, 1);", "Cannot find name 'setTimeout'"],
    ["node: imports", "import { readFileSync } from 'node:fs'; readFileSync;", "Cannot find module 'node:fs'"],
    ["Deno", "Deno.exit(0);", "Cannot find name 'Deno'"],
    ["Bun", "Bun.version;", "Cannot find name 'Bun'"],
    ["fetch", "fetch('x');", "Cannot find name 'fetch'"],
  ])("reject %s", (_name, source, message) => {
    const found = diagnostics(source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("allow TextEncoder, TextDecoder and crypto.getRandomValues", () => {
    expect(
      diagnostics(
        "const a = new TextEncoder().encode('x'); const s = new TextDecoder('utf-8', { fatal: true }).decode(a); crypto.getRandomValues(new Uint8Array(4)); s;",
      ),
    ).toEqual([]);
  });
});
