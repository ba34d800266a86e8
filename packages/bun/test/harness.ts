/** The adapter suite's harness for Bun: server and client both on @wsengine/bun. */
import type { Harness, SuiteServer } from "@wsengine/adapter-suite";
import { connect, listen, WebSocket } from "../src/index.js";

const ca = process.env.WSENGINE_TEST_CA;
const cert = process.env.WSENGINE_TEST_CERT;
const key = process.env.WSENGINE_TEST_KEY;

export const harness: Harness = {
  runtime: `bun ${Bun.version}`,
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
    return connect(url, { ...rest, ...(trustTestCa && ca !== undefined ? { tls: { ca } } : {}) });
  },
  createWebSocket: (url, protocols) => new WebSocket(url, protocols),
  createBuiltinWebSocket: (url, protocols) => new globalThis.WebSocket(url, protocols),
};
