/**
 * Runs quickstart-worker.ts once in workerd (miniflare starts npm's `workerd` binary) against an
 * @wsengine/node echo server on 127.0.0.1, prints the Worker's response and exits.
 *
 * Run:  npx tsx examples/cloudflare/run-quickstart.ts
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { listen } from "@wsengine/node";

const upstream = await listen({ host: "127.0.0.1", onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
// Bundle the Worker and the workspace sources it imports; `cloudflare:sockets` is workerd's own.
const bundle = await build({
  entryPoints: [fileURLToPath(new URL("./quickstart-worker.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "browser",
  conditions: ["workerd", "worker"],
  target: "es2022",
  external: ["cloudflare:*"],
  write: false,
  logLevel: "warning",
});
const mf = new Miniflare({
  modules: true,
  script: bundle.outputFiles[0]!.text,
  compatibilityDate: "2026-04-01",
  bindings: { UPSTREAM_URL: `ws://127.0.0.1:${upstream.address()!.port}/feed` },
});
try {
  const response = await mf.dispatchFetch("http://worker.local/quickstart");
  process.stdout.write(await response.text());
} finally {
  await mf.dispose();
  await upstream.close({ timeout: 200 });
}
