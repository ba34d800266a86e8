/** Echo server on @wsengine/bun's `listen()` (Bun.listen TCP, core parses the HTTP request). Run with bun. */
import { listen, permessageDeflate } from "@wsengine/bun";
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
const wss = listen({
  port: args.port,
  hostname: "127.0.0.1",
  extensions: args.deflate ? [permessageDeflate()] : [],
  onConnection: (ws) => ws.on("message", (message) => void ws.send(message)),
  onError: () => {},
});
serveControl(wss.port, () => void wss.close({ timeout: 100 }));
