/**
 * The whole test setup: @wsengine/node servers on 127.0.0.1, the test Worker bundled, and
 * workerd started through miniflare with the bindings that point the Worker at the servers.
 */
import { fileURLToPath } from "node:url";
import { ECHO_PEER_OPTIONS, serveEchoPeer } from "@wsengine/adapter-suite";
import { makeCertificate } from "@wsengine/adapter-suite/node";
import { listen, type WebSocketServer } from "@wsengine/node";
import { Miniflare } from "miniflare";
import { freePort, type ServerCloses, startEchoServer, startSilentServer } from "./servers.js";
import { bundleWorker, COMPATIBILITY_DATE, loopbackNetwork } from "./workerd.js";

/** What a scenario observed (see test/worker/scenarios.ts). */
export type Observation = Record<string, unknown>;

export interface TestWorker {
  readonly mf: Miniflare;
  /** How server-side connections ended, by the client's X-Case-Id. */
  readonly closes: ServerCloses;
  /** The port of the scenario echo server (its Host header). */
  readonly echoPort: number;
  /** GET `/<where>/<name>?id=<where>:<name><query>` on the Worker; throws what the Worker reported. */
  run(where: "worker" | "do", name: string, query?: string): Promise<Observation>;
  dispose(): Promise<void>;
}

export async function startTestWorker(): Promise<TestWorker> {
  const cleanup: Array<() => Promise<unknown>> = [];
  const closes: ServerCloses = new Map();
  const trusted = makeCertificate();
  const untrusted = makeCertificate();
  const servers: WebSocketServer[] = [
    await startEchoServer({ closes }),
    await startEchoServer({ autoPong: false }),
    await startEchoServer({ tls: trusted, closes }),
    await startEchoServer({ tls: untrusted }),
    // The shared suite's echo peer; "chat" stands in for the WHATWG cases' upgrade hook.
    await listen({ ...ECHO_PEER_OPTIONS, subprotocols: ["chat"], host: "127.0.0.1", onConnection: serveEchoPeer }),
    await listen({ ...ECHO_PEER_OPTIONS, subprotocols: ["chat"], host: "127.0.0.1", tls: { key: trusted.key, cert: trusted.cert }, onConnection: serveEchoPeer }),
  ];
  for (const s of servers) cleanup.push(() => s.close({ timeout: 200 }));
  const [echo, mute, wss, bad, peer, securePeer] = servers.map((s) => s.address()!.port);
  const silent = await startSilentServer();
  cleanup.push(silent.close);
  const script = await bundleWorker(fileURLToPath(new URL("../worker/index.ts", import.meta.url)));
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { RUNNER: "ScenarioRunner" },
    bindings: {
      ECHO_URL: `ws://127.0.0.1:${echo}`,
      MUTE_URL: `ws://127.0.0.1:${mute}`,
      WSS_URL: `wss://localhost:${wss}`,
      UNTRUSTED_URL: `wss://localhost:${bad}`,
      SILENT_URL: `ws://127.0.0.1:${silent.port}`,
      REFUSED_URL: `ws://127.0.0.1:${await freePort()}`,
      SUITE_WS_URL: `ws://127.0.0.1:${peer}`,
      SUITE_WSS_URL: `wss://127.0.0.1:${securePeer}`,
    },
    // miniflare already lets connect() reach loopback; this network also trusts the test CA.
    outboundService: loopbackNetwork([trusted.ca]),
    // A network service as a binding, for ConnectOptions.connector (plain TCP only: workerd
    // cannot open TLS sockets through a network service bound as a Fetcher).
    serviceBindings: { NETWORK: { network: { allow: ["public", "private", "local"], deny: [] } } },
  });
  cleanup.push(() => mf.dispose());
  await mf.ready;
  return {
    mf,
    closes,
    echoPort: echo!,
    async run(where, name, query = "") {
      const id = `${where}:${name}`;
      const response = await mf.dispatchFetch(`http://worker.test/${where}/${name}?id=${encodeURIComponent(id)}${query}`);
      const body = (await response.json()) as { observation?: Observation; error?: string; stack?: string };
      if (body.error !== undefined) throw new Error(`${name} failed inside workerd: ${body.error}\n${body.stack ?? ""}`);
      return body.observation!;
    },
    async dispose() {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    },
  };
}
