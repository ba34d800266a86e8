/**
 * A chat server: every message is broadcast to every connected client. GET / serves a page a
 * browser can open (chat.html next to this file); the WebSocket lives at /chat on the same port.
 *
 * Run:  npx tsx examples/node/chat-server.ts     then open http://127.0.0.1:8080/
 *       (PORT=8080 HOST=127.0.0.1 by default; PORT=0 takes any free port and prints it)
 *       (or: npx tsx examples/node/client.ts ws://127.0.0.1:8080/chat)
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { attach, type WebSocketSession } from "@wsengine/node";

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "127.0.0.1";
const page = readFileSync(new URL("./chat.html", import.meta.url));

const http = createServer((req, res) => {
  if (req.method === "GET" && (req.url === "/" || req.url === "/index.html")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }
});

let nextId = 1;
const names = new Map<WebSocketSession, string>();

function broadcast(text: string): void {
  // A slow client cannot stall the others: its session holds the bytes (up to
  // maxBufferedAmount, then it is disconnected with 1008) while the rest go out at once.
  for (const client of wss.clients) void client.send(text);
}

const wss = attach(http, {
  path: "/chat",
  maxMessageSize: 64 * 1024,
  maxBufferedAmount: 1024 * 1024,
  pingInterval: 25_000,
  idleTimeout: 10 * 60_000,
  // Only pages served by this server (or tools that send no Origin) may connect.
  checkOrigin: (origin, request) => origin === null || origin === `http://${request.host}`,
  onConnection: (ws) => {
    const name = `guest-${nextId++}`;
    names.set(ws, name);
    void ws.send(JSON.stringify({ from: "server", text: `welcome, ${name}` }));
    broadcast(JSON.stringify({ from: "server", text: `${name} joined` }));
    ws.on("message", (message) => {
      if (typeof message !== "string") return void ws.close(1003, "text only");
      broadcast(JSON.stringify({ from: name, text: message.slice(0, 2000) }));
    });
    ws.on("close", () => {
      names.delete(ws);
      broadcast(JSON.stringify({ from: "server", text: `${name} left` }));
    });
  },
});

http.listen(port, host, () => console.log(`chat on http://${host}:${(http.address() as AddressInfo).port}/ (Ctrl+C to stop)`));

process.once("SIGINT", async () => {
  await wss.close({ reason: "server restarting", timeout: 2000 });
  http.close();
});
