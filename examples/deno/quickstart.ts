/**
 * Quick start (Deno): an echo server on Deno.listen and a client that sends one message,
 * prints the echo, closes and shuts the server down.
 *
 * Run:  npx deno run --allow-net examples/deno/quickstart.ts
 */
import { connect, listen } from "@wsengine/deno";

const wss = listen({
  hostname: "127.0.0.1",
  port: 0,
  onConnection: (ws) => ws.on("message", (m) => void ws.send(m)),
});

const ws = await connect(`ws://127.0.0.1:${wss.port}/`);
const reply = new Promise((resolve) => ws.once("message", resolve));
await ws.send("hello from Deno");
console.log("echo:", await reply);
const { code, wasClean } = await ws.close(1000, "done");
console.log(`closed ${code}, clean: ${wasClean}`);
await wss.close();
