/** The adapter suite's harness for Node: server and client both on @wsengine/node. */
import { connect, listen, WebSocket } from "@wsengine/node";
import type { Harness, SuiteServer, WebSocketLike } from "../src/index.js";
import type { TestCertificate } from "../src/node/index.js";

const builtin = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;

export function nodeHarness(certificate: TestCertificate): Harness {
  return {
    runtime: `node ${process.versions.node}`,
    capabilities: {
      tls: true,
      builtinWebSocket: builtin !== undefined ? true : `Node ${process.versions.node} has no global WebSocket (it is unflagged from Node 22)`,
    },
    async listen(options) {
      const { tls, ...rest } = options;
      const wss = await listen({ ...rest, host: "127.0.0.1", ...(tls === true ? { tls: { cert: certificate.cert, key: certificate.key } } : {}) });
      const port = wss.address()!.port;
      const server: SuiteServer = {
        port,
        url: `${tls === true ? "wss" : "ws"}://127.0.0.1:${port}`,
        get clients() {
          return wss.clients;
        },
        close: (shutdown) => wss.close(shutdown),
      };
      return server;
    },
    connect: (url, options = {}) => {
      const { trustTestCa = true, ...rest } = options;
      return connect(url, { ...rest, ...(trustTestCa ? { tls: { ca: certificate.ca } } : {}) });
    },
    createWebSocket: (url, protocols) => new WebSocket(url, protocols),
    createBuiltinWebSocket: builtin === undefined ? null : (url, protocols) => new builtin(url, protocols),
  };
}
