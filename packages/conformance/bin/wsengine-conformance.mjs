#!/usr/bin/env node
// Runs the built CLI when there is one (the published package), else the TypeScript sources
// through tsx (inside the workspace).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
let cli;
if (existsSync(dist)) {
  cli = await import(pathToFileURL(dist).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(new URL("../src/cli.ts", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
