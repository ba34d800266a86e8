import { ClientConnection, ServerConnection, type ServerOptions } from "@wsengine/core";
import { describe, expect, it } from "vitest";
import { type SessionOptions, type WebSocketDialer, WebSocketSession, WhatwgWebSocket } from "../../src/index.js";
import { memoryPipe } from "../helpers/memory-transport.js";
import { everyByte, until } from "../helpers/pair.js";

interface Harness {
  readonly dial: WebSocketDialer;
  server(): Promise<WebSocketSession>;
}

/** A dialer whose every connection reaches a fresh in-memory server session. */
function harness(server: ServerOptions = {}, serverSession: SessionOptions = {}): Harness {
  const servers: WebSocketSession[] = [];
  return {
    dial: (url, protocols) => {
      const [a, b] = memoryPipe();
      servers.push(new WebSocketSession(new ServerConnection(server), b, serverSession));
      return new WebSocketSession(new ClientConnection({ host: url.host, target: url.pathname + url.search, protocols }), a);
    },
    server: async () => {
      await until(() => servers.length > 0);
      await servers[0]!.opened;
      return servers[0]!;
    },
  };
}

class TestWebSocket extends WhatwgWebSocket {}
type MessageEvent = Event & { readonly data: unknown; readonly origin: string };

function nextEvent(ws: WhatwgWebSocket, type: string): Promise<Event> {
  return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
}

describe("WHATWG WebSocket", () => {
  it("exposes the readyState constants, url, protocol and extensions", async () => {
    const h = harness({ subprotocols: ["chat"] });
    const ws = new TestWebSocket("ws://memory.test/path?q", ["chat", "other"], h.dial);
    expect(WhatwgWebSocket.CONNECTING).toBe(0);
    expect(ws.CLOSED).toBe(3);
    expect(ws.url).toBe("ws://memory.test/path?q");
    expect(ws.readyState).toBe(ws.CONNECTING);
    expect(ws.binaryType).toBe("blob");
    await nextEvent(ws, "open");
    expect(ws.readyState).toBe(ws.OPEN);
    expect(ws.protocol).toBe("chat");
    expect(ws.extensions).toBe("");
  });

  it("throws SyntaxError for bad URLs and subprotocols", () => {
    const { dial } = harness();
    for (const [url, protocols] of [
      ["ftp://x/", undefined],
      ["ws://x/#f", undefined],
      ["ws://x/", ["a", "a"]],
      ["ws://x/", ["bad protocol"]],
    ] as const) {
      expect(() => new TestWebSocket(url, protocols, dial)).toThrow(expect.objectContaining({ name: "SyntaxError" }));
    }
  });

  it("throws InvalidStateError on send() while CONNECTING", () => {
    const ws = new TestWebSocket("ws://memory.test/", undefined, harness().dial);
    expect(() => ws.send("x")).toThrow(expect.objectContaining({ name: "InvalidStateError" }));
  });

  it("validates close(): InvalidAccessError for codes, SyntaxError for long reasons", async () => {
    const h = harness();
    const ws = new TestWebSocket("ws://memory.test/", undefined, h.dial);
    await nextEvent(ws, "open");
    for (const code of [999, 1001, 1005, 2999, 5000]) {
      expect(() => ws.close(code)).toThrow(expect.objectContaining({ name: "InvalidAccessError" }));
    }
    expect(() => ws.close(1000, "é".repeat(62))).toThrow(expect.objectContaining({ name: "SyntaxError" }));
    expect(ws.readyState).toBe(ws.OPEN);
    const server = await h.server();
    ws.close(3000, "é".repeat(61));
    expect(ws.readyState).toBe(ws.CLOSING);
    const event = (await nextEvent(ws, "close")) as Event & { code: number; reason: string; wasClean: boolean };
    expect([event.code, event.wasClean]).toEqual([3000, true]);
    expect((await server.closed).reason).toBe("é".repeat(61));
    expect(ws.readyState).toBe(ws.CLOSED);
  });

  it("delivers text, ArrayBuffer and Blob messages through onmessage and listeners", async () => {
    const h = harness();
    const ws = new TestWebSocket("ws://memory.test/", undefined, h.dial);
    const server = await h.server();
    const data: unknown[] = [];
    ws.onmessage = (event) => data.push((event as MessageEvent).data);
    const origins: string[] = [];
    ws.addEventListener("message", (event) => origins.push((event as MessageEvent).origin));
    await nextEvent(ws, "open").catch(() => {});
    void server.send("héllo ✓");
    await until(() => data.length === 1);
    ws.binaryType = "arraybuffer";
    void server.send(everyByte(256));
    await until(() => data.length === 2);
    ws.binaryType = "blob";
    void server.send(everyByte(10));
    await until(() => data.length === 3);
    expect(data[0]).toBe("héllo ✓");
    expect(new Uint8Array(data[1] as ArrayBuffer)).toEqual(everyByte(256));
    expect(data[2]).toBeInstanceOf(Blob);
    expect(new Uint8Array(await (data[2] as Blob).arrayBuffer())).toEqual(everyByte(10));
    expect(origins[0]).toBe("ws://memory.test");
  });

  it("sends strings, buffers, views and Blobs in order", async () => {
    const h = harness();
    const ws = new TestWebSocket("ws://memory.test/", undefined, h.dial);
    const server = await h.server();
    const got: unknown[] = [];
    server.on("message", (m) => got.push(m));
    if (ws.readyState !== ws.OPEN) await nextEvent(ws, "open");
    ws.send(new Blob([new Uint8Array([1, 2, 3])]));
    ws.send("after blob");
    ws.send(new Uint8Array([4, 5]).buffer);
    ws.send(new Uint8Array([9, 6, 7, 9]).subarray(1, 3));
    await until(() => got.length === 4);
    expect(got).toEqual([new Uint8Array([1, 2, 3]), "after blob", new Uint8Array([4, 5]), new Uint8Array([6, 7])]);
  });

  it("fires error then close (1006, not clean) when the connection fails, and close() while CONNECTING fails it", async () => {
    const ws = new TestWebSocket("ws://memory.test/", undefined, harness().dial);
    const events: string[] = [];
    ws.onerror = () => events.push("error");
    ws.onclose = (e) => events.push(`close ${(e as Event & { code: number }).code} ${(e as Event & { wasClean: boolean }).wasClean}`);
    ws.close();
    expect(ws.readyState).toBe(ws.CLOSING);
    expect(events).toEqual([]);
    await until(() => events.length === 2);
    expect(events).toEqual(["error", "close 1006 false"]);
  });

  it("counts data sent after closing in bufferedAmount without sending it", async () => {
    const ws = new TestWebSocket("ws://memory.test/", undefined, harness().dial);
    await nextEvent(ws, "open");
    ws.close();
    ws.send("four");
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(4);
  });
});
