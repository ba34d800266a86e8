/**
 * Echo server on Deno.serve + Deno.upgradeWebSocket, the peer of wsengine-deno. Run with deno.
 * Deno's server WebSocket has no permessage-deflate, so it sits out the compression scenarios.
 */
import { serveControl, serverArgs } from "./common.ts";

const args = serverArgs();
const server = Deno.serve({ port: args.port, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
  if (req.headers.get("upgrade") !== "websocket") return new Response("upgrade required", { status: 426 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (e) => socket.send(e.data);
  socket.onerror = () => {};
  return response;
});
serveControl(server.addr.port, () => void server.shutdown());
