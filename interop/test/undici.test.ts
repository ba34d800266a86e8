/**
 * Node's own WebSocket client against our server. Node 20 ships it only behind
 * --experimental-websocket; the `undici` package's `WebSocket` is the same implementation.
 * undici always offers `permessage-deflate; client_max_window_bits` and inflates what it
 * receives, but sends uncompressed: "compression off" is our server without the extension.
 */
import { Agent, type MessageEvent, WebSocket, type CloseEvent } from "undici";
import type { Message } from "@wsengine/node";
import { within } from "../helpers/net.js";
import { CLIENT_CLOSE, checkSequence, PLANS } from "../helpers/plan.js";
import { type CompressionMode, runOurServerSuite } from "../helpers/suite.js";

const MODES: readonly CompressionMode[] = [
  { name: "compression off (our server declines)", ours: false, peer: "always-offers", negotiated: false },
  { name: "compression on", ours: {}, peer: "always-offers", negotiated: true, response: {} },
];

runOurServerSuite({
  name: "undici WebSocket",
  skip: false,
  modes: MODES,
  compresses: false,
  run: async ({ url, plan, closer, tls }) => {
    const messages = PLANS[plan];
    const dispatcher = tls === null ? undefined : new Agent({ connect: { ca: tls.cert } });
    const ws = new WebSocket(url, dispatcher === undefined ? {} : { dispatcher });
    ws.binaryType = "arraybuffer";
    try {
      const got: Message[] = [];
      let echoed!: () => void;
      const allEchoed = new Promise<void>((resolve) => (echoed = resolve));
      ws.addEventListener("message", (e: MessageEvent) => {
        got.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
        if (got.length === messages.length) echoed();
      });
      const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
      const opened = new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve());
        ws.addEventListener("error", (e) => reject(new Error(`undici WebSocket error: ${String(e.error ?? e.type)}`)));
      });
      await within(opened, 10_000, "undici opening");
      const extensions = ws.extensions;
      for (const m of messages) ws.send(m);
      await within(Promise.race([allEchoed, closed]), 30_000, "echoes to undici");
      if (closer === "client") ws.close(CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
      const event = await within(closed, 10_000, "undici's close");
      return { extensions, problems: checkSequence(messages, got), close: { code: event.code, reason: event.reason, wasClean: event.wasClean } };
    } finally {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await dispatcher?.close();
    }
  },
});
