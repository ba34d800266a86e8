/**
 * The main demo: an in-memory client and server Connection talk through nothing but arrays of
 * bytes. It prints every chunk that crosses "the wire" and every event each side reports.
 *
 * Run: npm run demo
 */
import {
  ClientConnection,
  type Connection,
  type ConnectionEvent,
  permessageDeflate,
  ServerConnection,
} from "@wsengine/core";

const client = new ClientConnection({ host: "demo.local", target: "/chat", protocols: ["chat.v2", "chat.v1"], extensions: [permessageDeflate()] });
const server = new ServerConnection({ subprotocols: ["chat.v1", "chat.v2"], extensions: [permessageDeflate({ threshold: 0 })] });

const isText = (b: Uint8Array): boolean => b.every((x) => x === 0x0d || x === 0x0a || (x >= 0x20 && x < 0x7f));
function show(from: string, chunks: Uint8Array[]): Uint8Array[] {
  for (const bytes of chunks) {
    const arrow = from === "client" ? "client ──▶ server" : "client ◀── server";
    if (isText(bytes)) {
      console.log(`\n${arrow}  ${bytes.length} bytes (HTTP)`);
      for (const line of new TextDecoder().decode(bytes).trimEnd().split("\r\n")) console.log(`    ${line}`);
    } else {
      const hex = Array.from(bytes.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join(" ");
      console.log(`\n${arrow}  ${bytes.length} bytes  ${hex}${bytes.length > 32 ? " …" : ""}`);
    }
  }
  return chunks;
}

function describe(who: string, ev: ConnectionEvent): void {
  switch (ev.type) {
    case "upgrade-request":
      console.log(`  [${who}] upgrade-request ${ev.request.target} protocols=${ev.request.protocols.join(",")}`);
      return;
    case "open":
      console.log(`  [${who}] open protocol=${ev.protocol} extensions=${ev.extensions.join(",") || "none"}`);
      return;
    case "text":
      console.log(`  [${who}] text ${JSON.stringify(ev.data)}`);
      return;
    case "binary":
      console.log(`  [${who}] binary ${ev.data.length} bytes`);
      return;
    case "ping":
    case "pong":
      console.log(`  [${who}] ${ev.type} ${JSON.stringify(new TextDecoder().decode(ev.data))}`);
      return;
    case "closing":
      console.log(`  [${who}] closing code=${ev.code} reason=${JSON.stringify(ev.reason)}`);
      return;
    case "closed":
      console.log(`  [${who}] closed code=${ev.code} reason=${JSON.stringify(ev.reason)} clean=${ev.wasClean}`);
      return;
    default:
      console.log(`  [${who}] ${ev.type}`);
  }
}

/** Carry bytes both ways until neither side has anything to say. */
function pump(): void {
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of [[client, server], [server, client]] as [Connection, Connection][]) {
      const out = from.takeOutgoing();
      if (out.length === 0) continue;
      moved = true;
      for (const bytes of show(from.role, out)) {
        for (const ev of to.receive(bytes)) {
          describe(to.role, ev);
          if (ev.type === "upgrade-request") server.accept();
        }
        for (const ev of to.takeEvents()) describe(to.role, ev);
      }
      // TCP FIN: the server closes first after the closing handshake.
      if (from.outgoingEnded) for (const ev of to.receiveEof()) describe(to.role, ev);
    }
  }
}

console.log("== opening handshake");
pump();
console.log("\n== messages");
client.sendText("Hello, wsengine! ✓");
server.sendText('{"type":"welcome","users":["ada","grace","barbara"],"motd":"welcome welcome welcome"}');
client.sendBinary(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
client.ping("are you there?");
pump();
console.log("\n== closing handshake");
client.close(1000, "done");
pump();
console.log(`\nclient: ${client.state}, server: ${server.state}`);
