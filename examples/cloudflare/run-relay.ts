/**
 * Runs relay-worker.ts in workerd (through miniflare, which starts the `workerd` binary from npm)
 * in front of an @wsengine/node echo server, all on 127.0.0.1.
 *
 * Run:  npx tsx examples/cloudflare/run-relay.ts          serves ws://127.0.0.1:8787 (PORT=...)
 *       npx tsx examples/cloudflare/run-relay.ts --once   one message through it, then exits
 *       (or pnpm -C examples relay [--once])
 *
 * miniflare's default outbound network allows private addresses, 127.0.0.1 included, so the
 * Worker's connect() reaches the echo server without extra configuration (raw workerd needs a
 * network service with `allow = ["public", "local"]`; see packages/cloudflare/README.md).
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { connect, listen } from "@wsengine/node";

const once = process.argv.includes("--once");
const port = once ? 0 : Number(process.env.PORT ?? 8787);

const upstream = await listen({ host: "127.0.0.1", subprotocols: ["chat"], onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
const bundle = await build({
  entryPoints: [fileURLToPath(new URL("./relay-worker.ts", import.meta.url))],
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
  bindings: { UPSTREAM_URL: `ws://127.0.0.1:${upstream.address()!.port}` },
  host: "127.0.0.1",
  port,
});
const url = (await mf.ready).href.replace(/^http/, "ws");
console.log(`relay Worker on ${url} -> echo server on ws://127.0.0.1:${upstream.address()!.port}`);

if (once) {
  const ws = await connect(url, { protocols: ["chat"] });
  const reply = new Promise((resolve) => ws.once("message", resolve));
  await ws.send("hello through the relay ✓");
  console.log(`protocol ${ws.protocol}; echo: ${String(await reply)}`);
  console.log(await ws.close(1000, "bye"));
  await mf.dispose();
  await upstream.close({ timeout: 200 });
} else {
  const stop = async (): Promise<void> => {
    await mf.dispose();
    await upstream.close({ timeout: 200 });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}
