/**
 * A command-line client: lines typed on stdin are sent as text messages; messages received are
 * printed. Ctrl+D closes the connection cleanly (1000).
 *
 * Run:  npx tsx examples/node/client.ts ws://127.0.0.1:8080 [subprotocol...]
 *       (wss:// works too; NODE_EXTRA_CA_CERTS=ca.pem for a private CA)
 */
import { createInterface } from "node:readline";
import { connect, HandshakeRejectedError, permessageDeflate } from "@wsengine/node";

const [url = "ws://127.0.0.1:8080", ...protocols] = process.argv.slice(2);

try {
  const ws = await connect(url, { protocols, extensions: [permessageDeflate()], maxRedirects: 3, handshakeTimeout: 5000 });
  console.error(`connected to ${url}${ws.protocol ? ` (${ws.protocol})` : ""}; type lines, Ctrl+D to quit`);
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => void ws.send(line).catch(() => {}));
  input.on("close", () => void ws.close(1000, "bye"));
  for await (const message of ws) {
    console.log(typeof message === "string" ? message : `<${message.length} bytes of binary>`);
  }
  const { code, reason, wasClean } = await ws.closed;
  console.error(`closed: ${code} ${reason} (clean: ${wasClean})`);
  input.close();
} catch (error) {
  if (error instanceof HandshakeRejectedError) {
    console.error(`refused: ${error.status} ${error.statusText}\n${new TextDecoder().decode(error.body)}`);
  } else {
    console.error(`cannot connect: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
