/**
 * A Bun client for the echo servers: sends each argument as a text message (and 64 KiB of
 * binary), prints what comes back, then closes cleanly (1000).
 *
 * Run:  npx bun examples/bun/echo-client.ts ws://127.0.0.1:8080 hello "wörld ✓"
 *       (wss:// works too; TLS_CA=ca.pem trusts a private CA)
 */
import { readFileSync } from "node:fs";
import { connect, HandshakeRejectedError, permessageDeflate } from "@wsengine/bun";

const [url = "ws://127.0.0.1:8080", ...words] = process.argv.slice(2);
const messages: Array<string | Uint8Array> = [...(words.length > 0 ? words : ["hello from Bun"]), new Uint8Array(64 * 1024).fill(42)];
const caFile = process.env.TLS_CA;

try {
  const ws = await connect(url, {
    extensions: [permessageDeflate()],
    handshakeTimeout: 5000,
    ...(caFile === undefined ? {} : { tls: { ca: readFileSync(caFile, "utf8") } }),
  });
  console.log(`connected to ${url} (${ws.extensions.join(", ") || "no extensions"})`);
  for (const message of messages) {
    const reply = new Promise((resolve) => ws.once("message", resolve));
    await ws.send(message);
    const echoed = await reply;
    console.log(`echo: ${typeof echoed === "string" ? echoed : `<${(echoed as Uint8Array).length} bytes of binary>`}`);
  }
  const { code, wasClean } = await ws.close(1000, "bye");
  console.log(`closed ${code}${wasClean ? "" : " (not clean)"}`);
} catch (error) {
  console.error(error instanceof HandshakeRejectedError ? `refused: ${error.status} ${error.statusText}` : `failed: ${(error as Error).message}`);
  process.exit(1);
}
