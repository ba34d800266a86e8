/**
 * For test/stalled-write.test.ts: what happens to outgoing bytes while the peer does not read.
 * 1. A transport whose socket is full keeps its own copy of a batch built in a shared outgoing
 *    slab (src/transport.ts), so the 256 KiB slab is not kept alive by a stalled connection: the
 *    test writes pieces of the default slab allocator until `write()` returns false, scribbles
 *    over the pieces, and checks that the peer, once it reads, gets the bytes as they were.
 *    The transport releases each piece once `write()` returns, so the next piece reuses its
 *    bytes: counted, and the same check shows Bun had copied what it took.
 * 2. Through the whole stack: a raw client upgrades and stops reading, the server sends it 1 KiB
 *    messages until its session holds some back, then the client reads every one, intact.
 * Prints one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/stalled-write.ts
 */
import type { Socket } from "bun";
import { type CommonOptions, FrameDecoder, Opcode } from "@wsengine/core";
import { withBunDefaults } from "../src/defaults.js";
import { BunSocketTransport, listen, SOCKET_HANDLERS } from "../src/index.js";

export interface Report {
  /** Part 1: bytes written before the transport's socket was full, and how many of them the peer read wrong. */
  readonly transportBytes: number;
  readonly transportCorrupt: number;
  /** Part 1: pieces built in the same bytes as the piece before them (released by the transport). */
  readonly transportReused: number;
  /** Messages sent to the stalled client before its socket filled, and how many it then read intact. */
  readonly sent: number;
  /** Bytes the server's session held back when the socket was full (one frame). */
  readonly held: number;
  readonly received: number;
  readonly corrupt: number;
}

const message = (i: number): string => `${String(i).padStart(8, "0")}:${"x".repeat(1015)}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw client that upgrades, then stops reading until its socket is resumed; the server's text
 * messages are collected as they are read.
 */
async function stalledClient(port: number): Promise<{ socket: Socket<undefined>; texts: string[]; upgraded: Promise<void> }> {
  const texts: string[] = [];
  const frames = new FrameDecoder({ role: "client", maxFrameSize: 1 << 20 });
  const text = new TextDecoder();
  // The 101 response as it arrives (latin1: a character per byte), until its end.
  let head: string | null = "";
  let upgraded: () => void = () => {};
  const upgradedNow = new Promise<void>((resolve) => (upgraded = resolve));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(socket, chunk) {
        let rest: Uint8Array = chunk;
        if (head !== null) {
          head += new TextDecoder("latin1").decode(chunk);
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) return;
          rest = chunk.subarray(chunk.length - (head.length - end - 4));
          head = null;
          socket.pause();
          upgraded();
        }
        for (const frame of frames.push(rest)) if (frame.opcode === Opcode.Text) texts.push(text.decode(frame.payload));
      },
    },
  });
  socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  return { socket, texts, upgraded: upgradedNow };
}

// --- 1. the transport alone ---
async function transportPart(): Promise<{ transportBytes: number; transportCorrupt: number; transportReused: number }> {
  const got: Uint8Array[] = [];
  let peer: Socket<undefined> | null = null;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.pause();
        peer = socket;
      },
      data(_socket, chunk) {
        got.push(new Uint8Array(chunk));
      },
    },
  });
  const transport = new BunSocketTransport();
  await Bun.connect({ hostname: "127.0.0.1", port: listener.port, socket: SOCKET_HANDLERS, data: transport });
  transport.start({ receive() {}, receiveEof() {}, drain() {}, closed() {} });
  const allocate = withBunDefaults<CommonOptions>({}).allocateOutgoing!;
  const pieces: Uint8Array[] = [];
  let written = 0;
  let reused = 0;
  for (let full = false; !full && written < 64 << 20; ) {
    const piece = allocate(16_384);
    const last = pieces.at(-1);
    if (last !== undefined && last.buffer === piece.buffer && last.byteOffset === piece.byteOffset) reused++;
    for (let i = 0; i < piece.length; i++) piece[i] = (written + i) % 251;
    pieces.push(piece);
    written += piece.length;
    full = !transport.write([piece]);
  }
  // The slabs belong to the allocator: whatever the transport still holds must be its own.
  for (const piece of pieces) piece.fill(0xee);
  while (peer === null) await sleep(1);
  (peer as Socket<undefined>).resume();
  let total = 0;
  for (let waited = 0; waited < 10_000 && total < written; waited += 10) {
    await sleep(10);
    total = got.reduce((n, c) => n + c.length, 0);
  }
  let corrupt = written - total;
  let at = 0;
  for (const chunk of got) for (let i = 0; i < chunk.length; i++, at++) if (chunk[i] !== at % 251) corrupt++;
  transport.destroy();
  listener.stop(true);
  return { transportBytes: written, transportCorrupt: corrupt, transportReused: reused };
}
const part1 = await transportPart();

// --- 2. through the stack ---
let sent = 0;
let held = 0;
let stalled: () => void = () => {};
const stalledNow = new Promise<void>((resolve) => (stalled = resolve));
const server = listen({
  hostname: "127.0.0.1",
  port: 0,
  onConnection: async (ws) => {
    // Fill the stalled client's socket, one message at a time, until the session holds one back.
    await sleep(20);
    while (ws.bufferedAmount === 0 && sent < 200_000) {
      void ws.send(message(sent++));
      await new Promise((resolve) => setImmediate(resolve));
    }
    held = ws.bufferedAmount;
    stalled();
  },
});
const port = server.port;

const client = await stalledClient(port);
await client.upgraded;
await stalledNow;
client.socket.resume();
for (let waited = 0; waited < 10_000 && client.texts.length < sent; waited += 10) await sleep(10);
const corrupt = client.texts.filter((text, i) => text !== message(i)).length;
const report: Report = { ...part1, sent, held, received: client.texts.length, corrupt };
console.log(JSON.stringify(report));
client.socket.end();
await server.close();
process.exit(0);
