/**
 * The servers under test. Each is a command that starts an echo server on a port and prints
 * `ready <port>` (see servers/common.ts for the whole protocol), so that a server written for
 * another runtime plugs in as one more entry: `packages/bun` against `Bun.serve`, `packages/deno`
 * against `Deno.upgradeWebSocket`, run with the binaries of the npm packages `bun` and `deno`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stagedScript } from "../lib/node-build.js";
import { benchDir, repoDir } from "../lib/processes.js";

export interface ServerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface ServerUnderTest {
  readonly id: string;
  readonly label: string;
  /** Which runtime's pair it belongs to, and whether it is ours or the peer. */
  readonly runtime: "node" | "bun" | "deno";
  readonly side: "ours" | "peer";
  /** Why it cannot run here, or null. */
  unavailable(): string | null;
  /** Whether it speaks permessage-deflate (Deno.upgradeWebSocket does not). Default true. */
  readonly deflate?: boolean;
  command(options: { port: number; deflate: boolean }): ServerCommand;
}

/** The arguments every server script takes (servers/common.ts). */
const scriptArgs = (o: { port: number; deflate: boolean }): string[] => ["--port", String(o.port), "--deflate", o.deflate ? "on" : "off"];

/**
 * Node servers run as plain JavaScript against the packages as npm would install them
 * (lib/node-build.ts: no loader in the process), with --expose-gc, so `mem` reports memory after
 * a full GC.
 */
const node = (script: "ws.ts" | "wsengine-node.ts", env: Record<string, string> = {}) =>
  (o: { port: number; deflate: boolean }): ServerCommand => ({
    command: process.execPath,
    args: ["--expose-gc", stagedScript(`e2e/servers/${script}`), ...scriptArgs(o)],
    env,
  });

/** The `bun`/`deno` binaries of the root devDependencies (npm packages `bun` and `deno`). */
const bin = (name: string): string => join(repoDir, "node_modules/.bin", name);

/** Bun runs the TypeScript servers itself; Bun.gc() stands in for --expose-gc (see common.ts). */
const bun = (script: string) =>
  (o: { port: number; deflate: boolean }): ServerCommand => ({
    command: bin("bun"),
    args: [join(benchDir, "e2e/servers", script), ...scriptArgs(o)],
  });

/** Deno resolves the workspace packages through node_modules; --expose-gc makes `mem` collect first. */
const deno = (script: string) =>
  (o: { port: number; deflate: boolean }): ServerCommand => ({
    command: bin("deno"),
    args: ["run", "-A", "--sloppy-imports", "--v8-flags=--expose-gc", join(benchDir, "e2e/servers", script), ...scriptArgs(o)],
  });

const needs = (pkg: string, binary: string) => (): string | null => {
  if (!existsSync(join(repoDir, "packages", pkg, "src/index.ts"))) return `pending: packages/${pkg} does not exist yet`;
  if (!existsSync(bin(binary))) return `the ${binary} binary (npm package ${binary}) is not installed`;
  if (!existsSync(join(benchDir, "e2e/servers", `wsengine-${pkg}.ts`))) return `pending: bench/e2e/servers/wsengine-${pkg}.ts is not written yet`;
  return null;
};

export const SERVERS: readonly ServerUnderTest[] = [
  {
    id: "wsengine-node",
    label: "wsengine (Node)",
    runtime: "node",
    side: "ours",
    unavailable: () => (existsSync(join(repoDir, "packages/node/src/index.ts")) ? null : "packages/node does not exist"),
    command: node("wsengine-node.ts"),
  },
  {
    id: "wsengine-node-js",
    label: "wsengine (Node, no bufferutil)",
    runtime: "node",
    side: "ours",
    unavailable: () => (existsSync(join(repoDir, "packages/node/src/index.ts")) ? null : "packages/node does not exist"),
    command: node("wsengine-node.ts", { WSENGINE_NO_BUFFER_UTIL: "1" }),
  },
  { id: "ws", label: "ws", runtime: "node", side: "peer", unavailable: () => null, command: node("ws.ts", { WS_NO_BUFFER_UTIL: "1" }) },
  { id: "ws+bufferutil", label: "ws + bufferutil", runtime: "node", side: "peer", unavailable: () => null, command: node("ws.ts") },
  { id: "wsengine-bun", label: "wsengine (Bun)", runtime: "bun", side: "ours", unavailable: needs("bun", "bun"), command: bun("wsengine-bun.ts") },
  { id: "bun-native", label: "Bun.serve", runtime: "bun", side: "peer", unavailable: needs("bun", "bun"), command: bun("bun-native.ts") },
  { id: "wsengine-deno", label: "wsengine (Deno)", runtime: "deno", side: "ours", unavailable: needs("deno", "deno"), command: deno("wsengine-deno.ts") },
  { id: "deno-native", label: "Deno.upgradeWebSocket", runtime: "deno", side: "peer", deflate: false, unavailable: needs("deno", "deno"), command: deno("deno-native.ts") },
];

/** The pairs the targets compare: ours against each peer of the same runtime. */
export const PAIRS: readonly (readonly [ours: string, peer: string])[] = [
  ["wsengine-node-js", "ws"],
  ["wsengine-node", "ws+bufferutil"],
  ["wsengine-bun", "bun-native"],
  ["wsengine-deno", "deno-native"],
];
