/**
 * permessage-deflate with node:zlib for long messages, for the runtimes whose node:zlib behaves
 * as Node's does: Node and Bun. (Deno 2.9.6's ignores the dictionary of a raw stream both ways,
 * and inflating a message that refers to its window fails, so Deno keeps fflate alone.) Core compresses through fflate, which is JavaScript: on
 * messages of 64 KiB and more it runs at a third to a half of zlib's speed. zlib's synchronous
 * one-shot calls cost a fixed ~15 µs each (a new stream), more than fflate's persistent streams
 * spend on a short message, so core keeps fflate below its `nativeThreshold` and hands whole
 * long messages to zlib here (core's `NativeDeflate`). The one-shot calls hold no state between
 * messages: the window a message needs comes in as a dictionary, and memory per connection stays
 * what fflate's streams hold. The adapter passes its runtime's node:zlib in, so this module
 * imports nothing runtime-specific.
 */
import {
  type ClientExtensionFactory,
  type NativeDeflate,
  type PerMessageDeflateOptions,
  permessageDeflate,
  type ServerExtensionFactory,
} from "@wsengine/core";

/** The part of node:zlib used here (Node's API; Bun implements it). */
export interface ZlibModule {
  deflateRawSync(data: Uint8Array, options: { level: number; windowBits: number; memLevel: number; finishFlush: number }): Uint8Array;
  /** With `info: true` Node returns `{ buffer, engine }`: the output and the engine, whose `bytesWritten` is the input it read. */
  inflateRawSync(data: Uint8Array, options: { dictionary?: Uint8Array; maxOutputLength: number; chunkSize: number; info: true }): unknown;
  readonly constants: { readonly Z_SYNC_FLUSH: number };
}

/** What `inflateRawSync(…, { info: true })` returns. */
interface InflateInfo {
  readonly buffer: Uint8Array;
  /** `bytesWritten`: input bytes the engine read, up to the end of the stream. */
  readonly engine: { readonly bytesWritten: number };
}

/** zlib's memory level while one call runs (its default; freed when the call returns). */
const MEM_LEVEL = 8;
/**
 * Output buffers of an inflate call: zlib fills buffers of this size and joins them at the end,
 * or hands out a view of the only one. Sized from the input (text inflates to 3-10 times its
 * size), within zlib's default and 1 MiB.
 */
const MIN_INFLATE_CHUNK = 16 * 1024;
const MAX_INFLATE_CHUNK = 1024 * 1024;
const inflateChunk = (inputLength: number): number =>
  Math.min(MAX_INFLATE_CHUNK, Math.max(MIN_INFLATE_CHUNK, 2 ** Math.ceil(Math.log2(inputLength * 4))));

/**
 * Core's {@link NativeDeflate} over `zlib` (the runtime's node:zlib). `maxLength` is the largest
 * buffer the runtime makes (node:buffer's `kMaxLength`): zlib refuses a larger output limit.
 */
export function createZlibDeflate(zlib: ZlibModule, maxLength: number): NativeDeflate {
  return {
    deflate(data, level, windowBits) {
      return zlib.deflateRawSync(data, { level, windowBits, memLevel: MEM_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    },
    inflate(data, dictionary, maxOutput) {
      let info: InflateInfo;
      try {
        info = zlib.inflateRawSync(data, {
          ...(dictionary === null || dictionary.length === 0 ? {} : { dictionary }),
          // zlib stops once its output passes this (one chunk at most past it) and throws.
          maxOutputLength: Math.max(1, Math.min(maxOutput, maxLength)),
          chunkSize: inflateChunk(data.length),
          info: true,
        }) as InflateInfo;
      } catch (error) {
        if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") return null;
        throw error;
      }
      const { buffer, engine } = info;
      // A view of less than half its buffer: copy it, so a message does not keep the rest.
      const output = buffer.length * 2 < buffer.buffer.byteLength ? new Uint8Array(buffer) : buffer;
      return { output, consumed: engine.bytesWritten };
    },
  };
}

/**
 * An adapter's `permessageDeflate`: core's with `native` set (callers' options win), so long
 * messages go through the runtime's zlib and short ones through fflate.
 */
export function permessageDeflateWith(native: NativeDeflate): (options?: PerMessageDeflateOptions) => ClientExtensionFactory & ServerExtensionFactory {
  return (options = {}) => permessageDeflate({ native, ...options });
}
