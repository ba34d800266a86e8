/**
 * Writes the committed seed inputs of fuzz/corpus (status "fixed"): inputs that once broke a
 * check (of the fuzzer itself or of core) or that reach rare states. Run: tsx src/seed-corpus.ts
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import type { CorpusEntry } from "./campaign.js";
import { toJson } from "./targets/target.js";

const seeds: Array<Omit<CorpusEntry, "status" | "seed" | "path" | "found" | "error" | "description"> & { name: string; note: string }> = [
  {
    name: "split-streaming-empty-fragment",
    target: "split",
    note: "streaming: a frame header arriving alone emits an empty non-final fragment; a failure in the same message must not break invariance",
    input: { role: "server", deflate: false, streaming: true, sends: [{ kind: "text", text: " ", pieces: 1 }], mutations: [[1560335527, 0]], cuts: "bytewise" },
  },
  {
    name: "split-streaming-deflate-corrupt",
    target: "split",
    note: "streaming + deflate: corrupt compressed data after a valid prefix, one byte at a time",
    input: { role: "server", deflate: true, streaming: true, sends: [{ kind: "binary", size: 125, seed: 0, pieces: 1 }], mutations: [[348857, 0]], cuts: "bytewise" },
  },
  {
    name: "split-deflate-utf8-vs-flush-point",
    target: "split",
    note: "a corrupted compressed text message fails with 1007 whatever the chunking (the rule tripped first may differ)",
    input: { role: "server", deflate: true, streaming: false, sends: [{ kind: "text", text: "\u0800", pieces: 1 }], mutations: [[214014524, 0], [231588705, 0]], cuts: "bytewise" },
  },
  {
    name: "totality-msb-length-client",
    target: "totality",
    note: "a 64-bit length with its most significant bit set, to a client, then more bytes and API calls",
    input: {
      role: "client", phase: "open", deflate: false, streaming: false, autoPong: true, autoClose: true, maxMessageSize: 1 << 20, maxFragments: 1024,
      steps: [{ kind: "bytes", bytes: Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1) }, { kind: "api", call: "sendText", size: 3, code: 1000 }, { kind: "bytes", bytes: Uint8Array.of(0x81, 0x01, 0x61) }],
    },
  },
  {
    name: "totality-deflate-streaming-server",
    target: "totality",
    note: "RSV1 frames with garbage to a streaming server with deflate and tiny limits",
    input: {
      role: "server", phase: "open", deflate: true, streaming: true, autoPong: false, autoClose: false, maxMessageSize: 1, maxFragments: 1,
      steps: [{ kind: "bytes", bytes: Uint8Array.of(0xc1, 0x83, 0x37, 0xfa, 0x21, 0x3d, 0x31, 0xfa, 0xde) }, { kind: "api", call: "close", size: 0, code: 1000 }, { kind: "eof" }],
    },
  },
  {
    name: "handshake-pathological-extensions",
    target: "handshake",
    note: "quoted strings and backslashes in Sec-WebSocket-Extensions (ReDoS-shaped input)",
    input: { role: "server", startLine: "GET /chat HTTP/1.1", headers: [["Host", "example.com"], ["Upgrade", "websocket"], ["Connection", "Upgrade"], ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="], ["Sec-WebSocket-Version", "13"], ["Sec-WebSocket-Extensions", `permessage-deflate; ${'a="\\'.repeat(200)}`]], rest: new Uint8Array(0), cuts: [1, 2, 3, 500], maxHandshakeSize: 16384 },
  },
  {
    name: "handshake-client-duplicate-accept",
    target: "handshake",
    note: "a 101 with Sec-WebSocket-Accept twice must not open the client",
    input: { role: "client", startLine: "HTTP/1.1 101 Switching Protocols", headers: [["Upgrade", "websocket"], ["Connection", "Upgrade"], ["Sec-WebSocket-Accept", "$ACCEPT"], ["Sec-WebSocket-Accept", "$ACCEPT"]], rest: Uint8Array.of(0x81, 0x01, 0x61), cuts: [], maxHandshakeSize: 16384 },
  },
  {
    name: "deflate-window-8-and-bfinal",
    target: "deflate",
    note: "8-bit windows both ways, then zlib BFINAL messages followed by sync-flushed ones",
    input: {
      client: { clientMaxWindowBits: 8, serverMaxWindowBits: 8, threshold: 0 }, server: { threshold: 0 }, sender: "server",
      messages: [{ text: true, size: 3000, seed: 1, pieces: 1 }, { text: false, size: 70000, seed: 2, pieces: 3 }],
      zlib: { takeover: true, windowBits: 9, level: 9, messages: [{ text: true, size: 500, seed: 3, pieces: 2, final: true }, { text: false, size: 9000, seed: 4, pieces: 1, final: false }, { text: true, size: 0, seed: 5, pieces: 1, final: false }] },
    },
  },
];

for (const s of seeds) {
  const entry: CorpusEntry = { target: s.target, status: "fixed", seed: 0, path: "", input: toJson(s.input), description: `${s.note}: ${fc.stringify(s.input).slice(0, 300)}`, error: "", found: "seed corpus" };
  writeFileSync(new URL(`../corpus/seed-${s.name}.json`, import.meta.url), JSON.stringify(entry, null, 2) + "\n");
}
console.log(`wrote ${seeds.length} seed inputs`);
