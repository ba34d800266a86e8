/**
 * For test/stalled-write.test.ts: what happens to outgoing bytes while the peer does not read.
 * 1. A transport whose socket is full keeps its own copy of a batch built in a shared outgoing
 *    slab (src/transport.ts), so the 256 KiB slab is not kept alive by a stalled connection: the
 *    test writes pieces of the default slab allocator until `write()` returns false, scribbles
 *    over the pieces, and checks that the peer, once it reads, gets the bytes as they were.
 * 2. Through the whole stack: a raw client upgrades and stops reading, the server sends it 1 KiB
 *    messages until its session holds some back, then the client reads every one, intact.
 * Prints one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/stalled-write.ts
 */
import type { Socket } from "bun";
import type { CommonOptions } from "@wsengine/core";
import { withBunDefaults } from "../src/defaults.js";
import { BunSocketTransport, listen, SOCKET_HANDLERS } from "../src/index.js";

export interface Report {
  /** Part 1: bytes written before the transport's socket was full, and how many of them the peer read wrong. */
  readonly transportBytes: number;
  readonly transportCorrupt: number;
  /** Messages sent to the stalled client before its socket filled, and how many it then read intact. */
  readonly sent: number;
  /** Bytes the server's session held back when the socket was full (one frame). */
  readonly held: number;
  readonly received: number;
  readonly corrupt: number;
}

const message = (i: number): string => `${String(i).padStart(8, "0")}:${"x".repeat(1015)}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Raw = { socket: Socket<undefined>; bytes: Uint8Array[]; upgraded: Promise<void> };
async function rawClient(port: number, paused: boolean): Promise<Raw> {
  const bytes: Uint8Array[] = [];
  let done = false;
  let upgraded: () => void = () => {};
  const raw: Partial<Raw> = { bytes, upgraded: new Promise<void>((resolve) => (upgraded = resolve)) };
  raw.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(socket, chunk) {
        bytes.push(new Uint8Array(chunk));
        if (!done && new TextDecoder().decode(bytes[0]).includes("\r\n\r\n")) {
          done = true;
          if (paused) socket.pause();
          upgraded();
        }
      },
    },
  });
  raw.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  return raw as Raw;
}

/** The text messages in a server's byte stream after its 101 response. */
function textMessages(chunks: readonly Uint8Array[]): string[] {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.length) - c.length);
  let p = new TextDecoder("latin1").decode(all.subarray(0, 4096)).indexOf("\r\n\r\n") + 4;
  const out: string[] = [];
  const decoder = new TextDecoder();
  while (p + 2 <= all.length) {
    let len = all[p + 1]! & 0x7f;
    let h = 2;
    if (len === 126) [len, h] = [(all[p + 2]! << 8) | all[p + 3]!, 4];
    if (len === 127 || p + h + len > all.length) break;
    out.push(decoder.decode(all.subarray(p + h, p + h + len)));
    p += h + len;
  }
  return out;
}


// --- 1. the transport alone ---
async function transportPart(): Promise<{ transportBytes: number; transportCorrupt: number }> {
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
  for (let full = false; !full && written < 64 << 20; ) {
    const piece = allocate(16_384);
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
  return { transportBytes: written, transportCorrupt: corrupt };
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

const first = await rawClient(port, true);
await first.upgraded;
await stalledNow;
first.socket.resume();
let received: string[] = [];
for (let waited = 0; waited < 10_000; waited += 10) {
  received = textMessages(first.bytes);
  if (received.length >= sent) break;
  await sleep(10);
}
const corrupt = received.filter((text, i) => text !== message(i)).length;
const report: Report = { ...part1, sent, held, received: received.length, corrupt };
console.log(JSON.stringify(report));
first.socket.end();
await server.close();
process.exit(0);
