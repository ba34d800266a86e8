/** Echo server on @wsengine/bun's `listen()` (Bun.listen TCP, core parses the HTTP request). Run with bun. */
import { listen, permessageDeflate } from "@wsengine/bun";
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
// Bun.serve answers every offer with server_no_context_takeover and client_no_context_takeover
// (its shared compressor), so this server insists on the same: both sides then do the same work.
const deflate = permessageDeflate({ serverNoContextTakeover: true, clientNoContextTakeover: true });
const wss = listen({
  port: args.port,
  hostname: "127.0.0.1",
  extensions: args.deflate ? [deflate] : [],
  onConnection: (ws) => ws.on("message", (message) => void ws.send(message)),
  onError: () => {},
});
serveControl(wss.port, () => void wss.close({ timeout: 100 }));
