/** Echo server on @wsengine/node's standalone `listen()` (core parses the HTTP request). */
import { listen, permessageDeflate } from "@wsengine/node";
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
const wss = await listen({
  port: args.port,
  host: "127.0.0.1",
  extensions: args.deflate ? [permessageDeflate()] : [],
  // The fastest echo, as in examples/node/echo-server.ts: a listener and a send() nobody awaits.
  onConnection: (ws) => ws.on("message", (message) => void ws.send(message)),
  onError: () => {},
});
serveControl(wss.address()!.port, () => void wss.close({ timeout: 100 }));
