/**
 * Cross-runtime interop: each runtime's client against each other runtime's server, on the npm
 * `deno` and `bun` binaries. Servers are the echo peers (packages/<runtime>/test/echo-peer.ts,
 * or @wsengine/node in-process); Node clients run here, Deno and Bun clients run
 * packages/<runtime>/test/interop-client.ts in a child process.
 */
import { connect, listen, permessageDeflate } from "@wsengine/node";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ECHO_PEER_OPTIONS, executeCase, interopCases, serveEchoPeer } from "../src/index.js";
import { type ChildSuite, findRuntime, killChildren, runChildSuite, startPeer } from "../src/node/index.js";

type Runtime = "node" | "deno" | "bun";
const binaries = { deno: findRuntime("deno"), bun: findRuntime("bun") };
const PAIRS: ReadonlyArray<readonly [server: Runtime, client: Runtime]> = [
  ["deno", "node"],
  ["bun", "deno"],
  ["node", "bun"],
  ["deno", "bun"],
  ["bun", "node"],
  ["node", "deno"],
];
const NAMES = interopCases(() => Promise.reject(new Error("names only")), "").map((c) => ({ name: c.name, timeout: c.timeout ?? 15_000 }));

/** Why `runtime` cannot take part, or null. */
function unavailable(runtime: Runtime): string | null {
  if (runtime === "node") return null;
  const binary = binaries[runtime];
  return binary.path === null ? `${runtime} unavailable: ${binary.reason}` : null;
}

async function startServer(runtime: Runtime): Promise<{ url: string; stop(): Promise<void> | void }> {
  if (runtime === "node") {
    // Node's own permessage-deflate on both Node sides: whole messages through node:zlib.
    const wss = await listen({ ...ECHO_PEER_OPTIONS, extensions: [permessageDeflate()], host: "127.0.0.1", onConnection: serveEchoPeer });
    return { url: `ws://127.0.0.1:${wss.address()!.port}`, stop: () => wss.close({ timeout: 200 }) };
  }
  return startPeer(runtime, binaries[runtime].path!, `packages/${runtime}/test/echo-peer.ts`);
}

afterAll(() => killChildren());

for (const [serverRuntime, clientRuntime] of PAIRS) {
  describe(`${serverRuntime} server, ${clientRuntime} client`, () => {
    const missing = unavailable(serverRuntime) ?? unavailable(clientRuntime);
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    let child: ChildSuite | null = null;
    beforeAll(async () => {
      if (missing !== null) return;
      server = await startServer(serverRuntime);
      if (clientRuntime !== "node") {
        child = runChildSuite(clientRuntime, binaries[clientRuntime].path!, `packages/${clientRuntime}/test/interop-client.ts`, { args: [server.url], timeout: 60_000 });
      }
    }, 30_000);
    afterAll(async () => {
      await server?.stop();
    });
    const nodeCases = interopCases((url, options = {}) => connect(url, options), () => server!.url, permessageDeflate);
    for (const { name, timeout } of NAMES) {
      it(name, async (ctx) => {
        if (missing !== null) return ctx.skip(missing);
        if (child === null) return executeCase(nodeCases.find((c) => c.name === name)!);
        const result = await child.result(name);
        if (result.status === "skip") ctx.skip(result.reason);
        if (result.status === "fail") throw new Error(`${clientRuntime} client: ${result.error}`);
      }, timeout + 30_000);
    }
  });
}
