/**
 * examples/cloudflare/relay-worker.ts end to end in workerd: a client upgrades through
 * miniflare's dispatchFetch, the Worker accepts it with WebSocketPair and relays to an
 * @wsengine/node echo peer over @wsengine/cloudflare.
 */
import { fileURLToPath } from "node:url";
import { serveEchoPeer } from "@wsengine/adapter-suite";
import { listen, type UpgradeRequest, type WebSocketServer } from "@wsengine/node";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundleWorker, COMPATIBILITY_DATE } from "./helpers/workerd.js";

/** miniflare's end of an upgraded response (a `ws`-style WebSocket with accept()). */
type RelayedSocket = NonNullable<Awaited<ReturnType<Miniflare["dispatchFetch"]>>["webSocket"]>;

let mf: Miniflare;
let upstream: WebSocketServer;
const requests: UpgradeRequest[] = [];

beforeAll(async () => {
  upstream = await listen({
    host: "127.0.0.1",
    subprotocols: ["chat"],
    onUpgrade: (request) => {
      requests.push(request);
      if (request.path === "/forbidden") return { action: "reject", status: 403, body: "no" };
    },
    onConnection: serveEchoPeer,
  });
  mf = new Miniflare({
    modules: true,
    script: await bundleWorker(fileURLToPath(new URL("../../../examples/cloudflare/relay-worker.ts", import.meta.url))),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { UPSTREAM_URL: `ws://127.0.0.1:${upstream.address()!.port}` },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await upstream?.close({ timeout: 200 });
});

async function open(path: string, protocols = "chat"): Promise<{ ws: RelayedSocket; protocol: string | null; next(): Promise<unknown>; closed: Promise<{ code: number; reason: string }> }> {
  const response = await mf.dispatchFetch(`http://relay.test${path}`, { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols } });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const inbox: unknown[] = [];
  const waiting: Array<(m: unknown) => void> = [];
  ws.addEventListener("message", (event) => {
    const next = waiting.shift();
    if (next !== undefined) next(event.data);
    else inbox.push(event.data);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })));
  ws.accept();
  return {
    ws,
    protocol: response.headers.get("sec-websocket-protocol"),
    next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiting.push(resolve))),
    closed,
  };
}

it("relays text and binary to the upstream and back, keeping path, query and subprotocol", async () => {
  const { ws, protocol, next, closed } = await open("/room/7?user=ada");
  expect(protocol).toBe("chat");
  expect(requests.at(-1)).toMatchObject({ target: "/room/7?user=ada", protocols: ["chat"] });
  ws.send("hello through the relay ✓");
  expect(await next()).toBe("hello through the relay ✓");
  const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
  ws.send(bytes);
  const echoed = await next();
  expect(Buffer.from(echoed as ArrayBuffer).equals(Buffer.from(bytes))).toBe(true);
  ws.close(4000, "browser leaves");
  expect(await closed).toEqual({ code: 4000, reason: "browser leaves" });
});

it("carries the upstream's close code and reason to the browser", async () => {
  const { ws, closed } = await open("/");
  ws.send("close 4003 upstream says bye");
  expect(await closed).toEqual({ code: 4003, reason: "upstream says bye" });
});

it("answers 426 to a request that is not an upgrade", async () => {
  const response = await mf.dispatchFetch("http://relay.test/");
  expect(response.status).toBe(426);
  await response.text();
});

it("answers 502 when the upstream refuses the upgrade", async () => {
  const response = await mf.dispatchFetch("http://relay.test/forbidden", { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(502);
  expect(await response.text()).toBe("upstream unavailable: server answered 403 Forbidden\n");
});
