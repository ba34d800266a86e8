/**
 * Quick start (Bun): an echo server on Bun.listen and a client that sends one message,
 * prints the echo, closes and shuts the server down.
 *
 * Run:  npx bun examples/bun/quickstart.ts
 */
import { connect, listen } from "@wsengine/bun";

const wss = listen({
  hostname: "127.0.0.1",
  port: 0,
  onConnection: (ws) => ws.on("message", (m) => void ws.send(m)),
});

const ws = await connect(`ws://127.0.0.1:${wss.port}/`);
const reply = new Promise((resolve) => ws.once("message", resolve));
await ws.send("hello from Bun");
console.log("echo:", await reply);
const { code, wasClean } = await ws.close(1000, "done");
console.log(`closed ${code}, clean: ${wasClean}`);
await wss.close();
