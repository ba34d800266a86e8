/** Interop with the `ws` package both ways, compression off and on. */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocketClient, { WebSocketServer as WsServer } from "ws";
// @wsengine/node's permessageDeflate: received messages and sent ones from 4 KiB go through node:zlib, shorter sent ones fflate.
import { connect, type Message, permessageDeflate } from "../src/index.js";
import { everyByte, startWs, until } from "./helpers/servers.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const PAYLOADS: ReadonlyArray<string | Uint8Array> = ["", "hello", "héllo wörld ✓ 日本 🎉", "x".repeat(70_000), everyByte(0), everyByte(256), everyByte(65536), everyByte(3 << 20)];

const same = (a: unknown, b: string | Uint8Array): boolean =>
  typeof b === "string" ? a === b : Buffer.from(a as Uint8Array).equals(Buffer.from(b));

for (const compress of [false, true]) {
  describe(`compression ${compress ? "on" : "off"}`, () => {
    it("our server echoes to a ws client", async () => {
      let serverClosed: Promise<{ code: number; reason: string }> | undefined;
      const h = await startWs({
        maxMessageSize: 8 << 20,
        ...(compress ? { extensions: [permessageDeflate()] } : {}),
        onConnection: (ws) => {
          serverClosed = ws.closed;
          ws.on("message", (m) => void ws.send(m));
        },
      });
      cleanup.push(h.close);
      const ws = new WebSocketClient(h.url, { perMessageDeflate: compress });
      cleanup.push(async () => ws.terminate());
      await once(ws, "open");
      expect(ws.extensions).toBe(compress ? "permessage-deflate" : "");
      for (const payload of PAYLOADS) {
        const reply = once(ws, "message") as Promise<[Buffer, boolean]>;
        ws.send(payload, { binary: typeof payload !== "string" });
        const [data, isBinary] = await reply;
        expect(isBinary).toBe(typeof payload !== "string");
        expect(same(isBinary ? new Uint8Array(data) : data.toString("utf8"), payload)).toBe(true);
      }
      const closed = once(ws, "close") as Promise<[number, Buffer]>;
      ws.close(4002, "ws says bye");
      const [code] = await closed;
      expect(code).toBe(4002);
      expect(await serverClosed).toMatchObject({ code: 4002, reason: "ws says bye", wasClean: true });
    });

    it("our client talks to a ws server", async () => {
      const server = new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: compress, maxPayload: 8 << 20 });
      await once(server, "listening");
      cleanup.push(() => new Promise((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }));
      server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ws = await connect(url, { maxMessageSize: 8 << 20, ...(compress ? { extensions: [permessageDeflate()] } : {}) });
      expect(ws.extensions).toEqual(compress ? ["permessage-deflate"] : []);
      const got: Message[] = [];
      ws.on("message", (m) => got.push(m));
      for (const payload of PAYLOADS) void ws.send(payload);
      await until(() => got.length === PAYLOADS.length, 5000);
      PAYLOADS.forEach((p, i) => expect(same(got[i], p)).toBe(true));
      const serverClosed = new Promise<[number, string]>((resolve) =>
        [...server.clients][0]!.once("close", (code, reason) => resolve([code, reason.toString()])),
      );
      const info = await ws.close(1000, "done");
      expect(info).toMatchObject({ code: 1000, reason: "done", wasClean: true });
      expect(await serverClosed).toEqual([1000, "done"]);
    });
  });
}

it("a ws server closing first reaches our client as a clean close", async () => {
  const server = new WsServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  server.on("connection", (ws) => ws.close(1001, "bye"));
  const ws = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  expect(await ws.closed).toMatchObject({ code: 1001, reason: "bye", wasClean: true });
});
