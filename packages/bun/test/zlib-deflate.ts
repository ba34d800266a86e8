/**
 * For test/zlib-deflate.test.ts: Bun's permessageDeflate (received messages and long sent ones
 * through Bun's node:zlib) against core's (fflate alone), in memory on the installed `bun`, both
 * ways, with context takeover, across short and long messages so the window passes between the
 * two codecs; then a decompression bomb. Counts the native calls, so a silent fallback to fflate
 * shows, and the one-shot node:zlib calls of a fresh codec, so a fallback from reset handles
 * shows. Prints one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/zlib-deflate.ts
 */
import { kMaxLength } from "node:buffer";
import zlib from "node:zlib";
import { type Extension, permessageDeflate as corePermessageDeflate } from "@wsengine/core";
import { createZlibDeflate, type ZlibModule } from "@wsengine/session";
import { permessageDeflate, zlibDeflate } from "../src/index.js";

export interface Report {
  readonly messages: number;
  readonly mismatches: number;
  readonly nativeDeflates: number;
  readonly nativeInflates: number;
  /** The error code a 1 MiB bomb against a 64 KiB limit gave, or "none". */
  readonly bomb: string;
  /**
   * node:zlib one-shot calls a fresh codec made for a message each way after its first: 0 when
   * it runs on reset handles, as on Node (see createZlibDeflate in @wsengine/session).
   */
  readonly oneShotCalls: number;
}

const RSV1 = 0x40;
const calls = { deflate: 0, inflate: 0 };
const { deflate, inflate } = zlibDeflate;
Object.assign(zlibDeflate, {
  deflate: (...args: Parameters<typeof deflate>) => (calls.deflate++, deflate(...args)),
  inflate: (...args: Parameters<typeof inflate>) => (calls.inflate++, inflate(...args)),
});

function text(size: number, seed: number): Uint8Array {
  let s = "";
  for (let i = 0; s.length < size; i++) s += `{"id":${(seed * 7919 + i) % 1000},"user":"u${i % 17}","text":"héllo ${i % 5}"},`;
  return new TextEncoder().encode(s).subarray(0, size);
}

/** One message from `sender` to `receiver`, sliced in 1000-byte pieces as a socket might. */
function send(sender: Extension, receiver: Extension, data: Uint8Array): boolean {
  const payload = sender.encode(data, true, true);
  if (payload.rsv !== RSV1) return false;
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.data.length || at === 0; at += 1000) {
    out.push(...receiver.decode(payload.data.subarray(at, at + 1000), RSV1, at + 1000 >= payload.data.length, 1 << 24));
    if (payload.data.length === 0) break;
  }
  const got = new Uint8Array(out.reduce((n, o) => n + o.length, 0));
  let at = 0;
  for (const o of out) got.set(o, (at += o.length) - o.length);
  return got.length === data.length && got.every((b, i) => b === data[i]);
}

const server = permessageDeflate({ threshold: 0 }).negotiate([{ name: "permessage-deflate", params: [] }])!;
const client = corePermessageDeflate({ threshold: 0 }).accept(server.response);
let messages = 0;
let mismatches = 0;
for (const [i, size] of [100, 70_000, 300, 1 << 20, 50, 9000, 2000].entries()) {
  for (const [a, b] of [[server.extension, client], [client, server.extension]] as const) {
    messages++;
    if (!send(a, b, text(size, i))) mismatches++;
  }
}

// 64 MiB of zeros in ~64 KiB: long enough for the native path, stopped at the 64 KiB limit.
let bomb = "none";
const inflatesBefore = calls.inflate;
try {
  const receiver = permessageDeflate().negotiate([{ name: "permessage-deflate", params: [] }])!.extension;
  receiver.decode(zlib.deflateRawSync(new Uint8Array(64 << 20)), RSV1, true, 64 * 1024);
} catch (error) {
  bomb = String((error as { code?: unknown }).code);
}
if (calls.inflate !== inflatesBefore + 1) bomb += " (not native)";

let oneShots = 0;
const counting: ZlibModule = {
  constants: zlib.constants,
  createDeflateRaw: (options) => zlib.createDeflateRaw(options),
  createInflateRaw: (options) => zlib.createInflateRaw(options),
  deflateRawSync: (data, options) => (oneShots++, zlib.deflateRawSync(data, options)),
  inflateRawSync: (data, options) => (oneShots++, zlib.inflateRawSync(data, options)),
};
const fresh = createZlibDeflate(counting, kMaxLength);
fresh.deflate(text(100, 1), 6, 15);
const probed = oneShots;
const sample = text(5000, 2);
const compressed = fresh.deflate(sample, 6, 15);
const back = fresh.inflate(new Uint8Array([...compressed, 0x01, 0x00, 0x00, 0xff, 0xff]), null, 1 << 20);
if (back === null || back.output.length !== sample.length || !back.output.every((b, i) => b === sample[i])) mismatches++;

const report: Report = { messages, mismatches, nativeDeflates: calls.deflate, nativeInflates: inflatesBefore, bomb, oneShotCalls: oneShots - probed };
console.log(JSON.stringify(report));
