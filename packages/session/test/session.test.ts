import { ClientConnection, ServerConnection } from "@wsengine/core";
import { describe, expect, it, vi } from "vitest";
import { ConnectionClosedError, HandshakeRejectedError, type Message, type Transport, type TransportHandler, WebSocketError, WebSocketSession } from "../src/index.js";
import { resolveOptions, shareTimers } from "../src/session.js";
import { memoryPipe } from "./helpers/memory-transport.js";
import { everyByte, openPair, sameBytes, sessionPair, sleep, until } from "./helpers/pair.js";

const collect = (session: WebSocketSession): Message[] => {
  const out: Message[] = [];
  session.on("message", (m) => out.push(m));
  return out;
};

describe("opening handshake", () => {
  it("opens both ends and reports the negotiated subprotocol", async () => {
    const { client, server } = sessionPair({ client: { protocols: ["b", "a"] }, server: { subprotocols: ["a", "b"] } });
    const opened: string[] = [];
    client.on("open", (info) => opened.push(`client ${info.protocol}`));
    server.on("open", (info) => opened.push(`server ${info.protocol}`));
    expect(client.readyState).toBe(0);
    await Promise.all([client.opened, server.opened]);
    expect(opened.sort()).toEqual(["client b", "server b"]);
    expect(client.readyState).toBe(1);
    expect(server.protocol).toBe("b");
  });

  it("shows the upgrade request through the open listeners, then lets go of it", async () => {
    const { client, server } = sessionPair({});
    const seen: (string | undefined)[] = [];
    server.on("open", () => seen.push(server.request?.path));
    await Promise.all([client.opened, server.opened]);
    expect(seen).toEqual(["/"]);
    expect(server.request).toBeNull();
  });

  it("lets an async upgrade hook accept with a subprotocol and extra headers", async () => {
    const { client, server } = sessionPair({
      client: { protocols: ["x", "y"] },
      serverSession: {
        onUpgrade: async (request) => {
          await sleep(5);
          expect(request.protocols).toEqual(["x", "y"]);
          return { action: "accept", protocol: "y", headers: [["Set-Cookie", "s=1"]] };
        },
      },
    });
    let cookie: string | undefined;
    client.on("open", (info) => (cookie = info.headers.get("set-cookie")));
    await Promise.all([client.opened, server.opened]);
    expect(client.protocol).toBe("y");
    expect(cookie).toBe("s=1");
  });

  it("surfaces a rejection as HandshakeRejectedError with status, headers and body", async () => {
    const { client, server } = sessionPair({
      serverSession: {
        onUpgrade: () => ({ action: "reject", status: 401, headers: [["WWW-Authenticate", 'Bearer realm="x"']], body: "login first" }),
      },
    });
    const error = await client.opened.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeRejectedError);
    const rejected = error as HandshakeRejectedError;
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get("www-authenticate")).toBe('Bearer realm="x"');
    expect(new TextDecoder().decode(rejected.body)).toBe("login first");
    const info = await client.closed;
    expect(info).toMatchObject({ code: 1006, wasClean: false });
    expect((await server.closed).wasClean).toBe(false);
  });

  it("answers 500 when the upgrade hook throws, and reports the hook's error", async () => {
    const boom = new Error("hook failed");
    const { client, server } = sessionPair({ serverSession: { onUpgrade: () => Promise.reject(boom) } });
    const errors: Error[] = [];
    server.on("error", (e) => errors.push(e));
    const error = await client.opened.catch((e: unknown) => e);
    expect((error as HandshakeRejectedError).status).toBe(500);
    expect((await server.closed).error).toBe(boom);
    expect(errors).toEqual([boom]);
  });

  it("destroys the transport when the handshake takes longer than handshakeTimeout", async () => {
    const [clientSide, serverSide] = memoryPipe();
    clientSide.start({ receive() {}, receiveEof() {}, drain() {}, closed() {} });
    const server = new WebSocketSession(new ServerConnection(), serverSide, { handshakeTimeout: 30 });
    const info = await server.closed;
    expect(info.code).toBe(1006);
    expect((info.error as WebSocketError).code).toBe("HANDSHAKE_TIMEOUT");
    expect(serverSide.destroyed).toBe(true);
  });

  it("throws INVALID_STATE when sending before the connection is open", () => {
    const { client } = sessionPair();
    expect(() => client.send("early")).toThrow(WebSocketError);
    expect(() => client.ping()).toThrow(WebSocketError);
  });

  it("aborts the opening handshake on close() with 1006", async () => {
    const { client } = sessionPair();
    void client.close();
    const info = await client.closed;
    expect(info).toMatchObject({ code: 1006, wasClean: false });
  });
});

describe("messages", () => {
  it("delivers text byte for byte, multibyte characters included", async () => {
    const { client, server } = await openPair();
    const got = collect(server);
    const texts = ["", "a", "héllo wörld", "日本語テキスト", "emoji 🎉👩‍👩‍👧", "x".repeat(70_000)];
    for (const t of texts) void client.send(t);
    await until(() => got.length === texts.length);
    expect(got).toEqual(texts);
  });

  it("delivers binary with every byte value from 0 bytes to several MiB", async () => {
    const { client, server } = await openPair({ server: { maxMessageSize: 8 << 20 } });
    const got = collect(server);
    const sizes = [0, 1, 125, 126, 65535, 65536, 256 * 1024, 5 << 20];
    for (const n of sizes) await client.send(everyByte(n));
    await until(() => got.length === sizes.length, 5000);
    for (let i = 0; i < sizes.length; i++) expect(sameBytes(got[i], everyByte(sizes[i]!))).toBe(true);
  });

  it("sends ArrayBuffer and other views as binary", async () => {
    const { client, server } = await openPair();
    const got = collect(server);
    const bytes = everyByte(300);
    void client.send(bytes.slice().buffer);
    void client.send(new DataView(bytes.buffer, 10, 20));
    void client.send(new Uint16Array([0x0102, 0x0304]));
    await until(() => got.length === 3);
    expect(got[0]).toEqual(bytes);
    expect(got[1]).toEqual(bytes.subarray(10, 30));
    expect(got[2]).toEqual(new Uint8Array(new Uint16Array([0x0102, 0x0304]).buffer));
  });

  it("iterates messages with for await and ends the loop when the connection closes", async () => {
    const { client, server } = await openPair();
    for (let i = 0; i < 5; i++) void client.send(`m${i}`);
    void client.close(1000, "done");
    const got: Message[] = [];
    for await (const m of server) got.push(m);
    expect(got).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect((await server.closed).code).toBe(1000);
  });

  it("keeps messages that arrive before any consumer and hands them to the first listener", async () => {
    const { client, server } = await openPair();
    void client.send("early-1");
    void client.send("early-2");
    await until(() => server.receivedAmount > 0 && server.receivedAmount === "early-1".length * 2);
    const got = collect(server);
    await until(() => got.length === 2);
    expect(got).toEqual(["early-1", "early-2"]);
    expect(server.receivedAmount).toBe(0);
  });

  it("refuses a second concurrent iterator", async () => {
    const { server } = await openPair();
    server[Symbol.asyncIterator]();
    expect(() => server[Symbol.asyncIterator]()).toThrow(WebSocketError);
  });

  it("resolves send() promises once the bytes are handed to the transport", async () => {
    const { client, clientTransport } = await openPair();
    const before = clientTransport.written;
    const p = client.send("hello");
    expect(client.bufferedAmount).toBeGreaterThan(0);
    await p;
    expect(client.bufferedAmount).toBe(0);
    expect(clientTransport.written).toBe(before + 2 + 4 + 5);
  });

  it("writes a synchronous burst of sends as one batch", async () => {
    const { client, clientTransport } = await openPair();
    let writes = 0;
    const write = clientTransport.write.bind(clientTransport);
    clientTransport.write = (chunks) => {
      writes++;
      return write(chunks);
    };
    const promises = Array.from({ length: 100 }, (_, i) => client.send(`burst ${i}`));
    await Promise.all(promises);
    expect(writes).toBe(1);
  });

  it("rejects sends after closing began without an unhandled rejection", async () => {
    const { client } = await openPair();
    void client.close();
    const p = client.send("late");
    await expect(p).rejects.toBeInstanceOf(ConnectionClosedError);
    void client.send("late, not awaited");
    await client.closed;
  });
});

describe("closing", () => {
  it("arms no close timer when the transport closes inside end()", async () => {
    // Bun's socket.end() runs the socket's close handler before it returns once the peer's FIN
    // is in. A close timer armed after that would hold the closed session until it fired.
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    try {
      let handler: TransportHandler | null = null;
      const calls: string[] = [];
      const transport: Transport = {
        start: (h) => void (handler = h),
        write: () => true,
        end: () => {
          calls.push("end");
          handler?.closed();
        },
        destroy: () => void calls.push("destroy"),
        pause: () => {},
        resume: () => {},
      };
      const session = new WebSocketSession(new ServerConnection(), transport, { handshakeTimeout: 0, closeTimeout: 4321 });
      await Promise.resolve();
      const request = new ClientConnection({ host: "example.com", target: "/" }).takeOutgoing();
      for (const chunk of request) handler!.receive(chunk);
      expect(session.readyState).toBe(1);
      // The peer goes away without a Close frame: the session fails with 1006 and ends the transport.
      handler!.receiveEof();
      expect((await session.closed).code).toBe(1006);
      expect(calls).toEqual(["end"]);
      expect(setTimeoutSpy.mock.calls.filter((call) => call[1] === 4321)).toEqual([]);
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });

  it("reports close codes and reasons both ways", async () => {
    const { client, server } = await openPair();
    // Each side reports the Close frame it received: the receiver our code and reason, the
    // closer the peer's echo (RFC 6455 §5.5.1: it "typically echos the status code").
    const [c, s] = await Promise.all([client.close(4001, "bye ✓"), server.closed]);
    expect(s).toEqual({ code: 4001, reason: "bye ✓", wasClean: true, error: null });
    expect(c).toMatchObject({ code: 4001, wasClean: true, error: null });

    const pair = await openPair();
    const [s2, c2] = await Promise.all([pair.server.close(1001, "going"), pair.client.closed]);
    expect(c2).toEqual({ code: 1001, reason: "going", wasClean: true, error: null });
    expect(s2).toMatchObject({ code: 1001, wasClean: true });
  });

  it("reports 1005 for a Close without a code", async () => {
    const { client, server } = await openPair();
    void client.close();
    expect((await server.closed).code).toBe(1005);
    expect((await client.closed).code).toBe(1005);
  });

  it("ends the transports after the closing handshake (server first)", async () => {
    const { client, clientTransport, serverTransport } = await openPair();
    await client.close(1000);
    await until(() => clientTransport.closedCalled && serverTransport.closedCalled);
    expect(serverTransport.writeEnded).toBe(true);
    expect(clientTransport.writeEnded).toBe(true);
    expect(serverTransport.destroyed).toBe(false);
  });

  it("destroys the transport when the peer does not answer the Close within closeTimeout", async () => {
    const { client, serverTransport } = await openPair({ clientSession: { closeTimeout: 40 } });
    serverTransport.blackhole = true;
    const started = performance.now();
    const info = await client.close(1000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(info).toMatchObject({ code: 1006, wasClean: false });
  });

  it("ends as 1006 with the transport's error when the transport fails", async () => {
    const { client, server, serverTransport } = await openPair();
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    serverTransport.destroy();
    const info = await client.closed;
    expect(info.code).toBe(1006);
    expect((info.error as WebSocketError).code).toBe("TRANSPORT_ERROR");
    expect(errors).toHaveLength(1);
    expect((await server.closed).code).toBe(1006);
  });

  it("lets a listener close while later events of the same chunk are still dispatched in order", async () => {
    const { client, server } = await openPair();
    const log: string[] = [];
    server.on("message", (m) => {
      log.push(`message ${String(m)}`);
      if (m === "first") {
        void server.send("reply");
        void server.close(4000, "from listener");
        log.push(`readyState ${server.readyState}`);
      }
    });
    server.on("close", (info) => log.push(`close ${info.code}`));
    const clientGot = collect(client);
    // One synchronous burst: both messages reach the server in one chunk.
    void client.send("first");
    void client.send("second");
    await server.closed;
    expect(log).toEqual(["message first", "readyState 2", "message second", "close 4000"]);
    await client.closed;
    expect(clientGot).toEqual(["reply"]);
  });

  it("terminate() destroys at once and reports 1006", async () => {
    const { client, server } = await openPair();
    client.terminate();
    expect((await client.closed).code).toBe(1006);
    expect((await server.closed).code).toBe(1006);
  });
});

describe("ping and keepalive", () => {
  it("resolves ping() with the round-trip time", async () => {
    const { client, server } = await openPair();
    const pings: Uint8Array[] = [];
    server.on("ping", (d) => pings.push(d));
    const rtt = await client.ping("hi");
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(new TextDecoder().decode(pings[0])).toBe("hi");
    expect(typeof (await client.ping())).toBe("number");
  });

  it("refuses a ping whose payload is already waiting", async () => {
    const { client } = await openPair();
    const first = client.ping("same");
    await expect(client.ping("same")).rejects.toMatchObject({ code: "INVALID_STATE" });
    await first;
  });

  it("rejects waiting pings when the connection closes", async () => {
    const { client, serverTransport } = await openPair({ clientSession: { closeTimeout: 20 } });
    serverTransport.blackhole = true;
    const p = client.ping();
    void client.close();
    await expect(p).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("detects a half-open connection: no pong within pingTimeout closes with 1006", async () => {
    const { client, serverTransport } = await openPair({ clientSession: { pingInterval: 20, pingTimeout: 30 } });
    const pongs: Uint8Array[] = [];
    client.on("pong", (d) => pongs.push(d));
    await until(() => pongs.length >= 2);
    serverTransport.blackhole = true;
    const info = await client.closed;
    expect(info.code).toBe(1006);
    expect((info.error as WebSocketError).code).toBe("PING_TIMEOUT");
  });

  it("closes with 1001 after idleTimeout without messages, not before", async () => {
    const { client, server } = await openPair({ serverSession: { idleTimeout: 60 } });
    for (let i = 0; i < 4; i++) {
      await sleep(25);
      await client.send("still here");
    }
    expect(server.readyState).toBe(1);
    expect(await client.closed).toMatchObject({ code: 1001, reason: "idle timeout", wasClean: true });
    expect(await server.closed).toMatchObject({ code: 1001, wasClean: true });
  });
});

describe("backpressure", () => {
  it("pauses reading while messages are not consumed, keeping memory bounded, and resumes", async () => {
    const hwm = 64 * 1024;
    const { client, server, serverTransport } = await openPair({ serverSession: { receiveHighWaterMark: hwm }, highWaterMark: 16 * 1024 });
    const message = everyByte(4096);
    const total = 400;
    let sent = 0;
    const producer = (async () => {
      for (; sent < total; sent++) await client.send(message);
    })();
    await until(() => server.isPaused);
    await sleep(30);
    // The server holds at most its high-water mark plus what one chunk carried; the rest waits
    // in the pipe and, behind it, in the client's send() promises.
    expect(server.receivedAmount).toBeLessThanOrEqual(hwm + 32 * 1024);
    expect(serverTransport.paused).toBe(true);
    expect(sent).toBeLessThan(total);
    let received = 0;
    for await (const m of server) {
      expect(sameBytes(m, message)).toBe(true);
      if (++received === total) break;
    }
    await producer;
    expect(server.isPaused).toBe(false);
  });

  it("makes a fast producer's send() wait while the transport is full", async () => {
    const { client, server } = await openPair({ highWaterMark: 8 * 1024, serverSession: { receiveHighWaterMark: 8 * 1024 } });
    const big = everyByte(64 * 1024);
    let sent = 0;
    const producer = (async () => {
      for (; sent < 20; sent++) await client.send(big);
    })();
    await sleep(30);
    const stalledAt = sent;
    await sleep(30);
    // The reader does not consume: the producer's awaited send() stays pending.
    expect(sent).toBe(stalledAt);
    expect(sent).toBeLessThan(20);
    expect(client.bufferedAmount).toBeGreaterThan(0);
    let received = 0;
    for await (const m of server) {
      expect(sameBytes(m, big)).toBe(true);
      if (++received === 20) break;
    }
    await producer;
    expect(sent).toBe(20);
  });

  it("fails with 1008 when more than maxBufferedAmount waits for the transport", async () => {
    const { client, server } = await openPair({ highWaterMark: 4096, clientSession: { maxBufferedAmount: 100_000 }, serverSession: { receiveHighWaterMark: 1024 } });
    const chunk = everyByte(30_000);
    const results = Array.from({ length: 10 }, () => client.send(chunk).then(() => "ok", (e: unknown) => e));
    const info = await client.closed;
    expect(info.code).toBe(1008);
    expect((info.error as WebSocketError).code).toBe("SEND_BUFFER_FULL");
    const settled = await Promise.all(results);
    expect(settled.some((r) => r instanceof ConnectionClosedError)).toBe(true);
    // The server, once it reads again, sees the Close with 1008.
    const drain = (async () => {
      for await (const _ of server);
    })();
    expect((await server.closed).code).toBe(1008);
    await drain;
  });
});

describe("events", () => {
  it("reports a listener's exception asynchronously without breaking the loop", async () => {
    const { client, server } = await openPair();
    const got: Message[] = [];
    const errors: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (cb) =>
      original(() => {
        try {
          cb();
        } catch (e) {
          errors.push(e);
        }
      });
    try {
      server.on("message", () => {
        throw new Error("listener bug");
      });
      server.on("message", (m) => got.push(m));
      void client.send("a");
      void client.send("b");
      await until(() => got.length === 2);
      await sleep(5);
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(got).toEqual(["a", "b"]);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it("removes listeners with off() and runs once() listeners once", async () => {
    const { client, server } = await openPair();
    const got: string[] = [];
    const listener = (m: Message): void => void got.push(`on ${String(m)}`);
    server.on("message", listener);
    server.once("message", (m) => got.push(`once ${String(m)}`));
    void client.send("1");
    await until(() => got.length === 2);
    server.off("message", listener);
    const rest = collect(server);
    void client.send("2");
    await until(() => rest.length === 1);
    expect(got).toEqual(["on 1", "once 1"]);
  });
});

it("rejects a streaming connection instead of losing fragments", async () => {
  const [a, b] = memoryPipe();
  const server = new WebSocketSession(new ServerConnection({ streaming: true }), b);
  const client = new WebSocketSession(new ClientConnection({ host: "x" }), a);
  await client.opened;
  void client.send("hello");
  expect((await server.closed).code).toBe(1011);
});

describe("opened, closed and listeners", () => {
  it("settles opened and closed asked for only after the fact, with the same promise every time", async () => {
    const { client, server } = sessionPair();
    await until(() => client.readyState === 1 && server.readyState === 1);
    await expect(server.opened).resolves.toBeUndefined();
    expect(server.opened).toBe(server.opened);
    void client.close(1000, "bye");
    await until(() => server.readyState === 3 && client.readyState === 3);
    expect(await server.closed).toMatchObject({ code: 1000, reason: "bye", wasClean: true });
    expect(server.closed).toBe(server.closed);
  });

  it("rejects opened asked for only after the handshake failed", async () => {
    const { client } = sessionPair({ serverSession: { onUpgrade: () => ({ action: "reject", status: 403 }) } });
    await until(() => client.readyState === 3);
    const error = await client.opened.catch((e: unknown) => e);
    expect((error as HandshakeRejectedError).status).toBe(403);
  });

  it("calls listeners with the session as `this`", async () => {
    const { client, server } = await openPair();
    const targets: unknown[] = [];
    server.on("message", function (this: WebSocketSession) {
      targets.push(this);
    });
    server.once("close", function (this: WebSocketSession) {
      targets.push(this);
    });
    await client.send("x");
    await until(() => targets.length === 1);
    await client.close();
    await until(() => targets.length === 2);
    expect(targets).toEqual([server, server]);
  });

  it("counts sends as activity for idleTimeout", async () => {
    const { client, server } = await openPair({ serverSession: { idleTimeout: 60 } });
    for (let i = 0; i < 4; i++) {
      await sleep(25);
      await server.send("server still here");
    }
    expect(server.readyState).toBe(1);
    expect(await client.closed).toMatchObject({ code: 1001, reason: "idle timeout" });
  });
});

describe("one options object, many sessions", () => {
  it("shares the resolved options while the values stay the same, and makes a new copy when any one changes", () => {
    // A value for every option the session resolves, other than its default.
    const other: Record<string, unknown> = {
      closeTimeout: 123,
      handshakeTimeout: 456,
      pingInterval: 789,
      pingTimeout: 321,
      idleTimeout: 654,
      maxBufferedAmount: 987,
      receiveHighWaterMark: 135,
      onUpgrade: () => undefined,
    };
    const shared = {};
    expect(resolveOptions(shared)).toBe(resolveOptions(shared));
    expect(Object.isFrozen(resolveOptions(shared))).toBe(true);
    const keys = Object.keys(resolveOptions(shared)).filter((key) => key !== "timers");
    expect(keys.sort()).toEqual(Object.keys(other).sort());
    for (const key of keys) {
      const options: Record<string, unknown> = {};
      const first = resolveOptions(options);
      options[key] = other[key];
      const second = resolveOptions(options);
      expect(second, key).not.toBe(first);
      expect((second as unknown as Record<string, unknown>)[key], key).toBe(other[key]);
    }
  });

  it("keeps the shared timers when a value changes", () => {
    const options: { closeTimeout?: number } = {};
    shareTimers(options);
    const timers = resolveOptions(options).timers;
    expect(timers).not.toBeNull();
    options.closeTimeout = 50;
    const changed = resolveOptions(options);
    expect(changed.closeTimeout).toBe(50);
    expect(changed.timers).toBe(timers);
    // Timers shared anew replace them.
    shareTimers(options);
    expect(resolveOptions(options).timers).not.toBe(timers);
  });
});
