/** The adapter suite's harness for Deno: server and client both on @wsengine/deno. */
import type { Harness, SuiteServer, WebSocketLike } from "@wsengine/adapter-suite";
import { connect, listen, WebSocket } from "../src/index.js";

// Deno's own WebSocket (typed here: this program does not load the DOM library).
const BuiltinWebSocket = (globalThis as unknown as { WebSocket: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;
const ca = Deno.env.get("WSENGINE_TEST_CA");
const cert = Deno.env.get("WSENGINE_TEST_CERT");
const key = Deno.env.get("WSENGINE_TEST_KEY");

export const harness: Harness = {
  runtime: `deno ${Deno.version.deno}`,
  capabilities: {
    tls: ca !== undefined && cert !== undefined && key !== undefined ? true : "no test certificate in WSENGINE_TEST_CA/_CERT/_KEY",
    builtinWebSocket: true,
  },
  async listen(options) {
    const { tls, ...rest } = options;
    if (tls === true && (cert === undefined || key === undefined)) throw new Error("no test certificate");
    const wss = listen({ ...rest, hostname: "127.0.0.1", ...(tls === true ? { tls: { cert: cert!, key: key! } } : {}) });
    const server: SuiteServer = {
      port: wss.port,
      url: `${tls === true ? "wss" : "ws"}://127.0.0.1:${wss.port}`,
      get clients() {
        return wss.clients;
      },
      close: (shutdown) => wss.close(shutdown),
    };
    return server;
  },
  connect: (url, options = {}) => {
    const { trustTestCa = true, ...rest } = options;
    return connect(url, { ...rest, ...(trustTestCa && ca !== undefined ? { tls: { caCerts: [ca] } } : {}) });
  },
  createWebSocket: (url, protocols) => new WebSocket(url, protocols),
  createBuiltinWebSocket: (url, protocols) => new BuiltinWebSocket(url, protocols),
};
