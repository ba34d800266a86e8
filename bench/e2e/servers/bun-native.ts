/** Echo server on Bun.serve's native WebSocket (uWebSockets), the peer of wsengine-bun. Run with bun. */
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
const server = Bun.serve({
  port: args.port,
  hostname: "127.0.0.1",
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response("upgrade required", { status: 426 });
  },
  websocket: {
    perMessageDeflate: args.deflate,
    message(ws, message) {
      // Bun's send() compresses only when asked (its second argument); the other servers compress
      // every reply once permessage-deflate is agreed.
      ws.send(message, args.deflate);
    },
  },
});
serveControl(server.port ?? 0, () => void server.stop(true));
