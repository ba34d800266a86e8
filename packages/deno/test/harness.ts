/** The adapter suite's harness for Deno: server and client both on @wsengine/deno. */
import { adapterHarness, type Harness, type WebSocketLike } from "@wsengine/adapter-suite";
import { connect, listen, WebSocket } from "../src/index.js";

// Deno's own WebSocket (typed here: this program does not load the DOM library).
const BuiltinWebSocket = (globalThis as unknown as { WebSocket: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;

export const harness: Harness = adapterHarness({
  runtime: `deno ${Deno.version.deno}`,
  // The adapter's read buffer grows to 64 KiB (MAX_READ_BUFFER in src/transport.ts).
  largestRead: 64 * 1024,
  certificate: { ca: Deno.env.get("WSENGINE_TEST_CA"), cert: Deno.env.get("WSENGINE_TEST_CERT"), key: Deno.env.get("WSENGINE_TEST_KEY") },
  listen: (options, tls) => listen({ ...options, hostname: "127.0.0.1", ...(tls === undefined ? {} : { tls }) }),
  connect: (url, options, ca) => connect(url, { ...options, ...(ca === undefined ? {} : { tls: { caCerts: [ca] } }) }),
  createWebSocket: (url, protocols) => new WebSocket(url, protocols),
  builtinWebSocket: (url, protocols) => new BuiltinWebSocket(url, protocols),
});
