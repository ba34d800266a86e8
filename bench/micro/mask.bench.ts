/**
 * Micro-benchmark for RFC 6455 §5.3 masking (packages/core/src/frame/mask.ts).
 * Run: npx tsx bench/micro/mask.bench.ts
 * Prints the best throughput of several timed rounds after a warm-up, in GB/s (1e9 bytes/s), then
 * the time core's in-place unmasker (InPlaceMasker, which the message reader uses below 1 KiB)
 * takes per frame over the frames of one read, in nanoseconds.
 */
import { InPlaceMasker, maskInto } from "../../packages/core/src/frame/mask.js";
// ws's own masking: the native bufferutil when it loads (set WS_NO_BUFFER_UTIL=1 to measure ws's
// JS byte loop instead).
import { bufferUtil as wsBufferUtil, wsUsesBufferUtil } from "../lib/ws-internals.js";

type MaskFn = (src: Uint8Array, dst: Uint8Array, length: number, key: Uint8Array) => void;

const SIZES = [16, 125, 1024, 64 * 1024, 1024 * 1024];
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

function reference(src: Uint8Array, dst: Uint8Array, length: number, key: Uint8Array): void {
  for (let i = 0; i < length; i++) dst[i] = src[i]! ^ key[i & 3]!;
}

function measure(fn: MaskFn, src: Uint8Array, dst: Uint8Array, size: number): number {
  // ~64 MiB per round, at least 8 calls, so small sizes are timed over many calls.
  const calls = Math.max(8, Math.floor((64 * 1024 * 1024) / size));
  for (let i = 0; i < Math.min(calls, 50_000); i++) fn(src, dst, size, KEY);
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn(src, dst, size, KEY);
    const ms = performance.now() - t0;
    best = Math.max(best, (size * calls) / ms / 1e6);
  }
  return best;
}

interface Case {
  readonly name: string;
  readonly fn: MaskFn;
  /** Byte offsets of src and dst within their buffers; "same" = dst is src (in place). */
  readonly srcOffset: number;
  readonly dstOffset: number | "same";
}

const cases: Case[] = [
  { name: "maskInto in place, aligned", fn: (s, d, n, k) => maskInto(s, 0, d, 0, n, k, 0), srcOffset: 0, dstOffset: "same" },
  { name: "maskInto in place, offset 1", fn: (s, d, n, k) => maskInto(s, 0, d, 0, n, k, 0), srcOffset: 1, dstOffset: "same" },
  { name: "maskInto copy, both aligned", fn: (s, d, n, k) => maskInto(s, 0, d, 0, n, k, 0), srcOffset: 0, dstOffset: 0 },
  { name: "maskInto copy, src+1 dst+0", fn: (s, d, n, k) => maskInto(s, 0, d, 0, n, k, 0), srcOffset: 1, dstOffset: 0 },
  { name: "maskInto copy, src+3 dst+2", fn: (s, d, n, k) => maskInto(s, 0, d, 0, n, k, 1), srcOffset: 3, dstOffset: 2 },
  { name: "plain byte loop, copy", fn: reference, srcOffset: 0, dstOffset: 0 },
  { name: `ws mask (${wsUsesBufferUtil() ? "native bufferutil" : "JS loop"}), copy`, fn: (s, d, n, k) => wsBufferUtil.mask(s, k, d, 0, n), srcOffset: 0, dstOffset: 0 },
  { name: `ws unmask (${wsUsesBufferUtil() ? "native" : "JS loop"}), in place`, fn: (s, _d, _n, k) => wsBufferUtil.unmask(s, k), srcOffset: 0, dstOffset: "same" },
  { name: "TypedArray.set (memcpy bound)", fn: (s, d, n) => d.set(s.subarray(0, n)), srcOffset: 0, dstOffset: 0 },
];

console.log(`node ${process.version}, GB/s (best of 7)`);
console.log(["case".padEnd(36), ...SIZES.map((s) => String(s).padStart(9))].join(""));
for (const c of cases) {
  const row = [c.name.padEnd(36)];
  for (const size of SIZES) {
    const src = new Uint8Array(size + 8).subarray(c.srcOffset, c.srcOffset + size);
    for (let i = 0; i < size; i++) src[i] = (i * 31) & 0xff;
    const dst = c.dstOffset === "same" ? src : new Uint8Array(size + 8).subarray(c.dstOffset, c.dstOffset + size);
    row.push(measure(c.fn, src, dst, size).toFixed(2).padStart(9));
  }
  console.log(row.join(""));
}

// --- InPlaceMasker over the frames of a read ---

/** The read a socket hands over: about 1,120 bytes, a fresh array each time (Bun's and Node's chunks are). */
const READ_BYTES = 1120;
const FRAME_SIZES = [16, 64, 125, 500];

/** Best nanoseconds per frame: each round copies a read into a fresh array and unmasks each frame's payload in place. */
function measureFrames(size: number, ascii: boolean): number {
  // A masked frame's header: 6 bytes up to 125 bytes of payload, 8 up to 65,535.
  const header = size <= 125 ? 6 : 8;
  const frame = size + header;
  const frames = Math.max(1, Math.floor(READ_BYTES / frame));
  const pristine = new Uint8Array(frames * frame);
  // Each payload is masked ASCII, so that `ascii` sees text it can confirm.
  for (let f = 0; f < frames; f++) {
    for (let j = 0; j < size; j++) pristine[f * frame + header + j] = (0x41 + (j % 26)) ^ KEY[j & 3]!;
  }
  const masker = new InPlaceMasker();
  const reads = Math.max(64, Math.floor((8 * 1024 * 1024) / pristine.length));
  let confirmed = 0;
  const pass = (): void => {
    for (let r = 0; r < reads; r++) {
      const read = new Uint8Array(pristine.length);
      read.set(pristine);
      for (let f = 0; f < frames; f++) if (masker.mask(read, f * frame + header, size, KEY, 0, ascii)) confirmed++;
      masker.release();
    }
  };
  pass();
  if (ascii && confirmed !== reads * frames) throw new Error("the masker did not confirm every payload as ASCII");
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    pass();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / (reads * frames));
  }
  return best;
}

console.log(`\nInPlaceMasker, ns per frame (best of 7), frames of one ${READ_BYTES}-byte read, read copied fresh each time`);
console.log(["payload".padEnd(36), ...FRAME_SIZES.map((s) => String(s).padStart(9))].join(""));
for (const ascii of [true, false]) {
  const row = [(ascii ? "text (ASCII confirmed)" : "binary").padEnd(36)];
  for (const size of FRAME_SIZES) row.push(measureFrames(size, ascii).toFixed(1).padStart(9));
  console.log(row.join(""));
}
