// The only runtime globals core may touch: web-standard APIs present in Node, Deno, Bun and
// Cloudflare Workers. `lib: ["ES2022"]` with `types: []` keeps Buffer, process, timers and
// DOM types out, so using any of them is a compile error. (frame/mask-simd.ts reads `WebAssembly`
// off globalThis, typed there, and does without it where it is missing or refuses to compile
// from bytes, as on Workers.)

interface TextDecodeOptions {
  stream?: boolean;
}
interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
declare class TextDecoder {
  constructor(label?: string, options?: TextDecoderOptions);
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: TextDecodeOptions): string;
}
interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}
declare class TextEncoder {
  constructor();
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
}
declare const crypto: {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
};
