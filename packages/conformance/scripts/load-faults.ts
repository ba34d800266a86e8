/**
 * Load and faults against the server adapters (Node, Deno, Bun), on 127.0.0.1, bounded in counts
 * and seconds (about 15-20 s per server; kept out of the default test run).
 *
 * 1. Load: CONNECTIONS clients (default 2000) hold their connections for HOLD seconds with
 *    traffic both ways (each sends numbered messages, the server echoes them); every message must
 *    come back, once, in order. The server's memory per connection is reported.
 * 2. Faults, while GOOD clients keep echoing: clients that vanish mid-message, reset their
 *    connections, stall reading while asking for echoes (the server must not buffer without
 *    bound), send byte by byte, or never finish the handshake. The good clients must be served
 *    throughout, and the server's memory must return to its baseline afterwards.
 *
 * Run: pnpm --filter @wsengine/conformance load [--server node|deno|bun|all]   (default all;
 * CONNECTIONS=5000 HOLD=10 ... to scale). Each server runs in a process of its own, so that its
 * memory is its own: the server factory (fixtures/server-factory/) on Node, or on the npm deno
 * and bun binaries, started with the adapter suite's peer machinery; it reports its memory after
 * full GCs over stdin. Exit status 1 when a check fails or a server could not be started (a
 * missing runtime binary is reported, never passed over), 2 for a usage error.
 */
import { connect, type Socket } from "node:net";
import { ClientConnection, type ConnectionEvent } from "@wsengine/core";
// The adapter suite is private and not a dependency of this package: its Node-side helpers are imported by path.
import { findRuntime, killChildren, type PeerProcess, startPeer, startPeerProcess } from "../../adapter-suite/src/node/index.js";
import type { FactoryServerOptions, Memory } from "../fixtures/server-factory/control.js";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 2000);
const HOLD_SECONDS = Number(process.env.HOLD ?? 5);
const MESSAGE_INTERVAL_MS = Number(process.env.INTERVAL ?? 500);
const GOOD = Number(process.env.GOOD ?? 50);
const FAULTY = Number(process.env.FAULTY ?? 200);
const MiB = 1024 * 1024;

type ServerName = "node" | "deno" | "bun";
const SERVERS: readonly ServerName[] = ["node", "deno", "bun"];

const argv = process.argv.slice(2);
const serverArg = argv.indexOf("--server") === -1 ? "all" : argv[argv.indexOf("--server") + 1];
if (serverArg !== "all" && !SERVERS.includes(serverArg as ServerName)) {
  console.error(`usage: load-faults.ts [--server node|deno|bun|all]  (got ${String(serverArg)})`);
  process.exit(2);
}
const selected: readonly ServerName[] = serverArg === "all" ? SERVERS : [serverArg as ServerName];

/** The load server: an echo; a reader that stalls may hold at most 1 MiB of our echoes before it is failed (1008). */
const LOAD_SERVER: FactoryServerOptions = { closeTimeout: 1000, handshakeTimeout: 1000, maxBufferedAmount: 1024 * 1024 };
const FIXTURES = "packages/conformance/fixtures/server-factory";

/** Start `name`'s server factory with {@link LOAD_SERVER}; resolves with why it cannot run instead, when it cannot. */
async function startServer(name: ServerName): Promise<PeerProcess | string> {
  const args = [JSON.stringify(LOAD_SERVER)];
  if (name === "node") return startPeerProcess(process.execPath, ["--expose-gc", "--import", "tsx", `${FIXTURES}/node.ts`, ...args], "the node server", { control: true });
  const binary = findRuntime(name);
  if (binary.path === null) return `${name} unavailable: ${binary.reason}`;
  return startPeer(name, binary.path, `${FIXTURES}/${name}.ts`, { args, flags: name === "deno" ? ["--v8-flags=--expose-gc"] : [], control: true });
}

/** Checks of one server's run; a run that overran its deadline keeps writing to its own list only. */
type Check = (ok: boolean, message: string) => void;
function checker(failures: string[], live: () => boolean): Check {
  return (ok, message) => {
    if (!live()) return;
    if (!ok) failures.push(message);
    console.log(`${ok ? "ok  " : "FAIL"} ${message}`);
  };
}
/** Longest run per server, whatever hangs. */
const DEADLINE_MS = (60 + HOLD_SECONDS) * 1000;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- a light client: core over a raw socket ---

class Client {
  readonly socket: Socket;
  readonly conn: ClientConnection;
  readonly received: string[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  sent = 0;
  #open!: () => void;
  #fail!: (e: Error) => void;
  #closed!: () => void;
  isClosed = false;
  readonly id: number;

  constructor(port: number, id: number, options: { read?: boolean } = {}) {
    this.id = id;
    this.conn = new ClientConnection({ host: "127.0.0.1", port });
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

async function openMany(port: number, count: number, from: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, k) => new Client(port, from + i + k));
    await Promise.all(batch.map((c) => c.opened));
    clients.push(...batch);
  }
  return clients;
}

/** Every check against one server, through `check`; returns how long it took. */
async function run(server: PeerProcess, check: Check): Promise<number> {
  const port = Number(new URL(server.url).port);
  const serverMemory = async (settle = 0): Promise<Memory> => {
    const reply = (await server.request({ op: "memory", settle }, 30_000)) as Memory & { error?: string };
    if (reply.error !== undefined) throw new Error(`the server could not measure its memory: ${reply.error}`);
    return reply;
  };
  const started = Date.now();
  const baseline = await serverMemory();
  console.log(`server baseline (${baseline.runtime}): rss ${mib(baseline.rss)}, JS heap and buffers ${mib(baseline.retained)} (heap ${mib(baseline.heapUsed)})`);

  // --- 1. load ---

  const load = await openMany(port, CONNECTIONS, 0);
  check(load.length === CONNECTIONS, `${CONNECTIONS} connections open in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const holdUntil = Date.now() + HOLD_SECONDS * 1000;
  while (Date.now() < holdUntil) {
    for (const c of load) c.send();
    await sleep(MESSAGE_INTERVAL_MS);
  }
  await sleep(500);
  const loaded = await serverMemory();
  check(loaded.clients === CONNECTIONS, `the server holds ${loaded.clients} connections`);
  const perConnection = (k: "rss" | "retained" | "heapUsed"): string => `${((loaded[k] - baseline[k]) / CONNECTIONS / 1024).toFixed(1)} KiB`;
  console.log(`memory per connection (server, after GC): rss ${perConnection("rss")}, JS heap and buffers ${perConnection("retained")} (heap ${perConnection("heapUsed")})`);
  const sentTotal = load.reduce((n, c) => n + c.sent, 0);
  const lost = load.map((c) => c.verify()).filter((v) => v !== null);
  check(lost.length === 0, `${sentTotal} messages echoed, none lost or reordered${lost.length > 0 ? `: ${lost.slice(0, 3).join("; ")}` : ""}`);
  for (const c of load) c.close();
  await Promise.race([Promise.all(load.map((c) => c.closed)), sleep(10_000)]);
  check(load.every((c) => c.isClosed), "every load connection closed cleanly");

  // --- 2. faults, with good clients served throughout ---

  const good = await openMany(port, GOOD, 1_000_000);
  let serving = true;
  const traffic = (async () => {
    while (serving) {
      for (const c of good) c.send();
      await sleep(50);
    }
  })();
  const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

  // a. Vanish mid-message: half of a 10 KiB frame, then the socket is destroyed.
  const vanish = await openMany(port, FAULTY, 2_000_000);
  for (const c of vanish) {
    c.conn.sendText("v".repeat(10 * 1024));
    const [frame] = c.conn.takeOutgoing();
    c.socket.write(frame!.subarray(0, frame!.length >> 1));
    c.socket.destroy();
  }
  // b. Reset: a message, then RST.
  const resets = await openMany(port, FAULTY, 3_000_000);
  for (const c of resets) {
    c.send();
    c.socket.resetAndDestroy();
  }
  // c. Stall reading while asking for 8 MiB of echoes each: the server must not buffer it all.
  const stalled = await openMany(port, 20, 4_000_000);
  for (const c of stalled) c.socket.pause();
  for (let i = 0; i < 2000; i++) for (const c of stalled) c.send(4096);
  await sleep(2000);
  const duringStall = await serverMemory();
  const stallGrowth = duringStall.retained - baseline.retained;
  check(stallGrowth < 20 * 4 * MiB, `20 stalled readers asking for 160 MiB of echoes grow the server by ${mib(stallGrowth)} (bounded by maxBufferedAmount and the receive high-water mark)`);
  for (const c of stalled) c.socket.destroy();
  // d. Byte by byte: a 1 KiB message one byte per write.
  const slow = await openMany(port, 20, 5_000_000);
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
  // Closed with a FIN or a reset (Bun's terminate() resets): either ends them. (events.once would reject on the reset.)
  const slowlorisClosed = Promise.all(slowloris.map((s) => new Promise((resolve) => s.once("close", resolve))));
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
  const after = await serverMemory(5000);
  check(after.clients === 0, `no connection left on the server (${after.clients})`);
  const residue = after.retained - baseline.retained;
  check(residue < 8 * MiB, `server memory back to its baseline: ${mib(residue)} above it (JS heap and buffers ${mib(after.retained)}, heap ${mib(after.heapUsed)}, rss ${mib(after.rss)})`);
  return Date.now() - started;
}

// --- each server in turn ---

const summary: string[] = [];
for (const name of selected) {
  console.log(`\n== ${name} server`);
  let server: PeerProcess | string;
  try {
    server = await startServer(name);
  } catch (error) {
    server = `could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (typeof server === "string") {
    console.log(`FAIL ${name} server not tested: ${server}`);
    summary.push(`${name}: NOT RUN (${server.split("\n")[0]})`);
    continue;
  }
  console.log(`${String(server.announcement.runtime)} at ${server.url}`);
  const failures: string[] = [];
  let live = true;
  const check = checker(failures, () => live);
  let timer: NodeJS.Timeout | undefined;
  try {
    const ms = await Promise.race([
      run(server, check),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS))),
    ]);
    console.log(`${failures.length === 0 ? "all checks passed" : `${failures.length} check(s) failed`} in ${(ms / 1000).toFixed(1)} s`);
  } catch (error) {
    check(false, `the run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${server.stderr()}`);
  } finally {
    clearTimeout(timer);
    live = false;
  }
  server.stop();
  summary.push(`${name}: ${failures.length === 0 ? "all checks passed" : `${failures.length} check(s) failed`}`);
}
killChildren();
const passed = summary.every((line) => line.endsWith("all checks passed"));
console.log(`\n${summary.join("; ")}`);
process.exit(passed ? 0 : 1);
