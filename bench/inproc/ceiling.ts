/**
 * The machine's ceiling for moving payload bytes, against the unmasking loops: memcpy
 * (`TypedArray.prototype.set`), core's maskInto (copy + unmask, what receive() does, and in
 * place; WebAssembly SIMD from 1 KiB where the host compiles it, see
 * packages/core/src/frame/mask-simd.ts), the bufferutil loop that @wsengine/node gives core
 * (copy + unmask), ws's unmask (its JS loop, or bufferutil's C when loaded), and the fastest
 * pure-JS XOR loops we know (BigInt64Array in place, which only V8's optimizing tier makes fast;
 * Int32Array unrolled by 8, which is what maskInto runs below 1 KiB or without WebAssembly).
 * Reported in bytes per second.
 *
 *   tsx inproc/ceiling.ts [--quick]
 */
import { createRequire } from "node:module";
import { maskInto } from "@wsengine/core";
import { SIZES } from "../lib/fixtures.js";
import { requireNodeDefaults } from "../lib/native-mask.js";
import { budgetFrom, emit, sample, workerArgs } from "../lib/measure.js";
import { bufferUtil as wsBufferUtil, wsUsesBufferUtil } from "../lib/ws-internals.js";

const { quick } = workerArgs(process.argv.slice(2));
const budget = budgetFrom(process.argv.slice(2));
const sizes = quick ? [1024, 64 * 1024] : SIZES;
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const KEY32 = new Int32Array(KEY.buffer)[0]!;
const KEY64 = new BigInt64Array(new Uint8Array([...KEY, ...KEY]).buffer)[0]!;

const require = createRequire(import.meta.url);
const native = require("bufferutil") as { unmask(buffer: Uint8Array, mask: Uint8Array): void };
const nodeMask = requireNodeDefaults().mask!;

function xorBigInt64InPlace(d: Uint8Array): void {
  const w = new BigInt64Array(d.buffer, d.byteOffset, d.length >> 3);
  const n = w.length;
  for (let i = 0; i < n; i++) w[i] = w[i]! ^ KEY64;
}

function xorInt32Unrolled(d: Uint8Array): void {
  const w = new Int32Array(d.buffer, d.byteOffset, d.length >> 2);
  const n = w.length & ~7;
  const k = KEY32;
  let i = 0;
  for (; i < n; i += 8) {
    w[i] = w[i]! ^ k;
    w[i + 1] = w[i + 1]! ^ k;
    w[i + 2] = w[i + 2]! ^ k;
    w[i + 3] = w[i + 3]! ^ k;
    w[i + 4] = w[i + 4]! ^ k;
    w[i + 5] = w[i + 5]! ^ k;
    w[i + 6] = w[i + 6]! ^ k;
    w[i + 7] = w[i + 7]! ^ k;
  }
  for (; i < w.length; i++) w[i] = w[i]! ^ k;
}

type Loop = (src: Buffer, dst: Buffer, n: number) => void;
const loops: Record<string, Loop> = {
  "memcpy (TypedArray.set)": (s, d) => d.set(s),
  "core maskInto, copy": (s, d, n) => maskInto(s, 0, d, 0, n, KEY, 0),
  "core maskInto, in place": (_s, d, n) => maskInto(d, 0, d, 0, n, KEY, 0),
  "core + bufferutil (@wsengine/node), copy": (s, d, n) => nodeMask(s, 0, d, 0, n, KEY, 0),
  [`ws unmask, in place${wsUsesBufferUtil() ? " (bufferutil)" : " (JS)"}`]: (_s, d) => wsBufferUtil.unmask(d, KEY),
  "bufferutil C unmask, in place": (_s, d) => native.unmask(d, KEY),
  "JS Int32Array x8, in place": (_s, d) => xorInt32Unrolled(d),
  "JS BigInt64Array, in place": (_s, d) => xorBigInt64InPlace(d),
};

for (const size of sizes) {
  // Aligned buffers of their own (not Buffer's shared pool), as a socket read of this size is.
  const src = Buffer.from(new ArrayBuffer(size));
  const dst = Buffer.from(new ArrayBuffer(size));
  for (let i = 0; i < size; i++) src[i] = (i * 31) & 0xff;
  // Enough calls per pass that small sizes are not all loop overhead.
  const calls = Math.max(1, Math.floor(65536 / size));
  for (const [name, fn] of Object.entries(loops)) {
    const passes = await sample(() => {
      for (let i = 0; i < calls; i++) fn(src, dst, size);
    }, budget);
    emit({ suite: "ceiling", impl: name, case: `${size}`, size, bytesPerSec: passes.map((p) => p * calls * size) });
  }
}
