/**
 * Load and faults against the Node server adapter, on 127.0.0.1, bounded in counts and seconds
 * (about 30-60 s; kept out of the default test run).
 *
 * 1. Load: CONNECTIONS clients (default 2000) hold their connections for HOLD seconds with
 *    traffic both ways (each sends numbered messages, the server echoes them); every message must
 *    come back, once, in order. The server's memory per connection is reported.
 * 2. Faults, while GOOD clients keep echoing: clients that vanish mid-message, reset their
 *    connections, stall reading while asking for echoes (the server must not buffer without
 *    bound), send byte by byte, or never finish the handshake. The good clients must be served
 *    throughout, and the server's memory must return to its baseline afterwards.
 *
 * Run: pnpm --filter @wsengine/conformance load   (CONNECTIONS=5000 HOLD=10 ... to scale)
 * Exit status 1 when a check fails. The server runs in a child process so its memory is its own.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { ClientConnection, type ConnectionEvent } from "@wsengine/core";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 2000);
const HOLD_SECONDS = Number(process.env.HOLD ?? 5);
const MESSAGE_INTERVAL_MS = Number(process.env.INTERVAL ?? 500);
const GOOD = Number(process.env.GOOD ?? 50);
const FAULTY = Number(process.env.FAULTY ?? 200);
const MiB = 1024 * 1024;

const failures: string[] = [];
const check = (ok: boolean, message: string): void => {
  if (!ok) failures.push(message);
  console.log(`${ok ? "ok  " : "FAIL"} ${message}`);
};

// --- the server ---

const child = fork(fileURLToPath(new URL("../fixtures/load-server.ts", import.meta.url)), [], { execArgv: ["--expose-gc", "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
const [ready] = (await once(child, "message")) as [{ port: number }];
const port = ready.port;
interface Memory { rss: number; heapUsed: number; arrayBuffers: number; external: number; clients: number }
async function serverMemory(): Promise<Memory> {
  child.send("memory");
  for (;;) {
    const [m] = (await once(child, "message")) as [Memory & { type: string }];
    if (m.type === "memory") return m;
  }
}
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- a light client: core over a raw socket ---

class Client {
  readonly socket: Socket;
  readonly conn = new ClientConnection({ host: "127.0.0.1", port });
  readonly received: string[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  sent = 0;
  #open!: () => void;
  #fail!: (e: Error) => void;
  #closed!: () => void;
  isClosed = false;
  readonly id: number;

  constructor(id: number, options: { read?: boolean } = {}) {
    this.id = id;
    this.socket = connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.opened = new Promise((resolve, reject) => ((this.#open = resolve), (this.#fail = reject)));
    this.closed = new Promise((resolve) => (this.#closed = resolve));
    this.opened.catch(() => {});
    this.socket.on("connect", () => this.flush());
    this.socket.on("data", (chunk) => this.handle(this.conn.receive(chunk)));
    this.socket.on("end", () => this.handle(this.conn.receiveEof()));
    this.socket.on("error", () => this.handle(this.conn.receiveEof()));
    this.socket.on("close", () => {
      this.handle(this.conn.receiveEof());
      this.#fail(new Error("closed before open"));
    });
    if (options.read === false) this.socket.pause();
  }

  handle(events: ConnectionEvent[]): void {
    for (const ev of events) {
      if (ev.type === "open") this.#open();
      else if (ev.type === "text") this.received.push(ev.data);
      else if (ev.type === "closed") {
        this.isClosed = true;
        this.#closed();
      }
    }
    this.flush();
  }

  flush(): void {
    for (const b of this.conn.takeOutgoing()) this.socket.write(b);
    if (this.conn.outgoingEnded) this.socket.end();
  }

  send(padding = 32): void {
    if (this.conn.state !== "open") return;
    this.conn.sendText(`${this.id}:${this.sent++}:${"x".repeat(padding)}`);
    this.flush();
  }

  /** Whether every message sent came back once, in order. */
  verify(): string | null {
    if (this.received.length !== this.sent) return `client ${this.id}: ${this.received.length} of ${this.sent} echoes`;
    for (let i = 0; i < this.received.length; i++) if (!this.received[i]!.startsWith(`${this.id}:${i}:`)) return `client ${this.id}: echo ${i} is ${this.received[i]!.slice(0, 20)}`;
    return null;
  }

  close(): void {
    if (this.conn.state === "open") this.conn.close(1000);
    this.flush();
  }
}

async function openMany(count: number, from: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, k) => new Client(from + i + k));
    await Promise.all(batch.map((c) => c.opened));
    clients.push(...batch);
  }
  return clients;
}

const started = Date.now();
const baseline = await serverMemory();
console.log(`server baseline: rss ${mib(baseline.rss)}, heap ${mib(baseline.heapUsed)}, buffers ${mib(baseline.arrayBuffers)}`);

// --- 1. load ---

const load = await openMany(CONNECTIONS, 0);
check(load.length === CONNECTIONS, `${CONNECTIONS} connections open in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const holdUntil = Date.now() + HOLD_SECONDS * 1000;
while (Date.now() < holdUntil) {
  for (const c of load) c.send();
  await sleep(MESSAGE_INTERVAL_MS);
}
await sleep(500);
const loaded = await serverMemory();
check(loaded.clients === CONNECTIONS, `the server holds ${loaded.clients} connections`);
const perConnection = (k: keyof Memory): string => `${((loaded[k] - baseline[k]) / CONNECTIONS / 1024).toFixed(1)} KiB`;
console.log(`memory per connection (server, after GC): rss ${perConnection("rss")}, heap ${perConnection("heapUsed")}, buffers ${perConnection("arrayBuffers")}`);
const sentTotal = load.reduce((n, c) => n + c.sent, 0);
const lost = load.map((c) => c.verify()).filter((v) => v !== null);
check(lost.length === 0, `${sentTotal} messages echoed, none lost or reordered${lost.length > 0 ? `: ${lost.slice(0, 3).join("; ")}` : ""}`);
for (const c of load) c.close();
await Promise.race([Promise.all(load.map((c) => c.closed)), sleep(10_000)]);
check(load.every((c) => c.isClosed), "every load connection closed cleanly");

// --- 2. faults, with good clients served throughout ---

const good = await openMany(GOOD, 1_000_000);
let serving = true;
const traffic = (async () => {
  while (serving) {
    for (const c of good) c.send();
    await sleep(50);
  }
})();
const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

// a. Vanish mid-message: half of a 10 KiB frame, then the socket is destroyed.
const vanish = await openMany(FAULTY, 2_000_000);
for (const c of vanish) {
  c.conn.sendText("v".repeat(10 * 1024));
  const [frame] = c.conn.takeOutgoing();
  c.socket.write(frame!.subarray(0, frame!.length >> 1));
  c.socket.destroy();
}
// b. Reset: a message, then RST.
const resets = await openMany(FAULTY, 3_000_000);
for (const c of resets) {
  c.send();
  c.socket.resetAndDestroy();
}
// c. Stall reading while asking for 8 MiB of echoes each: the server must not buffer it all.
const stalled = await openMany(20, 4_000_000);
for (const c of stalled) c.socket.pause();
for (let i = 0; i < 2000; i++) for (const c of stalled) c.send(4096);
await sleep(2000);
const duringStall = await serverMemory();
const stallGrowth = duringStall.arrayBuffers + duringStall.heapUsed - (baseline.arrayBuffers + baseline.heapUsed);
check(stallGrowth < 20 * 4 * MiB, `20 stalled readers asking for 160 MiB of echoes grow the server by ${mib(stallGrowth)} (bounded by maxBufferedAmount and the receive high-water mark)`);
for (const c of stalled) c.socket.destroy();
// d. Byte by byte: a 1 KiB message one byte per write.
const slow = await openMany(20, 5_000_000);
await Promise.all(
  slow.map(async (c) => {
    c.conn.sendText(`${c.id}:0:${"b".repeat(1024)}`);
    c.sent = 1;
    const bytes = Buffer.concat(c.conn.takeOutgoing());
    for (let i = 0; i < bytes.length; i++) {
      c.socket.write(bytes.subarray(i, i + 1));
      if (i % 64 === 0) await sleep(1);
    }
  }),
);
await sleep(500);
check(slow.every((c) => c.verify() === null), "messages sent one byte at a time are echoed whole");
for (const c of slow) c.close();
// e. Never finish the handshake: the server's handshake timeout (1 s) ends them.
const slowloris: Socket[] = [];
for (let i = 0; i < FAULTY; i++) {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => {});
  s.write(request.slice(0, 40));
  slowloris.push(s);
}
const slowlorisClosed = Promise.all(slowloris.map((s) => once(s, "close")));
const ended = await Promise.race([slowlorisClosed.then(() => true), sleep(5000).then(() => false)]);
check(ended, `${FAULTY} unfinished handshakes were closed by the server within 5 s`);

serving = false;
await traffic;
await sleep(300);
const goodProblems = good.map((c) => c.verify()).filter((v) => v !== null);
check(goodProblems.length === 0, `${GOOD} good clients were served throughout the faults (${good.reduce((n, c) => n + c.sent, 0)} echoes)${goodProblems.length > 0 ? `: ${goodProblems.slice(0, 3).join("; ")}` : ""}`);
for (const c of good) c.close();
await Promise.race([Promise.all(good.map((c) => c.closed)), sleep(5000)]);
for (const s of slowloris) s.destroy();

// --- memory back to its baseline ---

await sleep(2500); // close timeouts (1 s) of the connections that vanished
const after = await serverMemory();
check(after.clients === 0, `no connection left on the server (${after.clients})`);
const residue = after.arrayBuffers + after.heapUsed - (baseline.arrayBuffers + baseline.heapUsed);
check(residue < 8 * MiB, `server memory back to its baseline: ${mib(residue)} above it (heap ${mib(after.heapUsed)}, buffers ${mib(after.arrayBuffers)}, rss ${mib(after.rss)})`);

child.send("stop");
await once(child, "exit");
console.log(`${failures.length === 0 ? "all checks passed" : `${failures.length} check(s) failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures.length === 0 ? 0 : 1);
