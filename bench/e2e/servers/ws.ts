/**
 * Echo server on ws's WebSocketServer, as its README shows it. Whether ws uses the native
 * bufferutil is set by the environment (WS_NO_BUFFER_UTIL=1 turns it off).
 */
import { WebSocketServer } from "ws";
import { serveControl, serverArgs } from "./common.js";

const args = serverArgs();
const wss = new WebSocketServer({ port: args.port, host: "127.0.0.1", perMessageDeflate: args.deflate });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  ws.on("error", () => {});
});
wss.on("listening", () => {
  const address = wss.address();
  serveControl(typeof address === "object" && address !== null ? address.port : 0, () => wss.close());
});
