import { afterEach, expect, it } from "vitest";
import { WebSocket } from "../src/index.js";
import { everyByte, startWs } from "./helpers/servers.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

type Msg = Event & { data: unknown };
type Close = Event & { code: number; reason: string; wasClean: boolean };

it("works like a browser WebSocket against our server", async () => {
  const h = await startWs({ subprotocols: ["chat"], onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
  cleanup.push(h.close);
  const ws = new WebSocket(`${h.url.replace("ws:", "http:")}/room`, ["chat"]);
  expect(ws.url).toBe(`${h.url}/room`);
  ws.binaryType = "arraybuffer";
  const events: string[] = [];
  const data: unknown[] = [];
  await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
  expect(ws.protocol).toBe("chat");
  ws.onmessage = (event) => data.push((event as Msg).data);
  ws.addEventListener("close", (event) => events.push(`close ${(event as Close).code} ${(event as Close).wasClean}`));
  ws.send("hé ✓");
  ws.send(everyByte(1000));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(data[0]).toBe("hé ✓");
  expect(new Uint8Array(data[1] as ArrayBuffer)).toEqual(everyByte(1000));
  ws.close(1000, "bye");
  await new Promise((resolve) => ws.addEventListener("close", resolve));
  expect(events).toEqual(["close 1000 true"]);
  expect(ws.readyState).toBe(WebSocket.CLOSED);
});

it("fires error and close 1006 when the server refuses", async () => {
  const h = await startWs({ onUpgrade: () => ({ action: "reject", status: 403 }) });
  cleanup.push(h.close);
  const ws = new WebSocket(h.url);
  const events: string[] = [];
  ws.onerror = () => events.push("error");
  const closed = new Promise<Close>((resolve) => (ws.onclose = (e) => resolve(e as Close)));
  const event = await closed;
  expect(events).toEqual(["error"]);
  expect([event.code, event.wasClean]).toEqual([1006, false]);
});
