/** The adapter suite's harness for Node: server and client both on @wsengine/node. */
import { connect, listen, WebSocket } from "@wsengine/node";
import { adapterHarness, type Harness, type WebSocketLike } from "../src/index.js";
import type { TestCertificate } from "../src/node/index.js";

const builtin = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;

export function nodeHarness(certificate: TestCertificate): Harness {
  return adapterHarness({
    runtime: `node ${process.versions.node}`,
    certificate,
    // libuv hands a stream's reads a 64 KiB buffer.
    largestRead: 64 * 1024,
    async listen(options, tls) {
      const wss = await listen({ ...options, host: "127.0.0.1", ...(tls === undefined ? {} : { tls }) });
      return { port: wss.address()!.port, clients: wss.clients, close: (shutdown) => wss.close(shutdown) };
    },
    connect: (url, options, ca) => connect(url, { ...options, ...(ca === undefined ? {} : { tls: { ca } }) }),
    createWebSocket: (url, protocols) => new WebSocket(url, protocols),
    builtinWebSocket:
      builtin !== undefined
        ? (url, protocols) => new builtin(url, protocols)
        : `Node ${process.versions.node} has no global WebSocket (it is unflagged from Node 22)`,
  });
}
