/**
 * Echo server on @wsengine/node's standalone `listen()` (core parses the HTTP request). It uses
 * bufferutil's mask loop, as the adapter does whenever bufferutil is installed; with
 * WSENGINE_NO_BUFFER_UTIL=1 it runs core's JavaScript loop, to pair with ws without bufferutil.
 */
import { maskInto } from "@wsengine/core";
import { listen, permessageDeflate } from "@wsengine/node";
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
const wss = await listen({
  port: args.port,
  host: "127.0.0.1",
  extensions: args.deflate ? [permessageDeflate()] : [],
  ...(process.env.WSENGINE_NO_BUFFER_UTIL === "1" ? { mask: maskInto } : {}),
  // The fastest echo, as in examples/node/echo-server.ts: a listener and a send() nobody awaits.
  onConnection: (ws) => ws.on("message", (message) => void ws.send(message)),
  onError: () => {},
});
serveControl(wss.address()!.port, () => void wss.close({ timeout: 100 }));
