/**
 * Run on Deno and Bun by simd-masking.test.ts: whether core compiled its WebAssembly SIMD masking
 * loop on this runtime, and whether maskInto, through it, matches RFC 6455 §5.3 byte by byte over
 * several 64 KiB runs, at every key phase, copying and in place. Prints one JSON line.
 */
import { maskInto } from "../../core/src/frame/mask.js";
import { simdMasker } from "../../core/src/frame/mask-simd.js";

const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const length = 3 * 65_536 + 7;
const data = Uint8Array.from({ length }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
let mismatches = 0;
for (let phase = 0; phase < 4; phase++) {
  const out = new Uint8Array(length + 3);
  maskInto(data, 0, out, 3, length, key, phase);
  const inPlace = data.slice();
  maskInto(inPlace, 0, inPlace, 0, length, key, phase);
  for (let i = 0; i < length; i++) {
    const want = data[i]! ^ key[(phase + i) & 3]!;
    if (out[3 + i] !== want || inPlace[i] !== want) mismatches++;
  }
}
console.log(JSON.stringify({ simd: simdMasker() !== null, mismatches }));
