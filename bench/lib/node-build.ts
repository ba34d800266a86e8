/**
 * The Node servers under test, and the in-process workers, as users run them: plain JavaScript
 * on `node`, with no loader in the process. The workspace packages export their TypeScript
 * sources, which Node 20 runs only through a loader; tsx, the one used everywhere else here,
 * transpiles each module in memory and enables source maps for the whole process, and those maps
 * and transpiled sources were the largest strings in our server's heap (heap snapshots after a
 * run under tsx: 8.5 MiB for our bare echo server, 7.0 MiB for ws's; as plain JavaScript, 5.4 and
 * 4.6 MiB of heap used after a full GC). That is not noise: V8 11.3 starts no incremental marking
 * from its allocation limits while the old generation holds 8 MiB or less, and above it a server
 * streaming 1 MiB messages fell into a mark-compact after almost every scavenge (bench/README,
 * "Large-message echo").
 *
 * The in-process workers were the same case: under tsx, core + bufferutil's parse worker held
 * 8.12 MiB after two full GCs and ws + bufferutil's 7.69, so only core's marked incrementally on
 * the 1 MiB cases; staged, 6.29 and 5.93 (bench/README, Method, "Plain JavaScript").
 *
 * So the first staged script a process asks for stages, under `bench/.build/`, what an install
 * from npm holds: each @wsengine package's own build (its `tsc -p tsconfig.json`, the `build`
 * script) written to `dist/` with its `publishConfig.exports` as its exports, its dependencies
 * linked, and the bench scripts transpiled beside them (`ws` resolves from bench/node_modules,
 * up the directory tree, as it does for the sources).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";
import { benchDir, repoDir } from "./processes.js";

/** The compiler the packages' `build` scripts run. */
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Where the staged install lives (git ignores it). */
const nodeBuildDir = join(benchDir, ".build");
/** The packages a Node server imports, in dependency order. */
const PACKAGES = ["core", "session", "node"] as const;
/** The bench files run on Node (the server scripts, the in-process workers, and what they import). */
const BENCH_FILES = [
  "e2e/servers/common.ts",
  "e2e/servers/ws.ts",
  "e2e/servers/wsengine-node.ts",
  "inproc/alloc.ts",
  "inproc/ceiling.ts",
  "inproc/encode.ts",
  "inproc/parse.ts",
  "lib/args.ts",
  "lib/fixtures.ts",
  "lib/measure.ts",
  "lib/native-mask.ts",
  "lib/stats.ts",
  "lib/ws-internals.ts",
] as const;
/** A bench file that runs staged, as a path under bench/. */
export type StagedFile = (typeof BENCH_FILES)[number];

/** Where the stage holds `file`'s JavaScript. */
const stagedPath = (file: StagedFile): string => join(nodeBuildDir, "bench", file.replace(/\.ts$/, ".js"));

let built = false;

/** The staged JavaScript of `file`, such as `inproc/parse.ts` (builds the stage on first call). */
export function stagedScript(file: StagedFile): string {
  if (!built) {
    buildStage();
    built = true;
  }
  return stagedPath(file);
}

function buildStage(): void {
  rmSync(nodeBuildDir, { recursive: true, force: true });
  for (const name of PACKAGES) {
    const packageDir = join(repoDir, "packages", name);
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      publishConfig: { exports: unknown };
    };
    const outDir = join(nodeBuildDir, "node_modules", manifest.name);
    // The package's `build` script, with its output redirected into the stage.
    execFileSync(process.execPath, [tsc, "-p", join(packageDir, "tsconfig.json"), "--outDir", join(outDir, "dist")], { stdio: "inherit" });
    writeFileSync(
      join(outDir, "package.json"),
      JSON.stringify({ name: manifest.name, version: manifest.version, type: "module", exports: manifest.publishConfig.exports }, null, 2),
    );
    // Third-party dependencies (fflate, and bufferutil as the optional peer) as the workspace
    // installed them; the @wsengine ones are staged above.
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (dep.startsWith("@wsengine/")) continue;
      const installed = join(packageDir, "node_modules", dep);
      const link = join(nodeBuildDir, "node_modules", dep);
      if (existsSync(installed) && !existsSync(link)) {
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(realpathSync(installed), link, "dir");
      }
    }
  }
  for (const file of BENCH_FILES) transpileFile(join(benchDir, file), stagedPath(file));
}

/** One bench module (not part of any package): types erased, ES2022 kept, no source map. */
function transpileFile(file: string, out: string): void {
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
}
