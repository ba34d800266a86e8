/**
 * Quick start (Node): a WebSocket echo endpoint beside the ordinary routes of an http server,
 * and a client that sends one message, prints the echo, closes and shuts the server down.
 *
 * Run:  npx tsx examples/node/quickstart.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { attach, connect } from "@wsengine/node";

const http = createServer((req, res) => res.end("plain HTTP routes keep working\n"));
const wss = attach(http, { path: "/echo", onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const { port } = http.address() as AddressInfo;

const ws = await connect(`ws://127.0.0.1:${port}/echo`);
const reply = new Promise((resolve) => ws.once("message", resolve));
await ws.send("hello from Node");
console.log("echo:", await reply);
const { code, wasClean } = await ws.close(1000, "done");
console.log(`closed ${code}, clean: ${wasClean}`);
await wss.close();
http.close();
