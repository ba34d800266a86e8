/**
 * An echo server: every message comes back as it went out. It sits on an ordinary http server,
 * so GET /health still answers, and it pings every client to drop half-open connections.
 *
 * Run:  npx tsx examples/node/echo-server.ts
 *       (PORT=8080 HOST=127.0.0.1 by default; PORT=0 takes any free port and prints it)
 * Try:  npx tsx examples/node/client.ts ws://127.0.0.1:8080
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { attach, permessageDeflate } from "@wsengine/node";

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "127.0.0.1";

const http = createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
  res.end(req.url === "/health" ? "ok\n" : "not found\n");
});

const wss = attach(http, {
  extensions: [permessageDeflate()],
  pingInterval: 20_000,
  pingTimeout: 10_000,
  onConnection: (ws, request, info) => {
    console.log(`+ ${info.remoteAddress}:${info.remotePort} ${request.target}`);
    // The fastest echo: a listener, and a send() whose promise nobody needs to await.
    ws.on("message", (message) => void ws.send(message));
    ws.on("close", ({ code, reason, wasClean }) => console.log(`- ${info.remoteAddress}:${info.remotePort} ${code} ${reason} clean=${wasClean}`));
  },
});

http.listen(port, host, () => console.log(`echo server on ws://${host}:${(http.address() as AddressInfo).port} (Ctrl+C to stop)`));

process.once("SIGINT", async () => {
  console.log("\nshutting down: closing every connection with 1001");
  await wss.close({ timeout: 2000 });
  http.close();
});
