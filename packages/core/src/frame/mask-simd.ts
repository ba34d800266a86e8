/**
 * RFC 6455 §5.3 masking with WebAssembly's 128-bit SIMD, for long payloads, on hosts that let
 * core compile a module from bytes. JavaScript has no SIMD, and core's word loop tops out near
 * 8 GB/s on Node 20 and Deno and 16-20 GB/s on Bun; this one ran at 22-32 GB/s on all three
 * (64 KiB and 1 MiB; bench/micro/mask.bench.ts on Node, the same loops in a throwaway harness on
 * Deno 2.9.6 and Bun 1.4.5).
 *
 * WebAssembly reads only its own memory, so each run of up to 64 KiB is copied into it, XORed
 * there 64 bytes per iteration, and copied out: two memcpys that stay in the cache, and the XOR
 * at 16 bytes per instruction. Below SIMD_MIN the copies and the call cost more than they save.
 *
 * Hosts that refuse code generation from bytes (Cloudflare Workers, pages whose CSP lacks
 * 'wasm-unsafe-eval') or that lack SIMD fail the compile, and core keeps its JavaScript loop.
 * The module is compiled on first use, not at import.
 */

/** From this length the SIMD path beats core's word loop on Node 20, Deno and Bun (copying or in place). */
export const SIMD_MIN = 1024;

/** The scratch memory's one page, and the longest run masked per call. */
const SCRATCH = 64 * 1024;

/** `mask-simd.wat`, assembled, which {@link loadSimdMasker} compiles (test/mask-simd.test.ts checks that the two agree). */
export const SIMD_MODULE_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00,
  0x03, 0x02, 0x01, 0x00, 0x05, 0x04, 0x01, 0x01, 0x01, 0x01, 0x07, 0x11, 0x02, 0x06, 0x6d, 0x65,
  0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x04, 0x6d, 0x61, 0x73, 0x6b, 0x00, 0x00, 0x0a, 0x65, 0x01,
  0x63, 0x02, 0x01, 0x7f, 0x01, 0x7b, 0x20, 0x01, 0xfd, 0x11, 0x21, 0x03, 0x02, 0x40, 0x03, 0x40,
  0x20, 0x02, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x02, 0xfd, 0x00, 0x04, 0x00, 0x20,
  0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x00, 0x20, 0x02, 0x20, 0x02, 0xfd, 0x00, 0x04, 0x10, 0x20,
  0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x10, 0x20, 0x02, 0x20, 0x02, 0xfd, 0x00, 0x04, 0x20, 0x20,
  0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x20, 0x20, 0x02, 0x20, 0x02, 0xfd, 0x00, 0x04, 0x30, 0x20,
  0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x30, 0x20, 0x02, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x02, 0x0c,
  0x00, 0x0b, 0x0b, 0x0b,
]);

/** The part of the `WebAssembly` global used here. */
export interface WasmHost {
  readonly Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}

/** The compiled module's instance: its scratch memory and its loop. */
export class SimdMasker {
  readonly #scratch: Uint8Array;
  readonly #run: (n: number, key: number) => void;

  constructor(scratch: Uint8Array, run: (n: number, key: number) => void) {
    this.#scratch = scratch;
    this.#run = run;
  }

  /**
   * `maskInto`'s operation, ranges already checked: XORs `src[srcStart .. srcStart + length)`
   * with `key` from phase `keyOffset` into `dst[dstStart ..)`. Runs go front to back, each read
   * whole before it is written, so a destination that starts before its source in the same
   * buffer (a payload moved over its own header) comes out right, as with maskInto.
   */
  mask(src: Uint8Array, srcStart: number, dst: Uint8Array, dstStart: number, length: number, key: Uint8Array, keyOffset: number): void {
    const scratch = this.#scratch;
    // WebAssembly memory is little-endian on every host.
    const word = key[keyOffset & 3]! | (key[(keyOffset + 1) & 3]! << 8) | (key[(keyOffset + 2) & 3]! << 16) | (key[(keyOffset + 3) & 3]! << 24);
    // Plain views, read `.buffer` once: a Node Buffer's subarray() reads it again and makes a Buffer.
    const srcBuffer = src.buffer;
    const srcAt = src.byteOffset + srcStart;
    // A run is a multiple of 4 bytes except the last, so the key phase stays where it started.
    for (let done = 0; done < length; done += SCRATCH) {
      const n = Math.min(SCRATCH, length - done);
      scratch.set(new Uint8Array(srcBuffer, srcAt + done, n));
      this.#run(n, word);
      dst.set(n === SCRATCH ? scratch : new Uint8Array(scratch.buffer, 0, n), dstStart + done);
    }
  }
}

/**
 * Compiles the module with `host` (the `WebAssembly` global), or returns null when the host has
 * none, refuses to compile from bytes or lacks SIMD.
 */
export function loadSimdMasker(host: WasmHost | undefined): SimdMasker | null {
  if (host === undefined) return null;
  try {
    const { exports } = new host.Instance(new host.Module(SIMD_MODULE_BYTES));
    const memory = exports["memory"] as { buffer: ArrayBuffer } | undefined;
    const run = exports["mask"];
    if (memory === undefined || typeof run !== "function") return null;
    const scratch = new Uint8Array(memory.buffer);
    if (scratch.length !== SCRATCH) return null;
    return new SimdMasker(scratch, run as (n: number, key: number) => void);
  } catch {
    // CompileError without SIMD; "Wasm code generation disallowed by embedder" on workerd.
    return null;
  }
}

let shared: SimdMasker | null | undefined;

/** This realm's SIMD masker, compiled on the first call; null where it cannot be. */
export function simdMasker(): SimdMasker | null {
  if (shared === undefined) shared = loadSimdMasker((globalThis as { WebAssembly?: WasmHost }).WebAssembly);
  return shared;
}

/**
 * Masks as {@link SimdMasker.mask} does and returns true, or returns false without touching
 * anything where this realm has no SIMD masker (the caller then runs its JavaScript loop).
 */
export function maskedWithSimd(src: Uint8Array, srcStart: number, dst: Uint8Array, dstStart: number, length: number, key: Uint8Array, keyOffset: number): boolean {
  const simd = simdMasker();
  if (simd === null) return false;
  simd.mask(src, srcStart, dst, dstStart, length, key, keyOffset);
  return true;
}
