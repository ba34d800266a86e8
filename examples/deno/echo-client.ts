/**
 * A Deno client for the echo servers: sends each argument as a text message (and 64 KiB of
 * binary), prints what comes back, then closes cleanly (1000).
 *
 * Run:  npx deno run --allow-net examples/deno/echo-client.ts ws://127.0.0.1:8080 hello "wörld ✓"
 *       (wss:// works too; to trust a private CA add --allow-env --allow-read and TLS_CA=ca.pem)
 */
import { connect, HandshakeRejectedError, permessageDeflate } from "@wsengine/deno";

const [url = "ws://127.0.0.1:8080", ...words] = Deno.args;
const messages: Array<string | Uint8Array> = [...(words.length > 0 ? words : ["hello from Deno"]), new Uint8Array(64 * 1024).fill(42)];
const caFile = url.startsWith("wss:") ? Deno.env.get("TLS_CA") : undefined;

try {
  const ws = await connect(url, {
    extensions: [permessageDeflate()],
    handshakeTimeout: 5000,
    ...(caFile === undefined ? {} : { tls: { caCerts: [Deno.readTextFileSync(caFile)] } }),
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
  Deno.exit(1);
}
