/**
 * Regenerates the committed reports in reports/: the kit against ws (server and client, a check
 * of the kit), our Node adapter (server and client), and the Deno and Bun example echo servers
 * (the npm deno and bun binaries), through the command line.
 *
 * Run: pnpm --filter @wsengine/conformance reports   (a few minutes; SEED, RUNS, BUDGET and
 * ONLY=ws-server,deno-server,... override)
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli.js";
import { startNodeEchoServer } from "../fixtures/node-echo-server.js";
// @ts-expect-error: a plain JavaScript fixture
import { startWsEchoServer } from "../fixtures/ws-echo-server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const reports = fileURLToPath(new URL("../reports/", import.meta.url));
const seed = process.env.SEED ?? "20261122";
const runs = process.env.RUNS ?? "100";
const budget = process.env.BUDGET ?? "60";
const common = ["--seed", seed, "--runs", runs, "--time-budget", budget, "--timeout", "1500", "--report", reports];
process.chdir(root);

const only = process.env.ONLY?.split(",");
const wanted = (name: string): boolean => only === undefined || only.includes(name);

if (wanted("ws-server")) {
  const ws = (await startWsEchoServer()) as { url: string; close: () => Promise<void> };
  await main(["--server", ws.url, ...common, "--name", "ws-server"]);
  await ws.close();
}
if (wanted("node-server")) {
  const ours = await startNodeEchoServer();
  await main(["--server", ours.url, ...common, "--name", "node-server"]);
  await ours.close();
}
if (wanted("ws-client")) await main(["--client", "node fixtures/ws-echo-client.mjs", ...common, "--name", "ws-client"]);
if (wanted("node-client")) await main(["--client", `"${root}node_modules/.bin/tsx" fixtures/node-echo-client.ts`, ...common, "--name", "node-client"]);
// The runtime binaries from the npm packages (not the node wrappers, which a kill would orphan).
if (wanted("deno-client")) await main(["--client", `"${runtime("deno")}" run -A fixtures/deno-echo-client.ts`, ...common, "--name", "deno-client"]);
if (wanted("bun-client")) await main(["--client", `"${runtime("bun")}" fixtures/bun-echo-client.ts`, ...common, "--name", "bun-client"]);

/** Start an example echo server in its own process group; resolves with its URL. */
async function startExample(command: string, args: string[]): Promise<{ url: string; stop: () => void }> {
  const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));
  const child = spawn(command, args, { cwd: examples, env: { ...process.env, PORT: "0", HOST: "127.0.0.1" }, detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m !== null) resolve(`${m[1]}/`);
    });
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}: ${out}`)));
  });
  child.stdout.resume();
  return { url, stop: () => process.kill(-child.pid!, "SIGKILL") };
}
function runtime(name: "deno" | "bun"): string {
  const path = { deno: "../../../node_modules/deno/deno", bun: "../../../node_modules/bun/bin/bun.exe" }[name];
  return fileURLToPath(new URL(path, import.meta.url));
}
const bin = (name: string): string => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));
if (wanted("deno-server")) {
  const deno = await startExample(bin("deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "deno/echo-server.ts"]);
  await main(["--server", deno.url, ...common, "--name", "deno-server"]);
  deno.stop();
}
if (wanted("bun-server")) {
  const bun = await startExample(bin("bun"), ["bun/echo-server.ts"]);
  await main(["--server", bun.url, ...common, "--name", "bun-server"]);
  bun.stop();
}
