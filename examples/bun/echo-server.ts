/**
 * An echo server on Bun (Bun.listen, TCP or TLS): every message comes back as it went out,
 * compressed when the client offers permessage-deflate.
 *
 * Run:  npx bun examples/bun/echo-server.ts
 *       (PORT=8080 HOST=127.0.0.1 by default; TLS_CERT=cert.pem TLS_KEY=key.pem serve wss://)
 * Try:  npx bun examples/bun/echo-client.ts ws://127.0.0.1:8080 hello
 */
import { readFileSync } from "node:fs";
import { listen, permessageDeflate } from "@wsengine/bun";

const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST ?? "127.0.0.1";
const { TLS_CERT: certFile, TLS_KEY: keyFile } = process.env;
const tls = certFile !== undefined && keyFile !== undefined ? { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") } : undefined;

const wss = listen({
  port,
  hostname,
  ...(tls === undefined ? {} : { tls }),
  extensions: [permessageDeflate()],
  pingInterval: 20_000,
  onConnection: (ws, request) => {
    console.log(`+ ${request.path} from ${request.headers.get("user-agent") ?? "a client"} (${ws.extensions.join(", ") || "no extensions"})`);
    ws.on("message", (message) => void ws.send(message).catch(() => {}));
    ws.on("close", ({ code, reason }) => console.log(`- closed ${code} ${reason}`));
  },
});
console.log(`listening on ${tls === undefined ? "ws" : "wss"}://${hostname}:${wss.port}`);

// Ctrl+C: every client gets a 1001 Close, then the process ends.
process.on("SIGINT", () => void wss.close().then(() => process.exit(0)));
