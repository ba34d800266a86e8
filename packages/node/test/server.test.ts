import { once } from "node:events";
import { get } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { attach, type ConnectionInfo, connect, HandshakeRejectedError, listen, type Message, WebSocketError, type WebSocketSession } from "../src/index.js";
import { clientFrame, everyByte, rawSocket, readHead, sleep, startHttp, startWs, until, upgradeRequest } from "./helpers/servers.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function echoServer(options: Parameters<typeof startWs>[0] = {}): Promise<Awaited<ReturnType<typeof startWs>>> {
  const h = await startWs({ onConnection: (ws) => ws.on("message", (m) => void ws.send(m)), ...options });
  cleanup.push(h.close);
  return h;
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<WebSocketSession> {
  const ws = await connect(url, options);
  cleanup.push(async () => {
    ws.terminate();
  });
  return ws;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

async function roundTrip(ws: WebSocketSession, message: Message): Promise<Message> {
  const reply = new Promise<Message>((resolve) => ws.once("message", resolve));
  await ws.send(message);
  return reply;
}

describe("our server and our client", () => {
  it("echoes text with multibyte characters byte for byte", async () => {
    const { url } = await echoServer();
    const ws = await client(url);
    for (const text of ["", "plain", "héllo wörld ✓", "日本語", "🎉 emoji 👩‍👩‍👧", "ü".repeat(100_000)]) {
      expect(await roundTrip(ws, text)).toBe(text);
    }
  });

  it("echoes binary with every byte value, from 0 bytes to several MiB", async () => {
    const { url } = await echoServer({ maxMessageSize: 8 << 20 });
    const ws = await client(url, { maxMessageSize: 8 << 20 });
    for (const size of [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 6 << 20]) {
      const data = everyByte(size);
      const echoed = await roundTrip(ws, data);
      expect(echoed).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(echoed as Uint8Array).equals(Buffer.from(data))).toBe(true);
    }
  });

  it("keeps many small messages in order", async () => {
    const { url } = await echoServer();
    const ws = await client(url);
    const got: Message[] = [];
    ws.on("message", (m) => got.push(m));
    for (let i = 0; i < 5000; i++) void ws.send(`m${i}`);
    await until(() => got.length === 5000);
    expect(got.every((m, i) => m === `m${i}`)).toBe(true);
  });

  it("reports close codes and reasons both ways", async () => {
    let serverSide: WebSocketSession | undefined;
    const { url } = await echoServer({ onConnection: (ws) => (serverSide = ws) });
    const ws = await client(url);
    await until(() => serverSide !== undefined);
    const [mine, theirs] = await Promise.all([ws.close(4321, "client bye ✓"), serverSide!.closed]);
    // The closer sees the peer's echo, the receiver our code and reason.
    expect(mine).toMatchObject({ code: 4321, wasClean: true, error: null });
    expect(theirs).toEqual({ code: 4321, reason: "client bye ✓", wasClean: true, error: null });

    const ws2 = await client(url);
    await until(() => serverSide !== undefined && serverSide.readyState === 1);
    const [s, c] = await Promise.all([serverSide!.close(1000, "server bye"), ws2.closed]);
    expect(s).toMatchObject({ code: 1000, wasClean: true });
    expect(c).toMatchObject({ code: 1000, reason: "server bye", wasClean: true });
  });

  it("fails with the right code when the peer breaks the protocol (raw socket)", async () => {
    let closed: Promise<{ code: number }> | undefined;
    const { port } = await echoServer({ onConnection: (ws) => (closed = ws.closed) });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest());
    const { head } = await readHead(socket);
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    // An unmasked frame from a client: RFC 6455 §5.1, close with 1002.
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await until(() => closed !== undefined);
    expect((await closed!).code).toBe(1002);
    socket.destroy();
  });
});

describe("on an http server", () => {
  it("gives both hooks the client's address and Node's request, as a plain object", async () => {
    const seen: unknown[] = [];
    const { url } = await echoServer({
      onUpgrade: (_request, info) => void seen.push({ ...info, incomingMessage: info.incomingMessage?.url }),
      onConnection: (_ws, _request, info) => void seen.push(JSON.parse(JSON.stringify({ ...info, incomingMessage: info.incomingMessage?.url }))),
    });
    const ws = await client(`${url}/path?q=1`);
    await until(() => seen.length === 2);
    const expected = { remoteAddress: "127.0.0.1", remotePort: expect.any(Number), secure: false, incomingMessage: "/path?q=1" };
    expect(seen).toEqual([expected, expected]);
    ws.terminate();
  });

  it("coexists with ordinary HTTP routes", async () => {
    const { url, port } = await echoServer({ path: "/ws" });
    expect(await httpGet(port, "/health")).toEqual({ status: 200, body: "ok" });
    const ws = await client(`${url}/ws`);
    expect(await roundTrip(ws, "ping")).toBe("ping");
    expect(await httpGet(port, "/health")).toEqual({ status: 200, body: "ok" });
  });

  it("routes by path to several servers and answers 404 for other paths", async () => {
    const http = await startHttp();
    cleanup.push(http.close);
    const a = attach(http.server, { path: "/a", onConnection: (ws) => void ws.send("from a") });
    const b = attach(http.server, { path: "/b", onConnection: (ws) => void ws.send("from b") });
    cleanup.push(() => a.close({ timeout: 100 }), () => b.close({ timeout: 100 }));
    const first = async (path: string): Promise<Message> => {
      const ws = await client(`${http.url}${path}`);
      return new Promise<Message>((resolve) => ws.once("message", resolve));
    };
    expect(await first("/a?x=1")).toBe("from a");
    expect(await first("/b")).toBe("from b");
    const error = await connect(`${http.url}/c`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeRejectedError);
    expect((error as HandshakeRejectedError).status).toBe(404);
  });

  it("lets an async hook reject with 401, WWW-Authenticate and a body the client sees", async () => {
    const { url } = await echoServer({
      onUpgrade: async (request) => {
        await sleep(1);
        if (request.headers.get("authorization") === "Bearer good") return { action: "accept", headers: [["Set-Cookie", "session=1"]] };
        return { action: "reject", status: 401, headers: [["WWW-Authenticate", 'Bearer realm="chat"']], body: "token required" };
      },
    });
    const error = await connect(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeRejectedError);
    const rejected = error as HandshakeRejectedError;
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get("www-authenticate")).toBe('Bearer realm="chat"');
    expect(Buffer.from(rejected.body).toString()).toBe("token required");

    const ws = await client(url, { headers: { Authorization: "Bearer good" } });
    expect(ws.readyState).toBe(1);
  });

  it("refuses a foreign Origin with 403", async () => {
    const { url } = await echoServer({ checkOrigin: (origin) => origin === "https://good.test" });
    const error = await connect(url, { origin: "https://evil.test" }).catch((e: unknown) => e);
    expect((error as HandshakeRejectedError).status).toBe(403);
    const ws = await client(url, { origin: "https://good.test" });
    expect(ws.readyState).toBe(1);
  });

  it("answers 500 and reports the error when the hook throws", async () => {
    const errors: Error[] = [];
    const { url } = await echoServer({
      onUpgrade: () => {
        throw new Error("hook bug");
      },
      onError: (e) => errors.push(e),
    });
    const error = await connect(url).catch((e: unknown) => e);
    expect((error as HandshakeRejectedError).status).toBe(500);
    await until(() => errors.length === 1);
    expect(errors[0]!.message).toBe("hook bug");
  });

  it("negotiates a subprotocol chosen by the hook", async () => {
    const { url } = await echoServer({ onUpgrade: (request) => ({ action: "accept", protocol: request.protocols.includes("v2") ? "v2" : null }) });
    const ws = await client(url, { protocols: ["v1", "v2"] });
    expect(ws.protocol).toBe("v2");
  });
});

describe("standalone listener", () => {
  it("serves WebSockets on a net server, with core parsing the raw request", async () => {
    const wss = await listen({ host: "127.0.0.1", onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const ws = await client(`ws://127.0.0.1:${wss.address()!.port}/any`);
    expect(await roundTrip(ws, "standalone ✓")).toBe("standalone ✓");
  });

  it("gives the hooks the client's address and no request object", async () => {
    const seen: ConnectionInfo[] = [];
    const wss = await listen({ host: "127.0.0.1", onConnection: (_ws, _request, info) => void seen.push({ ...info }) });
    cleanup.push(() => wss.close({ timeout: 100 }));
    await client(`ws://127.0.0.1:${wss.address()!.port}/`);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ remoteAddress: "127.0.0.1", remotePort: expect.any(Number), secure: false, incomingMessage: null });
  });

  it("serves and connects over IPv6 (::1), with a bracketed Host header", async () => {
    let host: string | undefined;
    const wss = await listen({ host: "::1", onConnection: (ws, request) => ((host = request.host), void ws.send("v6")) });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const port = wss.address()!.port;
    const ws = await client(`ws://[::1]:${port}/`);
    expect(await new Promise((resolve) => ws.once("message", resolve))).toBe("v6");
    expect(host).toBe(`[::1]:${port}`);
  });

  it("answers a plain HTTP request with an error status instead of hanging", async () => {
    const wss = await listen({ host: "127.0.0.1" });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const { status } = await httpGet(wss.address()!.port, "/");
    expect(status).toBeGreaterThanOrEqual(400);
  });
});

describe("timers", () => {
  it("detects a half-open peer that completed the handshake and stopped answering pings (1006)", async () => {
    let closed: Promise<{ code: number; error: Error | null }> | undefined;
    const { port } = await echoServer({ pingInterval: 30, pingTimeout: 40, onConnection: (ws) => (closed = ws.closed) });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest());
    await readHead(socket);
    // The raw peer reads nothing more and answers nothing: like a peer that vanished.
    socket.pause();
    await until(() => closed !== undefined);
    const info = await closed!;
    expect(info.code).toBe(1006);
    expect((info.error as WebSocketError).code).toBe("PING_TIMEOUT");
    socket.destroy();
  });

  it("keeps a responsive peer alive across many keepalive pings", async () => {
    let serverSide: WebSocketSession | undefined;
    const { url } = await echoServer({ pingInterval: 10, pingTimeout: 200, onConnection: (ws) => (serverSide = ws) });
    const ws = await client(url);
    const pings: Uint8Array[] = [];
    ws.on("ping", (p) => pings.push(p));
    await until(() => pings.length >= 5);
    expect(serverSide!.readyState).toBe(1);
  });

  it("closes an idle connection with 1001 after idleTimeout", async () => {
    const { url } = await echoServer({ idleTimeout: 50 });
    const ws = await client(url);
    const started = Date.now();
    const info = await ws.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(info).toMatchObject({ code: 1001, reason: "idle timeout", wasClean: true });
  });

  it("drops a slowloris that never finishes its request after handshakeTimeout", async () => {
    // Standalone, core parses the request, so the handshake timer covers the request head. (On an
    // http server, Node's own parser owns the head: its headersTimeout applies there.)
    const wss = await listen({ host: "127.0.0.1", handshakeTimeout: 60 });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const socket = await rawSocket(wss.address()!.port);
    socket.resume();
    // A drip that lands after the server closed makes its kernel answer with a reset: the
    // socket then closes with an error, which is as good as a clean close here.
    socket.on("error", () => {});
    const request = upgradeRequest();
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < request.length - 2 && !socket.destroyed) socket.write(request[sent++]!);
    }, 5);
    const started = Date.now();
    await new Promise((resolve) => socket.once("close", resolve));
    clearInterval(drip);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sent).toBeLessThan(request.length - 2);
  });

  it("drops a connection whose upgrade hook never decides after handshakeTimeout", async () => {
    const { port } = await echoServer({ handshakeTimeout: 50, onUpgrade: () => new Promise(() => {}) });
    const socket = await rawSocket(port);
    socket.resume();
    socket.write(upgradeRequest());
    const started = Date.now();
    await once(socket, "close");
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });
});

describe("backpressure", () => {
  it("pauses a connection whose messages are not consumed, bounding the server's memory", async () => {
    let serverSide: WebSocketSession | undefined;
    const hwm = 256 * 1024;
    // No listener and no iterator: messages wait for a consumer.
    const { url } = await echoServer({ receiveHighWaterMark: hwm, onConnection: (ws) => (serverSide = ws) });
    const ws = await client(url);
    const message = everyByte(16 * 1024);
    const total = 1024; // 16 MiB, far beyond socket buffers and the high-water mark
    let sent = 0;
    const producer = (async () => {
      for (; sent < total; sent++) await ws.send(message);
    })();
    await until(() => serverSide?.isPaused === true);
    await sleep(100);
    const peak = serverSide!.receivedAmount;
    expect(peak).toBeLessThanOrEqual(hwm + 128 * 1024);
    // The producer is held back by TCP: its send() promises wait.
    expect(sent).toBeLessThan(total);
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    let received = 0;
    let maxQueued = 0;
    for await (const m of serverSide!) {
      maxQueued = Math.max(maxQueued, serverSide!.receivedAmount);
      expect((m as Uint8Array).length).toBe(message.length);
      if (++received === total) break;
    }
    await producer;
    expect(maxQueued).toBeLessThanOrEqual(hwm + 128 * 1024);
  });

  it("makes the server's send() wait for a client that does not read", async () => {
    let serverSide: WebSocketSession | undefined;
    const { url } = await echoServer({ onConnection: (ws) => (serverSide = ws) });
    const ws = await client(url, { receiveHighWaterMark: 64 * 1024 });
    await until(() => serverSide !== undefined);
    const big = everyByte(1 << 20);
    let sent = 0;
    const producer = (async () => {
      for (; sent < 32; sent++) await serverSide!.send(big);
    })();
    await sleep(100);
    const stalledAt = sent;
    await sleep(50);
    expect(sent).toBe(stalledAt);
    expect(sent).toBeLessThan(32);
    expect(serverSide!.bufferedAmount).toBeGreaterThan(0);
    let received = 0;
    for await (const m of ws) {
      expect((m as Uint8Array).length).toBe(big.length);
      if (++received === 32) break;
    }
    await producer;
  });
});

describe("disconnects and shutdown", () => {
  it("reports an abrupt client reset as 1006 without an uncaught exception", async () => {
    let closed: Promise<{ code: number; wasClean: boolean }> | undefined;
    const { port } = await echoServer({ onConnection: (ws) => (closed = ws.closed) });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest());
    await readHead(socket);
    await until(() => closed !== undefined);
    socket.write(clientFrame(0x1, Buffer.from("half")).subarray(0, 5));
    socket.resetAndDestroy();
    expect(await closed!).toMatchObject({ code: 1006, wasClean: false });
  });

  it("reports a server that vanishes as 1006 on the client", async () => {
    let serverSide: WebSocketSession | undefined;
    const { url } = await echoServer({ onConnection: (ws) => (serverSide = ws) });
    const ws = await client(url);
    await until(() => serverSide !== undefined);
    serverSide!.terminate();
    expect(await ws.closed).toMatchObject({ code: 1006, wasClean: false });
  });

  it("shuts down gracefully: every client gets 1001, then the server is closed", async () => {
    const h = await startWs({});
    const clients = await Promise.all([0, 1, 2].map(() => connect(h.url)));
    await until(() => h.wss.clients.size === 3);
    await h.wss.close({ timeout: 1000 });
    const infos = await Promise.all(clients.map((c) => c.closed));
    for (const info of infos) expect(info).toMatchObject({ code: 1001, wasClean: true });
    expect(h.wss.clients.size).toBe(0);
    const refused = await connect(h.url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    await h.close();
  });

  it("destroys clients that do not finish the closing handshake within the shutdown timeout", async () => {
    const h = await startWs({});
    const socket = await rawSocket(h.port);
    socket.write(upgradeRequest());
    await readHead(socket);
    await until(() => h.wss.clients.size === 1);
    socket.pause();
    const started = Date.now();
    await h.wss.close({ timeout: 50 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.wss.clients.size).toBe(0);
    socket.destroy();
    await h.close();
  });
});
