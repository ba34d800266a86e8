/**
 * The bad-input catalogue (../shared/reference/bad-input-catalogue.md) as tests: every case with
 * its expected reaction and a memory bound, run against core in memory (both roles where the
 * case applies to both) and over sockets against the server adapters: Node in this process, Deno
 * and Bun in one child process each, on the npm deno and bun binaries (the server factory in
 * fixtures/server-factory/, started with the adapter suite's machinery). Wire-level cases are kit
 * scenarios judged by the RFC oracle; the rest (API, timers, memory) are written out below.
 *
 * Memory is measured structurally where core exposes it, else as retained bytes after forced
 * GCs and as the growth of the peak RSS (for the cases that would allocate hugely if a limit were
 * missing). In this process that is `arrayBuffers` and the process's peak, for the cases with an
 * explicit bound. A Deno or Bun server reports its own memory over stdin (its JS heap and buffers,
 * and Linux's VmHWM reset before each case): cheap there, so every case is measured, and each must
 * also leave no connection behind. No bound depends on timing.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import zlib from "node:zlib";
import { ClientConnection, type ConnectionEvent, permessageDeflate, ServerConnection, type ServerOptions } from "@wsengine/core";
import { connect, listen } from "@wsengine/node";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
// The adapter suite is private and not a dependency of this package: its Node-side helpers
// (runtime binaries, peer processes) are imported by path.
import { findRuntime, killChildren, type PeerProcess, type RuntimeName, startPeer } from "../../adapter-suite/src/node/index.js";
import { adapterOptions, type FactoryServerOptions, type Memory } from "../fixtures/server-factory/control.js";
import {
  concat,
  type DetailedResult,
  encodeRequest,
  encodeWireFrame,
  type Endpoint,
  frame,
  type FrameScenario,
  type HandshakeScenario,
  OP,
  readHead,
  type ResponseScenario,
  RSV1,
  RSV2,
  RSV3,
  runScenarioDetailed,
  type Scenario,
  serverEndpoint,
  utf8,
  validRequest,
  VALID_RESPONSE,
  type WireFrame,
} from "../src/index.js";
import { headerValues } from "../src/http.js";
import { coreEndpoint } from "./helpers/core-endpoints.js";

// --- memory ---

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;
/** Bytes held in ArrayBuffers after a full collection: what connections retain. */
/**
 * Bytes held in ArrayBuffers after full collections. V8 frees backing stores on a background
 * sweeper after a GC, so collect, yield, and collect again before reading the number.
 */
async function retainedBuffers(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().arrayBuffers;
}
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const KiB = 1024;
const MiB = 1024 * 1024;

// --- the endpoints ---

/** Limits every endpoint below shares, small so the limit cases stay cheap. */
const LIMITS = { maxMessageSize: 256 * KiB, maxFragments: 64 } as const satisfies ServerOptions;
const serverOptions = (): ServerOptions => ({ ...LIMITS, extensions: [permessageDeflate()] });
/** The server adapters' catalogue server: the same limits, an echo, and short timers. */
const CATALOGUE_SERVER: FactoryServerOptions = { ...LIMITS, deflate: true, closeTimeout: 300, handshakeTimeout: 300 };

/** A server adapter under test: one factory per runtime. */
interface ServerUnderTest {
  /** `"Node"`, `"Deno"`, `"Bun"`: tests are named `(<name> server, over TCP)`. */
  readonly name: string;
  /** The catalogue's echo server ({@link CATALOGUE_SERVER}). */
  readonly url: string;
  /** Another server on this runtime, for the cases that need other timers or behaviours. */
  listen(options: FactoryServerOptions): Promise<{ readonly url: string; close(): Promise<void> }>;
  /**
   * The server process's memory after full GCs, once its servers hold no connection (or after
   * `settle` ms); null when the server shares this process and is measured here instead.
   */
  readonly memory: ((settle: number) => Promise<Memory>) | null;
}

/** A runtime's server factory: started once in beforeAll; a missing runtime is a skip with its reason. */
interface ServerFactory {
  readonly name: string;
  /** Why this runtime cannot be tested here, or null. */
  readonly unavailable: string | null;
  start(): Promise<ServerUnderTest>;
}

async function startNode(): Promise<ServerUnderTest> {
  const listenNode = async (options: FactoryServerOptions): Promise<{ url: string; close(): Promise<void> }> => {
    const wss = await listen({ ...adapterOptions(options), host: "127.0.0.1", port: 0 });
    return { url: `ws://127.0.0.1:${wss.address()!.port}/`, close: () => wss.close({ timeout: 200 }) };
  };
  const server = await listenNode(CATALOGUE_SERVER);
  closers.push(server.close);
  return { name: "Node", url: server.url, listen: listenNode, memory: null };
}

/** Deno or Bun: the server factory in a child process on the npm binary. */
function childFactory(runtime: RuntimeName, name: string): ServerFactory {
  const binary = findRuntime(runtime);
  if (binary.path === null) console.warn(`[catalogue] the ${name} server's cases will be skipped: ${binary.reason}`);
  return {
    name,
    unavailable: binary.path === null ? `${runtime} unavailable: ${binary.reason}` : null,
    async start() {
      const peer: PeerProcess = await startPeer(runtime, binary.path!, `packages/conformance/fixtures/server-factory/${runtime}.ts`, {
        args: [JSON.stringify(CATALOGUE_SERVER)],
        flags: runtime === "deno" ? ["--v8-flags=--expose-gc"] : [],
        control: true,
      });
      console.log(`[catalogue] ${name} server: ${String(peer.announcement.runtime)} at ${peer.url}`);
      const ask = async <T,>(command: unknown): Promise<T> => {
        const reply = (await peer.request(command)) as T & { error?: string };
        if (reply.error !== undefined) throw new Error(`the ${name} server factory failed: ${reply.error}`);
        return reply;
      };
      return {
        name,
        url: peer.url,
        async listen(options) {
          const { id, url } = await ask<{ id: number; url: string }>({ op: "listen", options });
          return { url, close: async () => void (await ask({ op: "close", id })) };
        },
        memory: (settle) => ask<Memory>({ op: "memory", settle }),
      };
    },
  };
}

const FACTORIES: readonly ServerFactory[] = [{ name: "Node", unavailable: null, start: startNode }, childFactory("deno", "Deno"), childFactory("bun", "Bun")];
const started = new Map<string, Promise<ServerUnderTest>>();
/** Tests that asked for each runtime's server so far (see {@link checkInChild}). */
const uses = new Map<string, number>();
const closers: Array<() => Promise<void>> = [];

/** The running server for `factory`; skips the test when its runtime is missing (a failed start fails it). */
async function serverFor(factory: ServerFactory, ctx: TestContext): Promise<ServerUnderTest> {
  if (factory.unavailable !== null) ctx.skip(factory.unavailable);
  uses.set(factory.name, (uses.get(factory.name) ?? 0) + 1);
  return started.get(factory.name)!;
}

/** Scenarios that make a server allocate what it keeps for its lifetime (tables, pools), run before anything is measured. */
const warmUps = (): Scenario[] => [
  frames("deflate", "warm-up", [compressed("warm up ".repeat(100)), frame(OP.binary, deflateBomb(1), { rsv: RSV1 })], { deflate: true }),
  frames("utf8", "warm-up", [frame(OP.text, b(0xff))]),
];

beforeAll(async () => {
  for (const factory of FACTORIES) {
    if (factory.unavailable !== null) continue;
    // Started side by side; a failure surfaces in each of that runtime's tests, not here.
    const server = factory.start().then(async (s) => {
      // Warm up the server process (a child's measurements start after this).
      for (const scenario of warmUps()) await runScenarioDetailed(serverEndpoint(s.url), scenario, 2000);
      return s;
    });
    server.catch(() => {});
    started.set(factory.name, server);
  }
  // Warm up what allocates once per process (fflate's tables, random pools, zlib), so that the
  // first measured case does not count it.
  for (const role of ["server", "client"] as const) {
    const endpoint = coreEndpoint(role, { server: serverOptions(), client: { ...LIMITS, extensions: [permessageDeflate()] } });
    for (const scenario of warmUps()) await runScenarioDetailed(endpoint, scenario, 1000);
  }
  await Promise.allSettled(started.values());
});
afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  killChildren();
  for (const [runtime, stats] of memoryStats) {
    console.log(`[catalogue] ${runtime} server, most of any case: ${Math.round(stats.retained / KiB)} KiB retained (${stats.retainedCase}), peak RSS +${(stats.peak / MiB).toFixed(1)} MiB (${stats.peakCase})`);
  }
});

// --- the wire-level table ---

type Expectation =
  /** Fail the connection with this code. */
  | { readonly kind: "fail"; readonly code: number }
  /** Stay open and echo everything (the oracle's primary reaction, graded pass). */
  | { readonly kind: "echo" }
  /** A policy the RFC leaves open: our engine refuses, with 1002. */
  | { readonly kind: "refuses" }
  /** Handshake: answer with one of these statuses. */
  | { readonly kind: "status"; readonly statuses: readonly number[]; readonly header?: readonly [string, string] }
  /** Handshake: accept, without permessage-deflate. */
  | { readonly kind: "accept-without-deflate" }
  /** Client: do not open the connection. */
  | { readonly kind: "client-fails" };

/** Core in memory, or the server adapters (Node, Deno, Bun) over TCP. */
type Where = "core-server" | "core-client" | "server-adapters";

interface Entry {
  readonly section: string;
  readonly name: string;
  readonly scenario: Scenario;
  readonly expect: Expectation;
  /** Where it runs; default: core server, core client (frames only), the server adapters. */
  readonly on?: ReadonlyArray<Where>;
  /** Bytes the connection may retain afterwards (measurement noise included). Default 256 KiB. */
  readonly retained?: number;
  /** Growth of the process's peak RSS allowed while it runs; only for cases that would allocate without a limit. */
  readonly peak?: number;
}

const b = (...values: number[]): Uint8Array => Uint8Array.from(values);
const code = (c: number, reason: Uint8Array = new Uint8Array(0)): Uint8Array => concat([b(c >> 8, c & 0xff), reason]);
const frames = (group: FrameScenario["group"], name: string, items: FrameScenario["items"], extra: Partial<FrameScenario> = {}): FrameScenario => ({ kind: "frames", group, name, items, ...extra });
const request = (name: string, extra: ReadonlyArray<readonly [string, string]> = [], change: (h: Array<readonly [string, string]>) => Array<readonly [string, string]> = (h) => h, top: { method?: string; version?: string } = {}): HandshakeScenario => {
  const spec = validRequest("$HOST", "$TARGET", extra);
  return { kind: "handshake", group: "handshake", name, request: { ...spec, ...top, headers: change([...spec.headers]) } };
};
const without = (name: string) => (h: Array<readonly [string, string]>) => h.filter(([n]) => n !== name);
const replace = (name: string, value: string) => (h: Array<readonly [string, string]>) => h.map(([n, v]) => [n, n === name ? value : v] as const);
const response = (name: string, headers: ReadonlyArray<readonly [string, string]>, status = 101): ResponseScenario => ({ kind: "response", group: "handshake", name, response: { status, reason: status === 101 ? "Switching Protocols" : "", headers } });
const compressed = (plain: string, extra: Partial<{ mode: "sync" | "final" | "corrupt"; fragments: number; opcode: 1 | 2 }> = {}): FrameScenario["items"][number] => ({ kind: "compressed", opcode: OP.text, plain: utf8(plain), mode: "sync", fragments: 1, ...extra });

/** A permessage-deflate payload that inflates to `mib` MiB of zero bytes (about 1 KiB per MiB). */
function deflateBomb(mib: number): Uint8Array {
  // Sync-flushed pieces end byte-aligned without BFINAL, so copies of one piece form one valid stream.
  const piece = zlib.deflateRawSync(Buffer.alloc(MiB), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const joined = Buffer.concat(Array.from({ length: mib }, () => piece));
  return new Uint8Array(joined.subarray(0, joined.length - 4));
}

const FLIP = "flip" as unknown as boolean;
const INVALID_UTF8: ReadonlyArray<readonly [string, readonly number[]]> = [
  ["overlong C0 80", [0xc0, 0x80]],
  ["overlong E0 80 80", [0xe0, 0x80, 0x80]],
  ["surrogate ED A0 80", [0xed, 0xa0, 0x80]],
  ["above U+10FFFF F4 90 80 80", [0xf4, 0x90, 0x80, 0x80]],
  ["5-byte form F8 88 80 80 80", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["6-byte form FC 84 80 80 80 80", [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]],
  ["continuation byte without a lead", [0x80]],
];

const ENTRIES: readonly Entry[] = [
  // Framing
  ...([["RSV1", RSV1], ["RSV2", RSV2], ["RSV3", RSV3]] as const).map(([n, rsv]): Entry => ({ section: "Framing", name: `${n} set with no extension owning it`, scenario: frames("reserved", n, [frame(OP.text, utf8("x"), { rsv })]), expect: { kind: "fail", code: 1002 } })),
  { section: "Framing", name: "RSV1 on a control frame (permessage-deflate negotiated)", scenario: frames("deflate", "rsv1 ping", [frame(OP.ping, utf8("x"), { rsv: RSV1 })], { deflate: true }), expect: { kind: "fail", code: 1002 } },
  { section: "Framing", name: "RSV1 on a continuation frame (permessage-deflate negotiated)", scenario: frames("deflate", "rsv1 continuation", [{ kind: "compressed", opcode: OP.text, plain: utf8("continuation ".repeat(8)), mode: "sync", fragments: 2, rsv1OnContinuations: true }], { deflate: true }), expect: { kind: "fail", code: 1002 } },
  ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((op): Entry => ({ section: "Framing", name: `reserved opcode ${op}`, scenario: frames("reserved", `opcode ${op}`, [frame(op, b(1))]), expect: { kind: "fail", code: 1002 } })),
  ...([["ping", OP.ping], ["pong", OP.pong]] as const).map(([n, op]): Entry => ({ section: "Framing", name: `${n} with a 126-byte payload`, scenario: frames("control", n, [frame(op, new Uint8Array(126))]), expect: { kind: "fail", code: 1002 } })),
  { section: "Framing", name: "close with a 126-byte payload", scenario: frames("control", "long close", [frame(OP.close, code(1000, new Uint8Array(124).fill(0x61)))]), expect: { kind: "fail", code: 1002 } },
  { section: "Framing", name: "fragmented ping", scenario: frames("control", "fragmented ping", [frame(OP.ping, utf8("a"), { fin: false }), frame(OP.continuation, utf8("b"))]), expect: { kind: "fail", code: 1002 } },
  { section: "Framing", name: "fragmented close", scenario: frames("control", "fragmented close", [frame(OP.close, code(1000), { fin: false })]), expect: { kind: "fail", code: 1002 } },
  { section: "Framing", name: "a frame with the mask bit its direction forbids", scenario: frames("framing", "mask", [frame(OP.text, utf8("x"), { masked: FLIP })]), expect: { kind: "fail", code: 1002 } },
  { section: "Framing", name: "64-bit length with the most significant bit set", scenario: frames("framing", "msb", [frame(OP.binary, new Uint8Array(0), { msb: true, declaredLength: 5 })]), expect: { kind: "fail", code: 1002 } },
  // Refused from the header alone: nothing of the announced payload is ever allocated.
  ...[LIMITS.maxMessageSize + 1, 2 ** 32, 2 ** 53, 2 ** 60].map((n): Entry => ({ section: "Framing", name: `a length of ${n} over the limit, refused from the header`, scenario: frames("limits", `length ${n}`, [frame(OP.binary, new Uint8Array(0), { declaredLength: n })], { openEnded: true }), expect: { kind: "fail", code: 1009 }, peak: 8 * MiB })),
  { section: "Framing", name: "non-minimal length encoding: our policy is to refuse (1002)", scenario: frames("framing", "non-minimal", [frame(OP.binary, b(1, 2, 3), { lengthForm: "16" })]), expect: { kind: "refuses" } },
  { section: "Framing", name: "every split point of a valid stream (one byte at a time)", scenario: frames("framing", "bytewise", [frame(OP.text, utf8("héllo"), { fin: false }), frame(OP.ping, utf8("p")), frame(OP.continuation, utf8(" wörld")), frame(OP.binary, b(0, 255))], { cuts: Array.from({ length: 60 }, (_, i) => (i + 1) / 61) }), expect: { kind: "echo" } },
  { section: "Framing", name: "bytes after a Close frame are discarded", scenario: frames("closing", "after close", [frame(OP.close, code(1000)), frame(OP.text, utf8("late")), frame(OP.ping, utf8("late"))]), expect: { kind: "echo" } },

  // Fragmentation
  { section: "Fragmentation", name: "continuation with no message started", scenario: frames("fragmentation", "cont", [frame(OP.continuation, utf8("x"))]), expect: { kind: "fail", code: 1002 } },
  { section: "Fragmentation", name: "a new text frame inside an open message", scenario: frames("fragmentation", "nested", [frame(OP.text, utf8("a"), { fin: false }), frame(OP.text, utf8("b"))]), expect: { kind: "fail", code: 1002 } },
  { section: "Fragmentation", name: "a new binary frame inside an open message", scenario: frames("fragmentation", "nested binary", [frame(OP.binary, b(1), { fin: false }), frame(OP.binary, b(2))]), expect: { kind: "fail", code: 1002 } },
  { section: "Fragmentation", name: "ping and pong between fragments are handled", scenario: frames("fragmentation", "between", [frame(OP.text, utf8("a"), { fin: false }), frame(OP.ping, utf8("1")), frame(OP.pong, utf8("2")), frame(OP.continuation, utf8("b")), frame(OP.binary, b(3), { fin: false }), frame(OP.ping, utf8("3")), frame(OP.continuation, b(4))]), expect: { kind: "echo" } },
  { section: "Fragmentation", name: "a Close between fragments ends the connection cleanly", scenario: frames("fragmentation", "close between", [frame(OP.text, utf8("unfinished"), { fin: false }), frame(OP.close, code(1000))]), expect: { kind: "echo" } },
  { section: "Fragmentation", name: "empty fragments count toward the fragment limit", scenario: frames("limits", "empty fragments", [frame(OP.text, new Uint8Array(0), { fin: false }), ...Array.from({ length: LIMITS.maxFragments + 1 }, () => frame(OP.continuation, new Uint8Array(0), { fin: false }))]), expect: { kind: "fail", code: 1009 } },
  { section: "Fragmentation", name: "the message size limit applies across fragments", scenario: frames("limits", "total", [frame(OP.binary, new Uint8Array(100 * KiB), { fin: false }), frame(OP.continuation, new Uint8Array(100 * KiB), { fin: false }), frame(OP.continuation, new Uint8Array(100 * KiB))]), expect: { kind: "fail", code: 1009 } },

  // UTF-8
  ...INVALID_UTF8.map(([n, bytes]): Entry => ({ section: "UTF-8", name: `${n}, mid-fragment: fails at once (1007)`, scenario: frames("utf8", n, [frame(OP.text, concat([utf8("ok "), Uint8Array.from(bytes)]), { fin: false })]), expect: { kind: "fail", code: 1007 } })),
  { section: "UTF-8", name: "a sequence truncated at the end of the message", scenario: frames("utf8", "truncated", [frame(OP.text, b(0x61, 0xe2, 0x82))]), expect: { kind: "fail", code: 1007 } },
  { section: "UTF-8", name: "a close reason that is not UTF-8", scenario: frames("closing", "reason", [frame(OP.close, code(1000, b(0xff)))]), expect: { kind: "fail", code: 1007 } },
  { section: "UTF-8", name: "a leading byte-order mark is data", scenario: frames("utf8", "bom", [frame(OP.text, b(0xef, 0xbb, 0xbf, 0x68, 0x69))]), expect: { kind: "echo" } },

  // Closing
  { section: "Closing", name: "a close payload of exactly 1 byte", scenario: frames("closing", "1 byte", [frame(OP.close, b(3))]), expect: { kind: "fail", code: 1002 } },
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535].map((c): Entry => ({ section: "Closing", name: `received close code ${c} is refused`, scenario: frames("closing", `code ${c}`, [frame(OP.close, code(c))]), expect: { kind: "fail", code: 1002 } })),
  ...[1000, 1001, 1002, 1003, 1007, 1011, 1012, 1014, 3000, 4999].map((c): Entry => ({ section: "Closing", name: `received close code ${c} is accepted and echoed`, scenario: frames("closing", `code ${c}`, [frame(OP.close, code(c))]), expect: { kind: "echo" } })),

  // Opening handshake and HTTP
  { section: "Handshake", name: "too many header lines: 431, never a crash", scenario: request("many headers", Array.from({ length: 500 }, (_, i) => [`X-H${i}`, "v"] as const)), expect: { kind: "status", statuses: [431, 400] }, on: ["core-server", "server-adapters"] },
  { section: "Handshake", name: "a head over the size limit: 431", scenario: request("large head", [["X-Large", "a".repeat(40 * KiB)]]), expect: { kind: "status", statuses: [431, 400] }, on: ["core-server", "server-adapters"] },
  { section: "Handshake", name: "header names __proto__, constructor, hasOwnProperty are plain data", scenario: request("proto", [["__proto__", "1"], ["constructor", "2"], ["hasOwnProperty", "3"], ["toString", "4"]]), expect: { kind: "status", statuses: [101] }, on: ["core-server", "server-adapters"] },
  ...(
    [
      ["key not base64", request("key", [], replace("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="))],
      ["key of 15 bytes", request("key15", [], replace("Sec-WebSocket-Key", Buffer.alloc(15).toString("base64")))],
      ["missing key", request("no key", [], without("Sec-WebSocket-Key"))],
      ["duplicated key", request("dup key", [["Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw=="]])],
      ["missing Upgrade", request("no upgrade", [], without("Upgrade"))],
      ["missing upgrade token in Connection", request("no connection", [], replace("Connection", "keep-alive"))],
      ["HTTP/1.0", request("1.0", [], (h) => h, { version: "HTTP/1.0" })],
    ] as const
  ).map(([n, scenario]): Entry => ({ section: "Handshake", name: `${n}: 400`, scenario, expect: { kind: "status", statuses: [400] }, on: ["core-server", "server-adapters"] })),
  { section: "Handshake", name: "method not GET: 405", scenario: request("post", [], (h) => h, { method: "POST" }), expect: { kind: "status", statuses: [405, 400] }, on: ["core-server", "server-adapters"] },
  { section: "Handshake", name: "wrong version: 426 with Sec-WebSocket-Version: 13", scenario: request("v14", [], replace("Sec-WebSocket-Version", "14")), expect: { kind: "status", statuses: [426], header: ["sec-websocket-version", "13"] }, on: ["core-server", "server-adapters"] },
  ...["status 200", "status 403"].map((n, i): Entry => ({ section: "Handshake (client)", name: `${n}: not opened`, scenario: response(n, [["Content-Length", "0"]], [200, 403][i]), expect: { kind: "client-fails" }, on: ["core-client"] })),
  { section: "Handshake (client)", name: "wrong Sec-WebSocket-Accept: not opened", scenario: response("accept", VALID_RESPONSE.headers.map(([n, v]) => [n, n === "Sec-WebSocket-Accept" ? "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" : v] as const)), expect: { kind: "client-fails" }, on: ["core-client"] },
  { section: "Handshake (client)", name: "a subprotocol that was not offered: not opened", scenario: response("protocol", [...VALID_RESPONSE.headers, ["Sec-WebSocket-Protocol", "chat"]]), expect: { kind: "client-fails" }, on: ["core-client"] },
  { section: "Handshake (client)", name: "an extension that was not offered: not opened", scenario: response("extension", [...VALID_RESPONSE.headers, ["Sec-WebSocket-Extensions", "x-other"]]), expect: { kind: "client-fails" }, on: ["core-client"] },
  { section: "Handshake (client)", name: "a duplicated extension: not opened", scenario: response("duplicate", [...VALID_RESPONSE.headers, ["Sec-WebSocket-Extensions", "permessage-deflate, permessage-deflate"]]), expect: { kind: "client-fails" }, on: ["core-client"] },

  // permessage-deflate
  { section: "permessage-deflate", name: "a decompression bomb fails with 1009 while inflating", scenario: frames("deflate", "bomb", [frame(OP.binary, deflateBomb(64), { rsv: RSV1 })], { deflate: true }), expect: { kind: "fail", code: 1009 }, peak: 24 * MiB },
  { section: "permessage-deflate", name: "context takeover stays in step across compressed and plain messages", scenario: frames("deflate", "takeover", [compressed("repeat after me, repeat after me"), frame(OP.text, utf8("plain")), compressed("repeat after me, repeat after me"), compressed("x")], { deflate: true }), expect: { kind: "echo" } },
  { section: "permessage-deflate", name: "a final-block (BFINAL) message, and the message after it", scenario: frames("deflate", "bfinal", [compressed("final block", { mode: "final" }), compressed("next message"), compressed("and the next")], { deflate: true }), expect: { kind: "echo" } },
  { section: "permessage-deflate", name: "the empty compressed message (0x00) and fragments with RSV1 on the first only", scenario: frames("deflate", "empty", [compressed(""), compressed("fragments ".repeat(20), { fragments: 3 })], { deflate: true }), expect: { kind: "echo" } },
  { section: "permessage-deflate", name: "a window of 8 bits works", scenario: frames("deflate", "window 8", [compressed("window bits eight ".repeat(40)), compressed("window bits eight ".repeat(40))], { deflate: true, deflateOffer: "permessage-deflate; client_max_window_bits=8; server_max_window_bits=8" }), expect: { kind: "echo" }, on: ["core-server", "server-adapters"] },
  { section: "permessage-deflate", name: "data that cannot be inflated", scenario: frames("deflate", "corrupt", [compressed("garbage", { mode: "corrupt" })], { deflate: true }), expect: { kind: "fail", code: 1007 } },
  ...["server_max_window_bits=7", "server_max_window_bits=16", "client_max_window_bits=1000", "server_max_window_bits=ab", "server_no_context_takeover; server_no_context_takeover", "x_unknown=1"].map(
    (params): Entry => ({ section: "permessage-deflate", name: `offer "${params}" is declined`, scenario: request(params, [["Sec-WebSocket-Extensions", `permessage-deflate; ${params}`]]), expect: { kind: "accept-without-deflate" }, on: ["core-server", "server-adapters"] }),
  ),
];

/** Run `entry` on `endpoint` and check its reaction; returns the details for further checks. */
async function check(entry: Entry, endpoint: Endpoint): Promise<DetailedResult> {
  const role = endpoint.role;
  const scenario = entry.scenario.kind === "frames" ? { ...entry.scenario, items: entry.scenario.items.map((item) => ("masked" in item && (item.masked as unknown) === "flip" ? { ...item, masked: role !== "server" } : item)) } : entry.scenario;
  const detailed = await runScenarioDetailed(endpoint, scenario as Scenario, 1000);
  const { result, observation } = detailed;
  const context = `${result.grade}: ${result.notes.join("; ")} | observed ${result.observed}`;
  switch (entry.expect.kind) {
    case "fail": {
      // info: the oracle allows 1009 as a size-limit policy (the limits here are ours, not the RFC's).
      expect(result.grade, context).toMatch(/^(pass|info)$/);
      const close = observation?.received.find((r) => r.type === "close");
      expect(close?.type === "close" ? close.code : null, context).toBe(entry.expect.code);
      break;
    }
    case "echo":
      expect(result.grade, context).toBe("pass");
      break;
    case "refuses":
      expect(result.grade, context).toBe("info");
      expect(result.notes[0], context).toMatch(/^refuses/);
      break;
    case "status": {
      const status = detailed.handshake?.head === undefined || detailed.handshake.head === null ? null : Number(detailed.handshake.head.startLine.split(" ")[1]);
      expect(entry.expect.statuses, context).toContain(status);
      if (entry.expect.header !== undefined) {
        const [name, value] = entry.expect.header;
        expect(headerValues(detailed.handshake!.head!, name).join(","), context).toContain(value);
      }
      expect(result.grade === "pass" || result.grade === "info", context).toBe(true);
      break;
    }
    case "accept-without-deflate":
      expect(result.grade, context).toBe("pass");
      expect(headerValues(detailed.handshake!.head!, "sec-websocket-extensions"), context).toEqual([]);
      break;
    case "client-fails":
      expect(result.grade, context).toMatch(/^(pass|info)$/);
      expect(result.observed, context).toMatch(/^did not echo the probe/);
      break;
  }
  return detailed;
}

const runsOn = (entry: Entry, where: Where): boolean =>
  entry.on !== undefined ? entry.on.includes(where) : where !== "core-client" || entry.scenario.kind === "frames";

/**
 * Memory is checked on core's server in memory for every case (a full GC before and after), and
 * elsewhere for the cases with an explicit bound: collections are too slow to repeat everywhere.
 */
async function checkWithMemory(entry: Entry, endpoint: Endpoint & { last?: unknown }, always: boolean): Promise<void> {
  const measure = always || entry.retained !== undefined || entry.peak !== undefined;
  const peakBefore = peakRss();
  const before = measure ? await retainedBuffers() : 0;
  await check(entry, endpoint);
  if (!measure) return;
  // In memory the connection is still referenced here (endpoint.last): what it holds counts.
  const held = endpoint.last;
  const after = await retainedBuffers();
  expect(after - before, "bytes retained by the connection").toBeLessThan(entry.retained ?? 256 * KiB);
  if (entry.peak !== undefined) expect(peakRss() - peakBefore, "growth of the peak RSS").toBeLessThan(entry.peak);
  void held;
}

/** Each child's server's last memory reading, and which use of the server it ended. */
const lastReadings = new Map<string, { readonly memory: Memory; readonly use: number }>();
/** The largest numbers any case produced on each child's server, printed at the end. */
const memoryStats = new Map<string, { retained: number; retainedCase: string; peak: number; peakCase: string }>();

/**
 * {@link check} on a server in a child process, with its own memory: nothing retained past the
 * entry's bound (default 256 KiB) once the connection is gone, no connection left, and for the
 * entries with a peak bound, the growth of the peak RSS while the case ran.
 */
async function checkInChild(entry: Entry, server: ServerUnderTest): Promise<void> {
  const memory = server.memory!;
  const bound = entry.retained ?? 256 * KiB;
  // The previous case's last reading is this one's baseline when no other test used the server
  // since (each reading also restarts the peak): a collection in the child takes 10-50 ms.
  const last = lastReadings.get(server.name);
  const before = last !== undefined && last.use === uses.get(server.name)! - 1 ? last.memory : await memory(2000);
  await check(entry, serverEndpoint(server.url));
  let after = await memory(2000);
  expect(after.clients, `connections the ${after.runtime} server still holds`).toBe(0);
  // Without a resettable peak (not Linux), only growth of the process's peak ever is visible.
  const peak = after.peakRss - (after.peakResets ? before.rss : before.peakRss);
  // Deno and Bun sometimes hold a finished connection's garbage for a while (about 2 MiB after
  // the decompression bomb; Bun frees closed sockets, and what they reference, a few collections
  // late, later still on a loaded machine: CI once saw 258 KiB after three probes for a case that
  // retains 150 KiB or less when run alone): read again after up to six more connections, each
  // after a longer pause (25 ms doubling, 1.6 s in all). A leak survives them; this does not.
  for (let probes = 0; probes < 6 && after.retained - before.retained >= bound; probes++) {
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** probes));
    expect(await serverEndpoint(server.url).probe!(1000), "a probe after the case").toBeNull();
    after = await memory(2000);
  }
  const retained = after.retained - before.retained;
  lastReadings.set(server.name, { memory: after, use: uses.get(server.name)! });
  const stats = memoryStats.get(after.runtime) ?? { retained: 0, retainedCase: "", peak: 0, peakCase: "" };
  if (retained > stats.retained) Object.assign(stats, { retained, retainedCase: entry.name });
  if (peak > stats.peak) Object.assign(stats, { peak, peakCase: entry.name });
  memoryStats.set(after.runtime, stats);
  expect(retained, `bytes the ${after.runtime} server retains (JS heap and buffers)`).toBeLessThan(bound);
  if (entry.peak !== undefined) expect(peak, `growth of the ${after.runtime} server's peak RSS${after.peakResets ? "" : " (its peak ever: /proc/self/clear_refs is not available)"}`).toBeLessThan(entry.peak);
}

for (const section of [...new Set(ENTRIES.map((e) => e.section))]) {
  describe(`catalogue: ${section}`, () => {
    for (const entry of ENTRIES.filter((e) => e.section === section)) {
      for (const role of ["server", "client"] as const) {
        if (!runsOn(entry, role === "server" ? "core-server" : "core-client")) continue;
        it(`${entry.name} (core ${role}, in memory)`, async () => {
          const endpoint = coreEndpoint(role, { server: serverOptions(), client: { ...LIMITS, extensions: [permessageDeflate()] } });
          await checkWithMemory(entry, endpoint, role === "server");
        });
      }
      if (!runsOn(entry, "server-adapters")) continue;
      for (const factory of FACTORIES) {
        it(`${entry.name} (${factory.name} server, over TCP)`, async (ctx) => {
          const server = await serverFor(factory, ctx);
          // Node: server and kit share the process; once the connection is gone, memory is back to its baseline.
          if (server.memory === null) await checkWithMemory(entry, serverEndpoint(server.url), false);
          else await checkInChild(entry, server);
        });
      }
    }
  });
}

// --- what a byte script cannot express ---

const REQUEST = encodeRequest(validRequest("127.0.0.1", "/"));
function openServer(options: ServerOptions = serverOptions()): ServerConnection {
  const server = new ServerConnection(options);
  const events = server.receive(REQUEST);
  expect(events.map((e) => e.type)).toEqual(["upgrade-request"]);
  server.accept();
  server.takeEvents();
  server.takeOutgoing();
  return server;
}
const masked = (f: WireFrame, i = 0): Uint8Array => encodeWireFrame(f, true, i);

/** A raw TCP connection to the server at `url`. */
async function rawConnect(url: string): Promise<Socket> {
  const socket = netConnect(Number(new URL(url).port), "127.0.0.1");
  await once(socket, "connect");
  return socket;
}
/** Everything a socket sends until it closes, and when it closed. */
function collect(socket: Socket): { bytes: () => Uint8Array; closed: Promise<number> } {
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => {});
  const start = Date.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - start)));
  return { bytes: () => new Uint8Array(Buffer.concat(chunks)), closed };
}

describe("catalogue: Framing (transport)", () => {
  it("bytes that arrive right behind the handshake are kept as frames (core)", () => {
    const server = new ServerConnection();
    const events = server.receive(concat([REQUEST, masked(frame(OP.text, utf8("early")))]));
    expect(events.map((e) => e.type)).toEqual(["upgrade-request"]);
    server.accept();
    expect(server.takeEvents()).toContainEqual({ type: "text", data: "early" });
  });

  for (const factory of FACTORIES) {
    it(`bytes that arrive right behind the handshake are kept as frames (${factory.name} server)`, async (ctx) => {
      const server = await serverFor(factory, ctx);
      const socket = await rawConnect(server.url);
      const seen = collect(socket);
      socket.write(concat([REQUEST, masked(frame(OP.text, utf8("early")))]));
      await expect.poll(() => Buffer.from(seen.bytes()).includes("early")).toBe(true);
      socket.destroy();
    });
  }
});

describe("catalogue: Fragmentation (transport)", () => {
  it("a ping between fragments is answered before the message ends", () => {
    const server = openServer();
    server.receive(concat([masked(frame(OP.text, utf8("half"), { fin: false })), masked(frame(OP.ping, utf8("now")), 1)]));
    const out = concat(server.takeOutgoing());
    expect(Buffer.from(out).toString("hex")).toBe("8a036e6f77");
  });

  it("a large frame arriving in tiny chunks holds at most the frame, never more (core)", async () => {
    const server = new ServerConnection({ maxMessageSize: 256 * KiB });
    server.receive(REQUEST);
    server.accept();
    server.takeOutgoing();
    const payload = new Uint8Array(200 * KiB).fill(0x61);
    const bytes = masked(frame(OP.binary, payload));
    const before = await retainedBuffers();
    // Half the frame, 64 bytes at a time: what is held is bounded by the announced size.
    let at = 0;
    for (; at < bytes.length / 2; at += 64) server.receive(bytes.subarray(at, at + 64));
    const held = (await retainedBuffers()) - before;
    expect(held).toBeLessThan(256 * KiB + 64 * KiB);
    const events: ConnectionEvent[] = [];
    for (; at < bytes.length; at += 64) events.push(...server.receive(bytes.subarray(at, at + 64)));
    expect(events.map((e) => e.type)).toEqual(["binary"]);
  });
});

describe("catalogue: Closing (API and transport)", () => {
  it("the application can never put 1004, 1005, 1006 or 1015 on the wire", () => {
    for (const c of [1004, 1005, 1006, 1015, 999, 5000]) {
      expect(() => openServer().close(c)).toThrow(/may not be sent/);
      expect(() => openServer().fail(c)).toThrow(/may not be sent/);
    }
  });

  it("a reason over 123 bytes is cut on a code-point boundary", () => {
    const server = openServer();
    server.close(1000, "é".repeat(100));
    const out = concat(server.takeOutgoing());
    // 2-byte header, 2-byte code, then the reason: 61 whole "é" (122 bytes), not 123.
    expect(out[1]).toBe(2 + 122);
    expect(new TextDecoder("utf-8", { fatal: true }).decode(out.subarray(4))).toBe("é".repeat(61));
  });

  it("EOF without a Close is reported locally as 1006", () => {
    const server = openServer();
    expect(server.receiveEof()).toEqual([{ type: "closed", code: 1006, reason: "", wasClean: false, error: expect.objectContaining({ code: "UNEXPECTED_EOF" }) }]);
  });

  for (const factory of FACTORIES) {
    it(`a peer that never answers our Close is cut off after the close timeout; the server closes TCP first (${factory.name} server)`, async (ctx) => {
      const wss = await (await serverFor(factory, ctx)).listen({ closeTimeout: 200, behaviour: "close-on-open" });
      try {
        const socket = await rawConnect(wss.url);
        const seen = collect(socket);
        socket.write(REQUEST);
        // The client reads the Close but never answers and never closes.
        const elapsed = await seen.closed;
        expect(Buffer.from(seen.bytes()).includes(Buffer.from([0x88]))).toBe(true);
        expect(elapsed).toBeLessThan(3000);
      } finally {
        await wss.close();
      }
    });
  }
});

describe("catalogue: Handshake (transport)", () => {
  it("a head delivered one byte at a time parses in linear time (core)", () => {
    const head = encodeRequest(validRequest("127.0.0.1", "/", Array.from({ length: 90 }, (_, i) => [`X-Header-${i}`, "v".repeat(120)] as const)));
    expect(head.length).toBeGreaterThanOrEqual(12 * KiB);
    const server = new ServerConnection();
    const started = performance.now();
    let events: ConnectionEvent[] = [];
    for (let i = 0; i < head.length; i++) events = events.concat(server.receive(head.subarray(i, i + 1)));
    expect(events.map((e) => e.type)).toEqual(["upgrade-request"]);
    // Quadratic re-parsing (tungstenite CVE-2023-43669) would take seconds here; linear takes milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  for (const factory of FACTORIES) {
    it(`a slowloris client is cut off by the handshake timeout and the server keeps serving (${factory.name} server)`, async (ctx) => {
      const server = await serverFor(factory, ctx);
      const socket = await rawConnect(server.url);
      const seen = collect(socket);
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      const elapsed = await seen.closed;
      expect(elapsed).toBeLessThan(3000);
      expect(await serverEndpoint(server.url).probe!(1000)).toBeNull();
    });
  }

  it("a pathological Sec-WebSocket-Extensions value is answered at once (no backtracking)", () => {
    const evil = `permessage-deflate; ${'a="\\'.repeat(3000)}`;
    const server = new ServerConnection({ extensions: [permessageDeflate()] });
    const started = performance.now();
    server.receive(encodeRequest(validRequest("127.0.0.1", "/", [["Sec-WebSocket-Extensions", evil]])));
    const head = readHead(concat(server.takeOutgoing()));
    expect(head === null || head instanceof Error ? null : head.head.startLine).toMatch(/^HTTP\/1\.1 400/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("redirects are bounded (client)", async () => {
    let requests = 0;
    const http = createHttpServer((req, res) => {
      requests++;
      res.writeHead(302, { location: req.url ?? "/" }).end();
    });
    http.on("upgrade", (req, socket) => {
      requests++;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n`);
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    try {
      const port = (http.address() as { port: number }).port;
      await expect(connect(`ws://127.0.0.1:${port}/`, { maxRedirects: 3 })).rejects.toMatchObject({ code: "TOO_MANY_REDIRECTS" });
      expect(requests).toBe(4);
    } finally {
      http.close();
    }
  });
});

describe("catalogue: memory after a failure", () => {
  const fixture = JSON.parse(readFileSync(new URL("./fixtures/core-bug-retains-input-after-failure.json", import.meta.url), "utf8")) as { status: string; options: ServerOptions };
  const fullGc = retainedBuffers;

  // Several connections, each kept: a retained chunk shows as 64 KiB per connection, while the
  // bound leaves room for one unrelated 64 KiB buffer (a socket of another test reading) that
  // came and went between the two readings; with one connection, that made the check flaky.
  const CONNECTIONS = 8;
  const BOUND = 2 * 64 * KiB;
  /** Fail `server` with a 64 KiB message then a reserved opcode, in one chunk nothing else keeps. */
  const failWithChunk = (server: ServerConnection): void => {
    const events = server.receive(concat([masked(frame(OP.binary, new Uint8Array(64 * KiB))), masked(frame(5, b(1)), 1)]));
    expect(events.map((e) => e.type)).toEqual(["binary", "closed"]);
  };

  // Was a core bug (fixture above): the closed event's error kept the chunk alive through its
  // unformatted stack trace. Core now formats the stack when it fails the connection.
  (fixture.status === "open" ? it.fails : it)("a failed connection keeps nothing of its last input chunk", async () => {
    const servers = Array.from({ length: CONNECTIONS }, () => openServer(fixture.options));
    const before = await fullGc();
    for (const server of servers) failWithChunk(server);
    expect((await fullGc()) - before).toBeLessThan(BOUND);
    for (const server of servers) expect(server.closedEvent?.code).toBe(1002);
  });

  it("reading the error's stack releases it (the mechanism behind the open bug)", async () => {
    const servers = Array.from({ length: CONNECTIONS }, () => openServer(fixture.options));
    const before = await fullGc();
    for (const server of servers) {
      failWithChunk(server);
      void server.closedEvent?.error?.stack;
    }
    expect((await fullGc()) - before).toBeLessThan(BOUND);
  });
});

describe("catalogue: memory per connection", () => {
  it("an idle connection without compression holds a bounded amount, reported", async () => {
    const request = encodeRequest(validRequest("127.0.0.1", "/"));
    const servers: ServerConnection[] = [];
    const before = await retainedBuffers();
    for (let i = 0; i < 50; i++) {
      const server = new ServerConnection();
      server.receive(request);
      server.accept();
      server.takeEvents();
      server.takeOutgoing();
      // One short text message each: the reader keeps what it allocated for it.
      server.receive(masked(frame(OP.text, utf8("hello"))));
      server.takeOutgoing();
      servers.push(server);
    }
    const perConnection = ((await retainedBuffers()) - before) / servers.length;
    // A server never draws random bytes (the pool is lazy) and keeps only a scratch sized to
    // its short texts (was 72 KiB: an eager 8 KiB pool and a 64 KiB scratch).
    console.log(`idle server connection after one text message: ${Math.round(perConnection / KiB)} KiB of ArrayBuffers`);
    expect(perConnection).toBeLessThan(2 * KiB);
  });
});

describe("catalogue: permessage-deflate (memory)", () => {
  it("memory per connection with compression is bounded, and reported", async () => {
    const before = await retainedBuffers();
    const servers: ServerConnection[] = [];
    const offer = encodeRequest(validRequest("127.0.0.1", "/", [["Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"]]));
    const message = utf8(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `user ${i}`, ok: i % 2 === 0 }))));
    const client = new ClientConnection({ host: "h", extensions: [permessageDeflate()] });
    void client;
    for (let i = 0; i < 20; i++) {
      const server = new ServerConnection({ extensions: [permessageDeflate()] });
      server.receive(offer);
      server.accept();
      server.takeEvents();
      server.takeOutgoing();
      // Echo one message: the compressor and the inflater now hold their windows.
      server.sendText(new TextDecoder().decode(message));
      server.takeOutgoing();
      servers.push(server);
    }
    const perConnection = ((await retainedBuffers()) - before) / servers.length;
    console.log(`permessage-deflate: ${Math.round(perConnection / KiB)} KiB of ArrayBuffers per idle connection with context takeover`);
    expect(perConnection).toBeLessThan(1 * MiB);
    expect(servers).toHaveLength(20);
  });
});

describe("catalogue: Liveness and resources", () => {
  for (const factory of FACTORIES) {
    it(`a half-open peer is detected by the keepalive ping and its deadline (${factory.name} server)`, async (ctx) => {
      const wss = await (await serverFor(factory, ctx)).listen({ pingInterval: 100, pingTimeout: 100 });
      try {
        const socket = await rawConnect(wss.url);
        const seen = collect(socket);
        socket.write(REQUEST);
        // The peer "vanished": it reads but never answers the pings.
        expect(await seen.closed).toBeLessThan(3000);
        expect(Buffer.from(seen.bytes()).includes(Buffer.from([0x89]))).toBe(true);
      } finally {
        await wss.close();
      }
    });
  }

  it("masking keys differ from frame to frame (pooled CSPRNG)", () => {
    const client = new ClientConnection({ host: "h" });
    const head = readHead(concat(client.takeOutgoing()));
    expect(head).not.toBeNull();
    const key = headerValues((head as { head: Parameters<typeof headerValues>[0] }).head, "sec-websocket-key")[0]!;
    const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    client.receive(utf8(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`));
    const keys = new Set<string>();
    for (let i = 0; i < 50; i++) {
      client.sendText("x");
      keys.add(Buffer.from(concat(client.takeOutgoing()).subarray(2, 6)).toString("hex"));
    }
    expect(keys.size).toBe(50);
  });

  for (const factory of FACTORIES) {
    it(`handlers that send and close while events are delivered are safe (${factory.name} server)`, async (ctx) => {
      // On each message the server echoes it, closes, then sends again (control.ts "reentrant").
      const wss = await (await serverFor(factory, ctx)).listen({ behaviour: "reentrant" });
      try {
        const result = await runScenarioDetailed(serverEndpoint(wss.url), frames("closing", "reentrant", [frame(OP.text, utf8("one")), frame(OP.text, utf8("two")), frame(OP.text, utf8("three"))]), 1000);
        const received = result.observation!.received;
        // The first message is echoed, then the Close; nothing after it, and no violation.
        expect(received.filter((r) => r.type === "violation")).toEqual([]);
        const closeAt = received.findIndex((r) => r.type === "close");
        expect(closeAt).toBeGreaterThan(0);
        expect(received.slice(closeAt + 1).filter((r) => r.type === "text" || r.type === "binary")).toEqual([]);
        expect(await serverEndpoint(wss.url).probe!(1000)).toBeNull();
      } finally {
        await wss.close();
      }
    });
  }

  it.todo("slow consumers and fast producers (backpressure) belong to the load and fault suite");
});

