/**
 * A minimal raw-socket WebSocket load generator, the same client for every server under test.
 * Frames are encoded (and masked, and compressed) once up front; replies are counted by parsing
 * frame headers only, never unmasking or decoding, so the generator stays cheaper than any server.
 *
 *   tsx e2e/loadgen.ts --port P --mode echo|stream|handshake|idle [options]
 *
 * echo       --conns C --depth D --size S --kind text|binary [--deflate MODE]: C connections,
 *            each keeping up to D messages in flight (pipelined, refilled D/4 at a time); reports
 *            messages/s and the latency of each message from its write to its echo (p50, p99).
 * Every timed mode also reports `loadgenCpu`, the generator's own CPU use as a share of its
 * core: near 1 means the generator, not the server, set the pace. It prints `window open` and
 * `window close` around the timed span, for the orchestrator to read the server's CPU time.
 * stream     --size S --depth D: one connection, D large binary messages in flight; MB/s echoed.
 * handshake  --conns C: C concurrent clients, each connecting, upgrading (until the 101 is read)
 *            and closing, over and over; handshakes/s.
 * idle       --conns N [--deflate MODE] [--message]: open N connections (optionally exchange
 *            one 1 KiB message on each, so compression contexts exist), print `connected N`,
 *            then hold them until stdin closes.
 * --deflate  off | takeover | server-no | client-no | both-no: the permessage-deflate offer
 *            (`*-no` asks for server_/client_no_context_takeover). Messages are compressed
 *            without context, which every mode allows.
 * --duration and --warmup (ms) bound every timed mode; results go to stdout as `result <json>`.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";
import { createInterface } from "node:readline";
import { constants, deflateRawSync } from "node:zlib";
import { LOADGEN_SEED, textPayload } from "../lib/fixtures.js";
import { flagValue } from "../lib/args.js";

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => flagValue(argv, name) ?? fallback;
const port = Number(arg("port", "0"));
const mode = arg("mode", "echo");
const conns = Number(arg("conns", "50"));
const depth = Number(arg("depth", "16"));
const size = Number(arg("size", "64"));
const kind = arg("kind", "text");
const deflate = arg("deflate", "off");
const duration = Number(arg("duration", "5000"));
const warmup = Number(arg("warmup", "1000"));
const withMessage = argv.includes("--message");

const OFFERS: Record<string, string | null> = {
  off: null,
  takeover: "permessage-deflate; client_max_window_bits",
  "server-no": "permessage-deflate; server_no_context_takeover; client_max_window_bits",
  "client-no": "permessage-deflate; client_no_context_takeover; client_max_window_bits",
  "both-no": "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits",
};
if (!(deflate in OFFERS)) throw new Error(`unknown --deflate ${deflate}`);
const offer = OFFERS[deflate]!;

const request = Buffer.from(
  `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
    (offer === null ? "" : `Sec-WebSocket-Extensions: ${offer}\r\n`) +
    "\r\n",
);

/** One masked client frame carrying `payload`, compressed when deflate is on. */
function frame(payload: Uint8Array, opcode: number, key: readonly number[]): Buffer {
  let data = Buffer.from(payload);
  let rsv = 0;
  if (offer !== null) {
    const z = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
    data = z.subarray(0, z.length - 4); // RFC 7692 §7.2.1: drop 00 00 ff ff
    rsv = 0x40;
  }
  const n = data.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + n);
  out[0] = 0x80 | rsv | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  for (let i = 0; i < 4; i++) out[head + i] = key[i]!;
  for (let i = 0; i < n; i++) out[head + 4 + i] = data[i]! ^ key[i & 3]!;
  return out;
}

/** `count` frames of `size` bytes back to back; a batch of k is its first k frames. */
function frames(count: number, msgSize: number, opcode: number): { bytes: Buffer; frameLength: number } {
  const payload = textPayload(msgSize, LOADGEN_SEED);
  const one = frame(payload, opcode, [0x12, 0x34, 0x56, 0x78]);
  const bytes = Buffer.alloc(one.length * count);
  for (let i = 0; i < count; i++) one.copy(bytes, i * one.length);
  return { bytes, frameLength: one.length };
}

/** Counts the server's frames from header bytes alone. */
class FrameCounter {
  #head = Buffer.alloc(14);
  #have = 0;
  #skip = 0;
  #fin = false;
  #data = false;
  /** Data messages completed, and payload bytes seen. */
  messages = 0;
  payloadBytes = 0;
  onMessage: (() => void) | null = null;

  /** Counts the frames in `chunk[from .. end)`, which it does not keep. */
  push(chunk: Buffer, from = 0, end = chunk.length): void {
    let pos = from;
    while (pos < end) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, end - pos);
        pos += take;
        this.#skip -= take;
        this.payloadBytes += take;
        if (this.#skip === 0) this.#frameEnd();
        continue;
      }
      // Header: gather at least 2 bytes, then the extended length.
      this.#head[this.#have++] = chunk[pos++]!;
      if (this.#have < 2) continue;
      const len7 = this.#head[1]! & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
      if (this.#have < need) continue;
      const b0 = this.#head[0]!;
      this.#fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      this.#data = opcode <= 2;
      if (opcode === 8) throw new Error("server closed the connection");
      this.#skip = len7 < 126 ? len7 : len7 === 126 ? this.#head.readUInt16BE(2) : this.#head.readUInt32BE(2) * 2 ** 32 + this.#head.readUInt32BE(6);
      this.#have = 0;
      if (this.#skip === 0) this.#frameEnd();
    }
  }

  #frameEnd(): void {
    if (this.#data && this.#fin) {
      this.messages++;
      this.onMessage?.();
    }
  }
}

/**
 * Every socket reads into this one buffer (`onread`), and a read's bytes are handled before its
 * callback returns, so one buffer serves them all. Node's default, a new 64 KiB buffer for each
 * read, left the generator streaming 1 MiB messages at 0.87-0.96 of its core, as busy as the
 * servers it measures; with this buffer, 0.70-0.86 (bench/README.md, Method).
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Where a connection's reads go: the bytes `buf[from .. end)`, valid only during the call. */
type Sink = (buf: Buffer, from: number, end: number) => void;

/** An upgraded connection; its reads wait (copied) until {@link Conn.read} names their sink. */
class Conn {
  #sink: Sink | null = null;
  #early: Buffer[] = [];

  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  feed(buf: Buffer, from: number, end: number): void {
    if (this.#sink !== null) this.#sink(buf, from, end);
    else if (end > from) this.#early.push(Buffer.from(buf.subarray(from, end)));
  }

  /** Hands what arrived since the upgrade to `sink`, and every later read. */
  read(sink: Sink): void {
    this.#sink = sink;
    for (const b of this.#early) sink(b, 0, b.length);
    this.#early = [];
  }
}

/** Connect and upgrade; resolves once the 101's head is read. */
function upgrade(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let conn: Conn | null = null;
    let buffered: Buffer = Buffer.alloc(0);
    const onHandshake = (chunk: Buffer): void => {
      // Copied out of the shared buffer: the head may take more than one read.
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buffered.subarray(0, end).toString("latin1");
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
      if (offer !== null && !/sec-websocket-extensions:\s*permessage-deflate/i.test(head)) return reject(new Error("permessage-deflate not accepted"));
      conn = new Conn(socket);
      conn.feed(buffered, end + 4, buffered.length);
      resolve(conn);
    };
    const socket = connect({
      port,
      host: "127.0.0.1",
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        // `false` would pause the socket.
        callback: (n: number, buf: Uint8Array): boolean => {
          if (conn !== null) conn.feed(buf as Buffer, 0, n);
          else onHandshake((buf as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    socket.once("error", reject);
    socket.write(request);
  });
}

/** Open `n` connections, at most `parallel` handshakes at a time. */
async function openMany(n: number, parallel = 128): Promise<Conn[]> {
  const out: Conn[] = new Array(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await upgrade();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return out;
}

function result(r: Record<string, unknown>): void {
  process.stdout.write(`result ${JSON.stringify(r)}\n`);
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface TimedWindow {
  readonly t0: number;
  readonly cpu0: NodeJS.CpuUsage;
}

/**
 * Opens the timed window. `window open` and `window close` on stdout let the orchestrator read the
 * server's CPU time over the same span (run.ts reports both shares).
 */
function openWindow(): TimedWindow {
  process.stdout.write("window open\n");
  return { t0: performance.now(), cpu0: process.cpuUsage() };
}

/** Closes it: its length, and this process's CPU time over it as a share of one core (near 1: the generator set the pace). */
function closeWindow(w: TimedWindow): { ms: number; loadgenCpu: number } {
  const ms = performance.now() - w.t0;
  const d = process.cpuUsage(w.cpu0);
  process.stdout.write("window close\n");
  return { ms, loadgenCpu: (d.user + d.system) / 1000 / ms };
}

async function echo(): Promise<void> {
  const opcode = kind === "binary" ? 2 : 1;
  const refill = Math.max(1, Math.floor(depth / 4));
  const { bytes, frameLength } = frames(depth, size, opcode);
  const sockets = await openMany(conns);
  const latencies = new Float64Array(8_000_000);
  let nLat = 0;
  let counting = false;
  let stopped = false;
  let messages = 0;
  for (const conn of sockets) {
    const { socket } = conn;
    const sent = new Float64Array(depth);
    let head = 0;
    let tail = 0;
    let now = 0;
    const counter = new FrameCounter();
    counter.onMessage = () => {
      const t = sent[head]!;
      head = (head + 1) % depth;
      if (counting) {
        messages++;
        if (t >= 0 && nLat < latencies.length) latencies[nLat++] = now - t;
      }
    };
    const send = (k: number): void => {
      const stamp = counting ? now : -1;
      for (let i = 0; i < k; i++) {
        sent[tail] = stamp;
        tail = (tail + 1) % depth;
      }
      socket.write(bytes.subarray(0, k * frameLength));
    };
    // Echoes not yet answered with new messages: refilled in batches of a quarter of the depth,
    // so that the generator makes fewer, larger writes (it is the first to saturate otherwise).
    let owed = 0;
    now = performance.now();
    conn.read((buf, from, end) => {
      now = performance.now();
      const before = counter.messages;
      counter.push(buf, from, end);
      owed += counter.messages - before;
      if (owed >= refill && !stopped) {
        send(owed);
        owed = 0;
      }
    });
    socket.on("error", () => {});
    send(depth);
  }
  await new Promise((r) => setTimeout(r, warmup));
  counting = true;
  const span = openWindow();
  await new Promise((r) => setTimeout(r, duration));
  counting = false;
  const { ms: elapsed, loadgenCpu } = closeWindow(span);
  stopped = true;
  for (const { socket } of sockets) socket.destroy();
  const lat = latencies.subarray(0, nLat).sort();
  result({ mode, conns, depth, size, kind, deflate, messages, seconds: elapsed / 1000, msgsPerSec: messages / (elapsed / 1000), p50ms: percentile(lat, 0.5), p99ms: percentile(lat, 0.99), loadgenCpu });
}

async function stream(): Promise<void> {
  const { bytes, frameLength } = frames(depth, size, 2);
  const conn = (await openMany(1))[0]!;
  const { socket } = conn;
  const counter = new FrameCounter();
  let stopped = false;
  counter.onMessage = () => {
    if (!stopped) socket.write(bytes.subarray(0, frameLength));
  };
  conn.read((buf, from, end) => counter.push(buf, from, end));
  socket.on("error", () => {});
  socket.write(bytes);
  await new Promise((r) => setTimeout(r, warmup));
  const b0 = counter.payloadBytes;
  const m0 = counter.messages;
  const span = openWindow();
  await new Promise((r) => setTimeout(r, duration));
  const { ms, loadgenCpu } = closeWindow(span);
  const elapsed = ms / 1000;
  const payload = counter.payloadBytes - b0;
  stopped = true;
  socket.destroy();
  result({ mode, size, depth, messages: counter.messages - m0, seconds: elapsed, msgsPerSec: (counter.messages - m0) / elapsed, mbPerSec: payload / elapsed / 1e6, loadgenCpu });
}

async function handshake(): Promise<void> {
  let counting = false;
  let done = 0;
  let failed = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const { socket } = await upgrade();
        socket.on("error", () => {});
        socket.destroy();
        if (counting) done++;
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  const workers = Array.from({ length: conns }, worker);
  await new Promise((r) => setTimeout(r, warmup));
  counting = true;
  const span = openWindow();
  await new Promise((r) => setTimeout(r, duration));
  counting = false;
  const { ms, loadgenCpu } = closeWindow(span);
  const elapsed = ms / 1000;
  stop = true;
  await Promise.all(workers);
  result({ mode, conns, handshakes: done, failed, seconds: elapsed, perSec: done / elapsed, loadgenCpu });
}

async function idle(): Promise<void> {
  const sockets = await openMany(conns);
  if (withMessage) {
    const { bytes } = frames(1, 1024, 1);
    await Promise.all(
      sockets.map(
        (conn) =>
          new Promise<void>((resolve) => {
            const counter = new FrameCounter();
            counter.onMessage = resolve;
            conn.read((buf, from, end) => counter.push(buf, from, end));
            conn.socket.write(bytes);
          }),
      ),
    );
  }
  for (const { socket } of sockets) socket.on("error", () => {});
  process.stdout.write(`connected ${sockets.length}\n`);
  const hold = setTimeout(() => {}, 600_000);
  createInterface({ input: process.stdin }).on("close", () => {
    clearTimeout(hold);
    for (const { socket } of sockets) socket.destroy();
    process.exit(0);
  });
}

const modes: Record<string, () => Promise<void>> = { echo, stream, handshake, idle };
const run = modes[mode];
if (run === undefined) throw new Error(`unknown --mode ${mode}`);
await run();
if (mode !== "idle") process.exit(0);
