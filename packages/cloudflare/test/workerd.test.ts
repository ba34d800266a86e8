/**
 * @wsengine/cloudflare inside real workerd (miniflare spawns the npm `workerd` binary), talking
 * over `connect()` from `cloudflare:sockets` to @wsengine/node servers on 127.0.0.1. Every
 * scenario of test/worker/scenarios.ts runs twice: in a Worker's fetch handler and in a Durable
 * Object. Each is one vitest test; the Worker returns what it observed and this file asserts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Observation, startTestWorker, type TestWorker } from "./helpers/environment.js";

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker();
}, 60_000);
afterAll(() => w?.dispose());

const CLEAN_1000 = { code: 1000, wasClean: true, error: null };

/** What each scenario must observe. `id` names the server-side connection in `closes`. */
const EXPECTATIONS: Record<string, (o: Observation, id: string) => void | Promise<void>> = {
  handshake: (o) =>
    expect(o).toEqual({
      protocol: "chat",
      extensions: [],
      readyState: 3,
      seen: { path: "/inspect?room=1", custom: "custom value", authorization: "Bearer t0k3n", offered: "v2.chat, chat", host: `127.0.0.1:${w.echoPort}` },
    }),
  "open-headers": (o) => expect(o).toEqual({ server: "wsengine-node" }),
  "text-echo": (o) => expect(o).toMatchObject({ extensions: [], same: [true, true, true, true, true, true], closed: CLEAN_1000 }),
  "text-echo-compressed": (o) => expect(o).toMatchObject({ extensions: ["permessage-deflate"], same: [true, true, true, true, true, true], closed: CLEAN_1000 }),
  "binary-echo": (o) => expect(o).toMatchObject({ extensions: [], sizes: 8, mismatches: [], closed: CLEAN_1000 }),
  "binary-echo-compressed": (o) => expect(o).toMatchObject({ extensions: ["permessage-deflate"], sizes: 8, mismatches: [], closed: CLEAN_1000 }),
  "simd-masking": (o) =>
    expect(o).toEqual({ hasWebAssembly: true, refusal: expect.stringMatching(/disallowed/) as unknown, loaded: false, shared: false }),
  ordering: (o) => expect(o).toEqual({ received: 2000, inOrder: true }),
  ping: (o) => expect(o).toEqual({ rtts: [true, true, true, true], lastPong: "hello" }),
  keepalive: (o) => expect(o).toEqual({ readyState: 1, pongsAtLeast2: true }),
  "keepalive-timeout": (o) => expect(o).toMatchObject({ code: 1006, wasClean: false, error: { code: "PING_TIMEOUT" }, fast: true }),
  "idle-timeout": (o) => expect(o).toMatchObject({ code: 1001, reason: "idle timeout", wasClean: true }),
  "close-by-client": async (o, id) => {
    expect(o).toEqual({ code: 4001, reason: "client bye ✓", wasClean: true, error: null });
    expect(await w.closes.get(id)).toMatchObject({ code: 4001, reason: "client bye ✓", wasClean: true });
  },
  "close-by-server": async (o, id) => {
    expect(o).toEqual({ code: 4002, reason: "server bye ✓", wasClean: true, error: null });
    expect(await w.closes.get(id)).toMatchObject({ code: 4002, wasClean: true });
  },
  "abrupt-disconnect": (o) => expect(o).toMatchObject({ messages: ["bye"], code: 1006, wasClean: false }),
  rejected: (o) => expect(o).toEqual({ failed: true, name: "HandshakeRejectedError", status: 401, authenticate: "Bearer", body: "login required" }),
  redirect: (o) => expect(o).toMatchObject({ notFollowed: { failed: true, code: "HANDSHAKE_REJECTED" }, echoed: "after redirect" }),
  connector: (o) => expect(o).toEqual({ echoed: "through a service binding" }),
  "connection-refused": (o) => expect(o).toMatchObject({ failed: true, code: "TRANSPORT_ERROR" }),
  "handshake-timeout": (o) => expect(o).toMatchObject({ failed: true, code: "HANDSHAKE_TIMEOUT", fast: true }),
  "message-too-big": (o) => expect(o).toMatchObject({ code: 1009, wasClean: false, error: { code: "FRAME_TOO_BIG" } }),
  "wss-echo": (o) =>
    expect(o).toEqual({
      results: [
        { extensions: [], text: "secure ✓", binaryDiff: -1, clean: true },
        { extensions: ["permessage-deflate"], text: "secure ✓", binaryDiff: -1, clean: true },
      ],
    }),
  "wss-untrusted": (o) => expect(o).toMatchObject({ failed: true, code: "TRANSPORT_ERROR" }),
  "send-backpressure": (o) => expect(o).toEqual({ waitedOver200ms: true, heldBytes: true, serverBytes: 32 << 20, expectedBytes: 32 << 20 }),
  "send-buffer-full": (o) => expect(o).toMatchObject({ code: 1008, error: { code: "SEND_BUFFER_FULL" }, lastSend: "rejected" }),
  "receive-backpressure": (o) => expect(o).toEqual({ paused: true, count: 24, intact: true, serverWaitedOver200ms: true }),
  whatwg: (o) => expect(o).toEqual({ protocol: "chat", events: ["open", "close 1000 done true"], data: ["hi ✓", [1, 2, 3]] }),
  "whatwg-handler-properties": (o) => expect(o).toEqual({ open: 1, message: 1, close: 1 }),
  "error-types": (o) => expect(o).toEqual({ invalidUrl: "INVALID_URL" }),
};

for (const where of ["worker", "do"] as const) {
  describe(where === "worker" ? "in a Worker's fetch handler" : "in a Durable Object", () => {
    for (const [name, check] of Object.entries(EXPECTATIONS)) {
      it(name, async () => check(await w.run(where, name), `${where}:${name}`));
    }
  });
}

describe("in a Durable Object, across requests", () => {
  it("keeps a session opened by one request for the next ones", async () => {
    expect(await w.run("do", "persist-open")).toEqual({ readyState: 1 });
    expect(await w.run("do", "persist-echo", "&m=first")).toEqual({ echoed: "first" });
    expect(await w.run("do", "persist-echo", "&m=second ✓")).toEqual({ echoed: "second ✓" });
    expect(await w.run("do", "persist-close")).toEqual({ code: 1000, reason: "done", wasClean: true });
    expect(await w.closes.get("do:persist-open")).toMatchObject({ code: 1000, reason: "done", wasClean: true });
  });
});
