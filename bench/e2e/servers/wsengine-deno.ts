/** Echo server on @wsengine/deno's `listen()` (Deno.listen TCP, core parses the HTTP request). Run with deno. */
import { listen, permessageDeflate } from "@wsengine/deno";
import { serveControl, serverArgs } from "./common.ts";

const args = serverArgs();
const wss = listen({
  port: args.port,
  hostname: "127.0.0.1",
  extensions: args.deflate ? [permessageDeflate()] : [],
  onConnection: (ws) => ws.on("message", (message) => void ws.send(message)),
  onError: () => {},
});
serveControl(wss.port, () => void wss.close({ timeout: 100 }));
