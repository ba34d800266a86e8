/**
 * In-process echo through @wsengine/bun's whole server path, with no sockets: the transport Bun's
 * `listen()` gives each connection (BunSocketTransport), the session (WebSocketSession with the
 * application's `on("message")` listener that sends every message back) and core with Bun's
 * defaults. A stub socket stands in for Bun's: it takes every byte `write()` offers, as a socket
 * whose kernel buffer has room does, and counts them. Run with bun, from bench/:
 *
 *   bun inproc/bun-echo.ts [--size 64] [--kind text|binary] [--deflate] [--ms 300] [--samples 5]
 *       [--read-size BYTES] [--loadgen-payload]
 *
 * Not part of `run.ts`: it measures the adapter's own cost per message, without the kernel and
 * the load generator, to see where the end-to-end echo (e2e/, against Bun.serve) spends its
 * time. Each read is a fresh copy of the client's bytes, cut at 64 KiB (or `--read-size`: the
 * e2e echo's load generator keeps 16 messages in flight a connection, so its server reads about
 * 16 messages at a time), as Bun hands a socket handler a fresh chunk per read (and core adopts
 * it, unmasking in place). The messages are the in-process suites' payloads (mostly ASCII, some
 * with multibyte characters), or with `--loadgen-payload` the load generator's one payload (ASCII
 * at 64 B). With `--deflate` both sides agree on no context takeover either way, as the e2e
 * servers do.
 *
 * Prints one JSON line: messages per second for each sample, and the microseconds a message.
 */
import { ClientConnection, permessageDeflate as corePermessageDeflate } from "@wsengine/core";
import { SessionServer, type SessionServerOptions } from "@wsengine/session";
import { permessageDeflate } from "../../packages/bun/src/zlib-deflate.js";
import { withBunDefaults } from "../../packages/bun/src/defaults.js";
import { BunSocketTransport, SOCKET_HANDLERS, type TransportSocket } from "../../packages/bun/src/transport.js";
import { flagValue, positiveIntFlag } from "../lib/args.js";
import { CHUNK_SIZE, chunked, concat, LOADGEN_SEED, payloads, textPayload } from "../lib/fixtures.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => flagValue(argv, name) ?? fallback;
const size = Number(flag("size", "64"));
const kind = flag("kind", "text");
const deflate = argv.includes("--deflate");
const sampleMs = Number(flag("ms", "300"));
const samples = Number(flag("samples", "5"));
const readSize = positiveIntFlag(argv, "read-size", CHUNK_SIZE);
if (kind !== "text" && kind !== "binary") throw new Error(`--kind text|binary, not ${kind}`);

/** Client messages per pass: about 1 MiB of payload, as the in-process parse suite feeds. */
const count = Math.max(64, Math.ceil((1024 * 1024) / size));
const noTakeover = { serverNoContextTakeover: true, clientNoContextTakeover: true } as const;

// --- the stub socket: what BunSocketTransport calls on Bun's Socket ---

interface StubSocket {
  data: BunSocketTransport | undefined;
  readonly remoteAddress: string;
  /** Bytes written since the last reset, and a copy of them while `capture` is set (the handshake). */
  written: number;
  capture: Uint8Array[] | null;
  write(bytes: Uint8Array): number;
  shutdown(): void;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(): boolean;
}

const stub: StubSocket = {
  data: undefined,
  remoteAddress: "127.0.0.1",
  written: 0,
  capture: null,
  write(bytes) {
    this.written += bytes.length;
    this.capture?.push(bytes.slice());
    return bytes.length;
  },
  shutdown() {},
  end() {},
  terminate() {},
  pause() {},
  resume() {},
  setNoDelay: () => true,
};
const socket = stub as unknown as TransportSocket;

// --- server: what WebSocketServer#serve does for an accepted socket ---

let echoed = 0;
interface Info {
  readonly remoteAddress: string;
  readonly secure: boolean;
}
const server = new SessionServer<Info>(
  withBunDefaults<SessionServerOptions<Info>>({
    extensions: deflate ? [permessageDeflate(noTakeover)] : [],
    onConnection: (ws) =>
      ws.on("message", (message) => {
        echoed++;
        void ws.send(message);
      }),
    onError: (error: Error) => {
      throw error;
    },
  }),
);
const transport = new BunSocketTransport();
stub.data = transport;
transport.attach(socket, true);
server.serve(transport, { remoteAddress: stub.remoteAddress, secure: false });
// The session starts in a microtask.
await Promise.resolve();

// --- client: core opens the connection, then frames every message once ---

const client = new ClientConnection({ host: "bench.invalid", extensions: deflate ? [corePermessageDeflate({ threshold: 0, ...noTakeover })] : [] });
stub.capture = [];
for (const bytes of client.takeOutgoing()) SOCKET_HANDLERS.data!(socket, bytes as Buffer);
for (const bytes of stub.capture) client.receive(bytes);
stub.capture = null;
if (client.state !== "open") throw new Error(`handshake failed: client ${client.state}`);
if (deflate && client.extensions.length !== 1) throw new Error("permessage-deflate not negotiated");

const ps = argv.includes("--loadgen-payload") ? [textPayload(size, LOADGEN_SEED)] : payloads(size);
const texts = ps.map((p) => new TextDecoder().decode(p));
const frames: Uint8Array[] = [];
for (let i = 0; i < count; i++) {
  if (kind === "text") client.sendText(texts[i % texts.length]!);
  else client.sendBinary(ps[i % ps.length]!);
  for (const bytes of client.takeOutgoing()) frames.push(bytes.slice());
}
const reads = chunked(concat(frames), readSize);

/** One pass: every read, fresh, through the socket handler; checks that every message came back. */
function pass(): void {
  const before = echoed;
  stub.written = 0;
  // A copy (Buffer's slice() would be a view): core unmasks each read in place.
  for (const read of reads) SOCKET_HANDLERS.data!(socket, new Uint8Array(read) as Buffer);
  if (echoed - before !== count) throw new Error(`${echoed - before} of ${count} messages echoed`);
  if (stub.written < count * 2) throw new Error(`only ${stub.written} bytes written for ${count} echoes`);
}

function run(ms: number): number {
  let passes = 0;
  const t0 = Bun.nanoseconds();
  let now = t0;
  do {
    pass();
    passes++;
    now = Bun.nanoseconds();
  } while (now - t0 < ms * 1e6);
  return (passes * count * 1e9) / (now - t0);
}

// Check once that the echoes are the messages sent, decoded by the client.
stub.capture = [];
pass();
let got = 0;
for (const bytes of stub.capture) {
  for (const ev of client.receive(bytes)) {
    if (ev.type !== "text" && ev.type !== "binary") continue;
    const sent = kind === "text" ? texts[got % texts.length]! : ps[got % ps.length]!;
    const same = ev.type === "text" ? ev.data === sent : typeof sent !== "string" && ev.data.length === sent.length && ev.data.every((b, i) => b === sent[i]);
    if (!same) throw new Error(`echo ${got} differs from the message sent`);
    got++;
  }
}
stub.capture = null;
if (got !== count) throw new Error(`the client decoded ${got} of ${count} echoes`);

run(sampleMs);
const msgsPerSec: number[] = [];
for (let i = 0; i < samples; i++) msgsPerSec.push(run(sampleMs));
const median = [...msgsPerSec].sort((a, b) => a - b)[msgsPerSec.length >> 1]!;
console.log(
  JSON.stringify({
    suite: "bun-echo",
    bun: Bun.version,
    case: `${size}/${kind}/${deflate ? "deflate-no-takeover" : "plain"}`,
    readSize,
    messagesPerPass: count,
    msgsPerSec,
    usPerMessage: 1e6 / median,
  }),
);
