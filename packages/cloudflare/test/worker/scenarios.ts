/**
 * Client-side scenarios that run inside workerd, in a Worker's fetch handler or in a Durable
 * Object. Each opens real sockets with `connect()` from `cloudflare:sockets` to the Node servers
 * the test started on 127.0.0.1, and returns what it observed as JSON; the vitest side asserts.
 * Byte-level comparisons happen here so that megabytes never cross back to Node.
 */
import {
  connect,
  type ConnectOptions,
  HandshakeRejectedError,
  type Message,
  openSession,
  permessageDeflate,
  type SocketConnector,
  WebSocket,
  WebSocketError,
  type WebSocketSession,
} from "../../src/index.js";
import type { OpenInfo } from "@wsengine/session";
import { loadSimdMasker, simdMasker, type WasmHost } from "../../../core/src/frame/mask-simd.js";
import { everyByte, firstDifference } from "./bytes.js";

/** Bindings the test passes to the Worker: where its servers listen. */
export interface ScenarioEnv {
  /** Node echo server (`@wsengine/node`), subprotocol "chat", permessage-deflate offered; routes by path. */
  readonly ECHO_URL: string;
  /** Node server with `autoPong: false`: keepalive pings go unanswered. */
  readonly MUTE_URL: string;
  /** The echo server over TLS (wss://localhost), its certificate trusted through the network service. */
  readonly WSS_URL: string;
  /** A TLS server whose certificate nothing trusts. */
  readonly UNTRUSTED_URL: string;
  /** A TCP server that accepts and never answers. */
  readonly SILENT_URL: string;
  /** A port nothing listens on. */
  readonly REFUSED_URL: string;
  /** A network service bound as a Fetcher: its `connect()` opens plain TCP sockets. */
  readonly NETWORK: SocketConnector;
}

export type Observation = Record<string, unknown>;
export type Scenario = (env: ScenarioEnv, id: string) => Promise<Observation>;

const TEXTS: readonly string[] = ["", "plain", "héllo wörld ✓", "日本語", "🎉 emoji 👩‍👩‍👧", "ü".repeat(100_000)];
const SIZES: readonly number[] = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20];
const MiB = 1 << 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function options(id: string, extra: ConnectOptions = {}): ConnectOptions {
  return { ...extra, headers: { "X-Case-Id": id, ...(extra.headers as Record<string, string> | undefined) } };
}

function nextMessage(ws: WebSocketSession): Promise<Message> {
  return new Promise((resolve) => ws.once("message", resolve));
}

async function roundTrip(ws: WebSocketSession, message: Message): Promise<Message> {
  const reply = nextMessage(ws);
  await ws.send(message);
  return reply;
}

function describeError(error: unknown): Observation {
  if (!(error instanceof Error)) return { thrown: String(error) };
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: error.name,
    code: (error as { code?: unknown }).code ?? null,
    message: error.message,
    cause: cause instanceof Error ? cause.message : cause === undefined ? null : String(cause),
  };
}

async function failure(promise: Promise<unknown>): Promise<Observation> {
  try {
    await promise;
    return { failed: false };
  } catch (error) {
    return { failed: true, ...describeError(error) };
  }
}

function closeObservation(info: { code: number; reason: string; wasClean: boolean; error: Error | null }): Observation {
  return { code: info.code, reason: info.reason, wasClean: info.wasClean, error: info.error === null ? null : describeError(info.error) };
}

async function echoTexts(url: string, id: string, compress: boolean): Promise<Observation> {
  const ws = await connect(url, options(id, compress ? { extensions: [permessageDeflate()] } : {}));
  const same: boolean[] = [];
  for (const text of TEXTS) same.push((await roundTrip(ws, text)) === text);
  const closed = await ws.close(1000);
  return { extensions: ws.extensions, same, closed: closeObservation(closed) };
}

async function echoBinary(url: string, id: string, compress: boolean): Promise<Observation> {
  const ws = await connect(url, options(id, compress ? { extensions: [permessageDeflate()] } : {}));
  const mismatches: Array<{ size: number; at: number }> = [];
  for (const size of SIZES) {
    const data = everyByte(size);
    const echoed = await roundTrip(ws, data);
    const at = echoed instanceof Uint8Array ? firstDifference(echoed, data) : -2;
    if (at !== -1) mismatches.push({ size, at });
  }
  const closed = await ws.close(1000);
  return { extensions: ws.extensions, sizes: SIZES.length, mismatches, closed: closeObservation(closed) };
}

/** Every scenario by name; the vitest side lists the same names with its expectations. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  async handshake(env, id) {
    const ws = await connect(`${env.ECHO_URL}/inspect?room=1`, options(id, { protocols: ["v2.chat", "chat"], headers: { "X-Custom": "custom value", Authorization: "Bearer t0k3n" } }));
    const seen = JSON.parse((await nextMessage(ws)) as string) as Observation;
    await ws.close(1000);
    return { protocol: ws.protocol, extensions: ws.extensions, readyState: ws.readyState, seen };
  },

  async "open-headers"(env, id) {
    const ws = openSession(`${env.ECHO_URL}/inspect`, options(id));
    const open = await new Promise<OpenInfo>((resolve) => ws.once("open", resolve));
    ws.terminate();
    return { server: open.headers.get("x-server") ?? null };
  },

  "text-echo": (env, id) => echoTexts(`${env.ECHO_URL}/echo`, id, false),
  "text-echo-compressed": (env, id) => echoTexts(`${env.ECHO_URL}/echo`, id, true),
  "binary-echo": (env, id) => echoBinary(`${env.ECHO_URL}/echo`, id, false),
  "binary-echo-compressed": (env, id) => echoBinary(`${env.ECHO_URL}/echo`, id, true),

  // Core's SIMD masking compiles WebAssembly from bytes, which Workers refuse: core must notice
  // and mask with its JavaScript loop (binary-echo's megabyte frames go through it).
  async "simd-masking"() {
    const host = (globalThis as { WebAssembly?: WasmHost }).WebAssembly;
    let refusal: string | null = null;
    try {
      new host!.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    } catch (e) {
      refusal = (e as Error).message;
    }
    return { hasWebAssembly: host !== undefined, refusal, loaded: loadSimdMasker(host) !== null, shared: simdMasker() !== null };
  },

  async ordering(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id));
    const got: Message[] = [];
    ws.on("message", (m) => got.push(m));
    const count = 2000;
    for (let i = 0; i < count; i++) void ws.send(`m${i}`);
    while (got.length < count && ws.readyState === 1) await sleep(5);
    await ws.close(1000);
    return { received: got.length, inOrder: got.every((m, i) => m === `m${i}`) };
  },

  async ping(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id));
    const pongs: string[] = [];
    ws.on("pong", (data) => pongs.push(new TextDecoder().decode(data)));
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) rtts.push(await ws.ping());
    rtts.push(await ws.ping("hello"));
    await ws.close(1000);
    return { rtts: rtts.map((r) => typeof r === "number" && Number.isFinite(r) && r >= 0), lastPong: pongs.at(-1) ?? null };
  },

  async keepalive(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id, { pingInterval: 50 }));
    let pongs = 0;
    ws.on("pong", () => pongs++);
    await sleep(400);
    const readyState = ws.readyState;
    await ws.close(1000);
    return { readyState, pongsAtLeast2: pongs >= 2 };
  },

  async "keepalive-timeout"(env, id) {
    const started = Date.now();
    const ws = await connect(`${env.MUTE_URL}/echo`, options(id, { pingInterval: 100, pingTimeout: 100 }));
    const closed = await ws.closed;
    return { ...closeObservation(closed), fast: Date.now() - started < 3000 };
  },

  async "idle-timeout"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id, { idleTimeout: 150 }));
    return closeObservation(await ws.closed);
  },

  async "close-by-client"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id));
    return closeObservation(await ws.close(4001, "client bye ✓"));
  },

  async "close-by-server"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/close`, options(id));
    return closeObservation(await ws.closed);
  },

  async "abrupt-disconnect"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/abrupt`, options(id));
    const messages: Message[] = [];
    for await (const m of ws) messages.push(m);
    return { messages, ...closeObservation(ws.closeInfo!) };
  },

  async rejected(env, id) {
    try {
      (await connect(`${env.ECHO_URL}/reject`, options(id))).terminate();
      return { failed: false };
    } catch (error) {
      if (!(error instanceof HandshakeRejectedError)) return { failed: true, ...describeError(error) };
      return { failed: true, name: error.name, status: error.status, authenticate: error.headers.get("www-authenticate") ?? null, body: new TextDecoder().decode(error.body) };
    }
  },

  async redirect(env, id) {
    const notFollowed = await failure(connect(`${env.ECHO_URL}/redirect`, options(id)));
    const ws = await connect(`${env.ECHO_URL}/redirect`, options(id, { maxRedirects: 1 }));
    const echoed = await roundTrip(ws, "after redirect");
    await ws.close(1000);
    return { notFollowed, echoed };
  },

  async connector(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id, { connector: env.NETWORK }));
    const echoed = await roundTrip(ws, "through a service binding");
    await ws.close(1000);
    return { echoed };
  },

  "connection-refused": (env, id) => failure(connect(env.REFUSED_URL, options(id))),

  async "handshake-timeout"(env, id) {
    const started = Date.now();
    const result = await failure(connect(env.SILENT_URL, options(id, { handshakeTimeout: 200 })));
    return { ...result, fast: Date.now() - started < 3000 };
  },

  async "message-too-big"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/echo`, options(id, { maxMessageSize: 1000 }));
    await ws.send(everyByte(2000));
    return closeObservation(await ws.closed);
  },

  async "wss-echo"(env, id) {
    const results: Observation[] = [];
    for (const compress of [false, true]) {
      const ws = await connect(`${env.WSS_URL}/echo`, options(id, compress ? { extensions: [permessageDeflate()] } : {}));
      const text = await roundTrip(ws, "secure ✓");
      const data = everyByte(MiB);
      const echoed = await roundTrip(ws, data);
      const closed = await ws.close(1000);
      results.push({ extensions: ws.extensions, text, binaryDiff: echoed instanceof Uint8Array ? firstDifference(echoed, data) : -2, clean: closed.wasClean });
    }
    return { results };
  },

  "wss-untrusted": (env, id) => failure(connect(`${env.UNTRUSTED_URL}/echo`, options(id))),

  async "send-backpressure"(env, id) {
    // The server reads nothing for 500 ms: its session pauses the socket, TCP windows fill,
    // workerd's socket stops taking writes, and our awaited sends wait.
    const ws = await connect(`${env.ECHO_URL}/hold`, options(id));
    const chunk = everyByte(MiB);
    const count = 32;
    let maxWait = 0;
    let maxBuffered = 0;
    for (let i = 0; i < count; i++) {
      const started = Date.now();
      const sent = ws.send(chunk);
      maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
      await sent;
      maxWait = Math.max(maxWait, Date.now() - started);
    }
    const reply = nextMessage(ws);
    await ws.send("done");
    const server = JSON.parse((await reply) as string) as Observation;
    await ws.close(1000);
    return { waitedOver200ms: maxWait > 200, heldBytes: maxBuffered > 0, serverBytes: server["bytes"], expectedBytes: count * MiB };
  },

  async "send-buffer-full"(env, id) {
    const ws = await connect(`${env.ECHO_URL}/hold`, options(id, { maxBufferedAmount: MiB }));
    const chunk = everyByte(MiB);
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 8; i++) sends.push(ws.send(chunk).then(() => "sent", () => "rejected"));
    const closed = await ws.closed;
    return { ...closeObservation(closed), lastSend: await sends.at(-1) };
  },

  async "receive-backpressure"(env, id) {
    // The server sends 24 MiB, awaiting each send; we read nothing for 500 ms.
    const ws = await connect(`${env.ECHO_URL}/flood`, options(id, { receiveHighWaterMark: MiB }));
    await sleep(500);
    const paused = ws.isPaused;
    let count = 0;
    let intact = true;
    let server: Observation = {};
    const expected = everyByte(MiB);
    for await (const m of ws) {
      if (typeof m === "string") {
        server = JSON.parse(m) as Observation;
        break;
      }
      count++;
      intact &&= firstDifference(m, expected) === -1;
    }
    await ws.close(1000);
    return { paused, count, intact, serverWaitedOver200ms: (server["maxWaitMs"] as number) > 200 };
  },

  async whatwg(env, id) {
    const ws = new WebSocket(`${env.ECHO_URL}/echo`, ["chat"], { headers: { "X-Case-Id": id } });
    ws.binaryType = "arraybuffer";
    const events: string[] = [];
    const data: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => {
        events.push("open");
        ws.send("hi ✓");
        ws.send(new Uint8Array([1, 2, 3]));
      });
      ws.addEventListener("message", (event) => {
        const value = (event as unknown as { data: unknown }).data;
        data.push(value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value);
        if (data.length === 2) ws.close(1000, "done");
      });
      ws.addEventListener("error", () => events.push("error"));
      ws.addEventListener("close", (event) => {
        const e = event as unknown as { code: number; reason: string; wasClean: boolean };
        events.push(`close ${e.code} ${e.reason} ${e.wasClean}`);
        resolve();
      });
      setTimeout(() => reject(new Error("timed out")), 5000);
    });
    return { protocol: ws.protocol, events, data };
  },

  async "whatwg-handler-properties"(env, id) {
    // workerd's EventTarget also calls an `on<type>` property itself (see the README).
    const ws = new WebSocket(`${env.ECHO_URL}/echo`, [], { headers: { "X-Case-Id": id } });
    const calls = { open: 0, message: 0, close: 0 };
    await new Promise<void>((resolve) => {
      ws.onopen = () => {
        calls.open++;
        if (calls.open === 1) ws.send("once");
      };
      ws.onmessage = () => {
        calls.message++;
        ws.close(1000);
      };
      ws.onclose = () => {
        calls.close++;
        setTimeout(resolve, 50);
      };
    });
    return calls;
  },

  async "error-types"(env, id) {
    const error = await connect("ftp://127.0.0.1/", options(id)).catch((e: unknown) => e);
    return { invalidUrl: error instanceof WebSocketError ? error.code : String(error) };
  },
};
