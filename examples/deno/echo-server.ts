/**
 * An echo server on Deno (Deno.listen, or Deno.listenTls with a certificate): every message
 * comes back as it went out, compressed when the client offers permessage-deflate.
 *
 * Run:  npx deno run --allow-net --allow-env --allow-read examples/deno/echo-server.ts
 *       (PORT=8080 HOST=127.0.0.1 by default; TLS_CERT=cert.pem TLS_KEY=key.pem serve wss://)
 * Try:  npx deno run --allow-net examples/deno/echo-client.ts ws://127.0.0.1:8080 hello
 */
import { listen, permessageDeflate } from "@wsengine/deno";

const port = Number(Deno.env.get("PORT") ?? 8080);
const hostname = Deno.env.get("HOST") ?? "127.0.0.1";
const certFile = Deno.env.get("TLS_CERT");
const keyFile = Deno.env.get("TLS_KEY");
const tls = certFile !== undefined && keyFile !== undefined ? { cert: Deno.readTextFileSync(certFile), key: Deno.readTextFileSync(keyFile) } : undefined;

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
Deno.addSignalListener("SIGINT", () => void wss.close().then(() => Deno.exit(0)));
