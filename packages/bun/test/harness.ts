/** The adapter suite's harness for Bun: server and client both on @wsengine/bun. */
import { adapterHarness, type Harness } from "@wsengine/adapter-suite";
import { connect, listen, WebSocket } from "../src/index.js";

export const harness: Harness = adapterHarness({
  runtime: `bun ${Bun.version}`,
  // uSockets reads into a 512 KiB buffer (LIBUS_RECV_BUFFER_LENGTH); chunks of that size seen on 1.4.5.
  largestRead: 512 * 1024,
  certificate: { ca: process.env.WSENGINE_TEST_CA, cert: process.env.WSENGINE_TEST_CERT, key: process.env.WSENGINE_TEST_KEY },
  listen: (options, tls) => listen({ ...options, hostname: "127.0.0.1", ...(tls === undefined ? {} : { tls }) }),
  connect: (url, options, ca) => connect(url, { ...options, ...(ca === undefined ? {} : { tls: { ca } }) }),
  createWebSocket: (url, protocols) => new WebSocket(url, protocols),
  builtinWebSocket: (url, protocols) => new globalThis.WebSocket(url, protocols),
});
