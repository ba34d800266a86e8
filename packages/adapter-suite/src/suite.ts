/**
 * The adapter suite: one list of cases every runtime runs unchanged against its own adapter,
 * server and client both on the runtime under test. Grouped like the issue that asked for it:
 * handshake, echo, compression, ping, close codes both ways, abrupt disconnects, backpressure
 * with a slow reader, TLS, the WHATWG client, the runtime's own WebSocket, shutdown.
 */
import { permessageDeflate, type UpgradeRequest } from "@wsengine/core";
import { HandshakeRejectedError, type Message, type UpgradeDecision, WebSocketError, type WebSocketSession } from "@wsengine/session";
import { assert, assertBytes, assertEqual, pattern, sleep, until, within } from "./assert.js";
import type { Harness, SuiteClientOptions, SuiteServer, SuiteServerOptions, WebSocketLike } from "./harness.js";
import type { Case, Scope } from "./runner.js";

const BIG = 8 << 20;
const REPLY_TIMEOUT = 10_000;

// --- helpers ---

interface Setup {
  readonly server: SuiteServer;
  /** The server's side of the next connection. */
  readonly accepted: () => Promise<WebSocketSession>;
}

async function startServer(h: Harness, scope: Scope, options: SuiteServerOptions = {}, echo = true): Promise<Setup> {
  const waiting: Array<(session: WebSocketSession) => void> = [];
  const ready: WebSocketSession[] = [];
  const server = await h.listen({
    ...options,
    onConnection: (session, request) => {
      if (echo) session.on("message", (m) => void session.send(m).catch(() => {}));
      options.onConnection?.(session, request);
      const next = waiting.shift();
      if (next !== undefined) next(session);
      else ready.push(session);
    },
  });
  scope.defer(() => server.close({ timeout: 200 }));
  const accepted = (): Promise<WebSocketSession> => {
    const session = ready.shift();
    return within(session !== undefined ? Promise.resolve(session) : new Promise((resolve) => waiting.push(resolve)), REPLY_TIMEOUT, "server connection");
  };
  return { server, accepted };
}

async function client(h: Harness, scope: Scope, url: string, options?: SuiteClientOptions): Promise<WebSocketSession> {
  const session = await within(h.connect(url, options), REPLY_TIMEOUT, `connect to ${url}`);
  scope.defer(() => session.terminate());
  return session;
}

async function roundTrip(session: WebSocketSession, message: Message): Promise<Message> {
  const reply = new Promise<Message>((resolve) => session.once("message", resolve));
  await session.send(message);
  return within(reply, REPLY_TIMEOUT, "echo");
}

function checkEcho(actual: Message, expected: Message, what: string): void {
  if (typeof expected === "string") assertEqual(actual, expected, what);
  else assertBytes(actual, expected, what);
}

/** Messages of `size` bytes whose content says which one they are. */
function numbered(index: number, size: number): Uint8Array {
  const bytes = pattern(size, index);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

/** Wait until `progress()` stops moving for 100 ms: the sender is held back by TCP. */
async function stalled(progress: () => number): Promise<void> {
  const deadline = performance.now() + REPLY_TIMEOUT;
  for (let last = -1; progress() !== last; ) {
    assert(performance.now() < deadline, `the producer never stalled (${progress()} sent)`);
    last = progress();
    await sleep(100);
  }
}

function nextEvent<T>(ws: WebSocketLike, type: string): Promise<T> {
  return within(new Promise<T>((resolve) => ws.addEventListener(type, (event) => resolve(event as unknown as T))), REPLY_TIMEOUT, `${type} event`);
}

const TEXTS: readonly string[] = ["", "hello", "héllo wörld ✓ 日本語 🎉 👩‍👩‍👧", "x".repeat(70_000), "ü".repeat(100_000)];
const SIZES: readonly number[] = [0, 1, 125, 126, 127, 65_535, 65_536, 1 << 20, 6 << 20];

// --- cases ---

/** The suite's cases for `h`. Names are the same on every runtime. */
export function adapterCases(h: Harness): Case[] {
  return [
    {
      name: "handshake: negotiates a subprotocol and passes path, query and headers to the server",
      async run(scope) {
        let seen: UpgradeRequest | undefined;
        const { server } = await startServer(h, scope, {
          onUpgrade: (request) => {
            seen = request;
            return { action: "accept", protocol: request.protocols.includes("v2") ? "v2" : null };
          },
        });
        const ws = await client(h, scope, `${server.url}/room/1?user=ada`, { protocols: ["v1", "v2"], headers: [["X-Suite", "yes ✓".replace("✓", "ok")]] });
        assertEqual(ws.protocol, "v2", "negotiated subprotocol");
        assertEqual(ws.readyState, 1, "readyState");
        assert(seen !== undefined, "the upgrade hook ran");
        assertEqual([seen.path, seen.query, seen.headers.get("x-suite")], ["/room/1", "?user=ada", "yes ok"], "request seen by the server");
      },
    },
    {
      // Longer than an adapter's first read may be (Deno's starts at 1 KiB): the head arrives in
      // pieces, and nothing of it may be lost or cut.
      name: "handshake: a request head of 9 KiB (a long cookie) opens, and the header arrives whole",
      async run(scope) {
        const cookie = Array.from({ length: 300 }, (_, i) => `c${i}=${"v".repeat(24)}`).join("; ");
        let seen: string | undefined;
        const { server } = await startServer(h, scope, {
          onUpgrade: (request) => {
            seen = request.headers.get("cookie");
            return { action: "accept" };
          },
        });
        const ws = await client(h, scope, server.url, { headers: [["Cookie", cookie]] });
        assertEqual(ws.readyState, 1, "readyState");
        assertEqual(seen?.length, cookie.length, "cookie length seen by the server");
        assert(seen === cookie, "the cookie arrived byte for byte");
        assertEqual(await roundTrip(ws, "after the long head"), "after the long head", "echo after the long head");
      },
    },
    {
      name: "handshake: a rejecting upgrade hook reaches the client with status, headers and body",
      async run(scope) {
        const { server } = await startServer(h, scope, {
          onUpgrade: () => ({ action: "reject", status: 401, headers: [["WWW-Authenticate", 'Bearer realm="suite"']], body: "token required" }),
        });
        const error = await within(h.connect(server.url), REPLY_TIMEOUT, "rejection").then(
          () => null,
          (e: unknown) => e,
        );
        assert(error instanceof HandshakeRejectedError, `expected HandshakeRejectedError, got ${String(error)}`);
        assertEqual(error.status, 401, "status");
        assertEqual(error.headers.get("www-authenticate"), 'Bearer realm="suite"', "WWW-Authenticate");
        assertEqual(new TextDecoder().decode(error.body), "token required", "body");
      },
    },
    {
      name: "handshake: a refused connection rejects with TRANSPORT_ERROR",
      async run(scope) {
        const { server } = await startServer(h, scope);
        await server.close({ timeout: 100 });
        const error = await within(h.connect(server.url), REPLY_TIMEOUT, "refusal").then(
          () => null,
          (e: unknown) => e,
        );
        assert(error instanceof WebSocketError, `expected a WebSocketError, got ${String(error)}`);
        assertEqual(error.code, "TRANSPORT_ERROR", "error code");
      },
    },
    {
      name: "echo: text from empty to 100,000 characters, multibyte included",
      async run(scope) {
        const { server } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        for (const text of TEXTS) checkEcho(await roundTrip(ws, text), text, `text of ${text.length} chars`);
      },
    },
    {
      name: "echo: binary with every byte value from 0 B to 6 MiB",
      timeout: 30_000,
      async run(scope) {
        const { server } = await startServer(h, scope, { maxMessageSize: BIG });
        const ws = await client(h, scope, server.url, { maxMessageSize: BIG });
        for (const size of SIZES) checkEcho(await roundTrip(ws, pattern(size, size)), pattern(size, size), `${size} bytes`);
      },
    },
    {
      name: "echo: 1000 messages sent at once come back in order",
      async run(scope) {
        const { server } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        const got: Message[] = [];
        ws.on("message", (m) => got.push(m));
        for (let i = 0; i < 1000; i++) void ws.send(i % 2 === 0 ? `message ${i}` : numbered(i, 4 + (i % 300)));
        await until(() => got.length === 1000, REPLY_TIMEOUT, "1000 echoes");
        got.forEach((m, i) => checkEcho(m, i % 2 === 0 ? `message ${i}` : numbered(i, 4 + (i % 300)), `message ${i}`));
      },
    },
    {
      name: "compression: permessage-deflate is negotiated and text and binary round-trip",
      timeout: 30_000,
      async run(scope) {
        const { server, accepted } = await startServer(h, scope, { extensions: [permessageDeflate()], maxMessageSize: BIG });
        const ws = await client(h, scope, server.url, { extensions: [permessageDeflate()], maxMessageSize: BIG });
        assertEqual(ws.extensions, ["permessage-deflate"], "client extensions");
        assertEqual((await accepted()).extensions, ["permessage-deflate"], "server extensions");
        const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user ${i}`, tags: ["a", "b", "ü"] })));
        for (const message of [json, json, "short", pattern(100_000, 3), pattern(3 << 20, 4), new Uint8Array(1 << 20)]) {
          checkEcho(await roundTrip(ws, message), message, `compressed ${typeof message === "string" ? "text" : "binary"} of ${message.length}`);
        }
      },
    },
    {
      name: "ping: ping() resolves with the round-trip time and the peer sees the payload",
      async run(scope) {
        const { server, accepted } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        const serverSide = await accepted();
        const pings: Uint8Array[] = [];
        serverSide.on("ping", (data) => pings.push(data));
        const rtt = await within(ws.ping(), REPLY_TIMEOUT, "pong");
        assert(typeof rtt === "number" && rtt >= 0, `round trip ${rtt}`);
        await until(() => pings.length === 1, REPLY_TIMEOUT, "server saw the ping");
        assertEqual(pings[0]!.length > 0, true, "ping payload");
        // And the other way round.
        await within(serverSide.ping(), REPLY_TIMEOUT, "pong from the client");
      },
    },
    {
      name: "close: a client's close code and reason reach the server, clean on both ends",
      async run(scope) {
        const { server, accepted } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        const serverSide = await accepted();
        const info = await within(ws.close(4001, "client says bye ✓"), REPLY_TIMEOUT, "client close");
        assertEqual([info.code, info.reason, info.wasClean], [4001, "client says bye ✓", true], "client close info");
        const seen = await within(serverSide.closed, REPLY_TIMEOUT, "server close");
        assertEqual([seen.code, seen.reason, seen.wasClean], [4001, "client says bye ✓", true], "server close info");
      },
    },
    {
      name: "close: a server's close code and reason reach the client, clean on both ends",
      async run(scope) {
        const { server, accepted } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        const serverSide = await accepted();
        const info = await within(serverSide.close(4002, "server says bye"), REPLY_TIMEOUT, "server close");
        assertEqual([info.code, info.reason, info.wasClean], [4002, "server says bye", true], "server close info");
        const seen = await within(ws.closed, REPLY_TIMEOUT, "client close");
        assertEqual([seen.code, seen.reason, seen.wasClean], [4002, "server says bye", true], "client close info");
      },
    },
    {
      name: "disconnect: a client that vanishes is reported as 1006 on the server",
      async run(scope) {
        const { server, accepted } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        const serverSide = await accepted();
        ws.terminate();
        const seen = await within(serverSide.closed, REPLY_TIMEOUT, "server close");
        assertEqual([seen.code, seen.wasClean], [1006, false], "server close info");
        assertEqual((await ws.closed).code, 1006, "client close code");
      },
    },
    {
      name: "disconnect: a server that vanishes is reported as 1006 on the client",
      async run(scope) {
        const { server, accepted } = await startServer(h, scope);
        const ws = await client(h, scope, server.url);
        (await accepted()).terminate();
        const seen = await within(ws.closed, REPLY_TIMEOUT, "client close");
        assertEqual([seen.code, seen.wasClean], [1006, false], "client close info");
      },
    },
    {
      name: "backpressure: a slow reader holds back the server's send(), and every byte arrives in order",
      timeout: 30_000,
      async run(scope) {
        const { server, accepted } = await startServer(h, scope, {}, false);
        const ws = await client(h, scope, server.url, { receiveHighWaterMark: 64 * 1024 });
        const serverSide = await accepted();
        const count = 24;
        let sent = 0;
        const producer = (async () => {
          for (; sent < count; sent++) await serverSide.send(numbered(sent, 1 << 20));
        })();
        await until(() => ws.isPaused, REPLY_TIMEOUT, "client paused");
        await stalled(() => sent);
        assert(sent < count, `only part of the ${count} MiB went out (${sent})`);
        assert(serverSide.bufferedAmount > 0, "the server holds bytes");
        let received = 0;
        for await (const m of ws) {
          assertBytes(m, numbered(received, 1 << 20), `message ${received}`);
          if (++received === count) break;
        }
        await within(producer, REPLY_TIMEOUT, "producer");
      },
    },
    {
      name: "backpressure: a server that does not consume pauses reading and bounds its memory",
      timeout: 30_000,
      async run(scope) {
        const hwm = 256 * 1024;
        const { server, accepted } = await startServer(h, scope, { receiveHighWaterMark: hwm }, false);
        const ws = await client(h, scope, server.url);
        const serverSide = await accepted();
        const total = 1024;
        const size = 16 * 1024;
        let sent = 0;
        const producer = (async () => {
          for (; sent < total; sent++) await ws.send(numbered(sent, size));
        })();
        await until(() => serverSide.isPaused, REPLY_TIMEOUT, "server paused");
        await stalled(() => sent);
        // The read that crossed the mark is queued whole, with the start of a message that earlier
        // reads left in the parser; the pause holds back everything after it.
        const bound = hwm + h.largestRead + size;
        assert(serverSide.receivedAmount <= bound, `server queue ${serverSide.receivedAmount} bytes (bound ${bound})`);
        assert(sent < total, `the producer is held back (${sent} of ${total} sent)`);
        let received = 0;
        let peak = 0;
        for await (const m of serverSide) {
          peak = Math.max(peak, serverSide.receivedAmount);
          assertBytes(m, numbered(received, size), `message ${received}`);
          if (++received === total) break;
        }
        assert(peak <= bound, `peak queue ${peak} bytes (bound ${bound})`);
        await within(producer, REPLY_TIMEOUT, "producer");
      },
    },
    {
      name: "tls: wss:// with a test CA echoes text and 1 MiB of binary",
      requires: "tls",
      async run(scope) {
        const { server } = await startServer(h, scope, { tls: true, maxMessageSize: BIG });
        assert(server.url.startsWith("wss://"), `a wss:// URL: ${server.url}`);
        const ws = await client(h, scope, server.url, { maxMessageSize: BIG });
        checkEcho(await roundTrip(ws, "secure ✓"), "secure ✓", "text over TLS");
        checkEcho(await roundTrip(ws, pattern(1 << 20, 9)), pattern(1 << 20, 9), "1 MiB over TLS");
        const info = await within(ws.close(1000), REPLY_TIMEOUT, "close");
        assertEqual(info.wasClean, true, "clean close over TLS");
      },
    },
    {
      name: "tls: a client refuses a certificate it does not trust",
      requires: "tls",
      async run(scope) {
        const { server } = await startServer(h, scope, { tls: true });
        const error = await within(h.connect(server.url, { trustTestCa: false }), REPLY_TIMEOUT, "refusal").then(
          () => null,
          (e: unknown) => e,
        );
        assert(error instanceof WebSocketError, `expected a WebSocketError, got ${String(error)}`);
        assertEqual(error.code, "TRANSPORT_ERROR", "error code");
      },
    },
    {
      name: "whatwg: the adapter's WebSocket class talks to the adapter's server",
      async run(scope) {
        const { server } = await startServer(h, scope, { onUpgrade: chooseChat });
        const ws = h.createWebSocket(`${server.url}/whatwg`, ["chat"]);
        scope.defer(() => ws.close());
        await roundTripWhatwg(ws);
      },
    },
    {
      name: "builtin: the runtime's own WebSocket client talks to our server",
      requires: "builtinWebSocket",
      async run(scope) {
        // Bun's client fails a handshake that does not confirm one of the offered subprotocols
        // ("Missing client protocol"), which RFC 6455 allows; the server confirms one.
        const { server } = await startServer(h, scope, { extensions: [permessageDeflate()], onUpgrade: chooseChat });
        const ws = h.createBuiltinWebSocket!(`${server.url}/builtin`, ["chat"]);
        scope.defer(() => ws.close());
        await roundTripWhatwg(ws);
      },
    },
    {
      name: "shutdown: close() sends 1001 to every client and stops accepting",
      async run(scope) {
        const { server } = await startServer(h, scope);
        const clients = await Promise.all([0, 1, 2].map(() => client(h, scope, server.url)));
        await until(() => server.clients.size === 3, REPLY_TIMEOUT, "three connections");
        await within(server.close({ timeout: 2000 }), 5000, "shutdown");
        for (const c of clients) {
          const info = await within(c.closed, REPLY_TIMEOUT, "client close");
          assertEqual([info.code, info.wasClean], [1001, true], "client close info");
        }
        assertEqual(server.clients.size, 0, "connections left");
        const refused = await within(h.connect(server.url), REPLY_TIMEOUT, "refused connect").then(
          () => null,
          (e: unknown) => e,
        );
        assert(refused instanceof Error, "a new connection is refused");
      },
    },
  ];
}

const chooseChat = (request: UpgradeRequest): UpgradeDecision => ({ action: "accept", protocol: request.protocols.includes("chat") ? "chat" : null });

/** Open, subprotocol, text and binary echo, clean close: through a WHATWG-style client. */
async function roundTripWhatwg(ws: WebSocketLike): Promise<void> {
  ws.binaryType = "arraybuffer";
  const messages: unknown[] = [];
  ws.addEventListener("message", (event) => messages.push((event as unknown as { data: unknown }).data));
  await nextEvent(ws, "open");
  assertEqual([ws.readyState, ws.protocol], [1, "chat"], "readyState and protocol after open");
  ws.send("hé ✓");
  ws.send(pattern(70_000, 5));
  await until(() => messages.length === 2, REPLY_TIMEOUT, "two echoes");
  assertEqual(messages[0], "hé ✓", "text echo");
  assert(messages[1] instanceof ArrayBuffer, "binary arrives as an ArrayBuffer");
  assertBytes(new Uint8Array(messages[1]), pattern(70_000, 5), "binary echo");
  const closed = nextEvent<{ code: number; reason: string; wasClean: boolean }>(ws, "close");
  ws.close(1000, "done");
  const event = await closed;
  assertEqual([event.code, event.reason, event.wasClean], [1000, "done", true], "close event");
}
