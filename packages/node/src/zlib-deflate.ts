/**
 * permessage-deflate with node:zlib for long messages. Core compresses through fflate, which is
 * JavaScript: on messages of 64 KiB and more it runs at a third to a half of zlib's speed. zlib's
 * synchronous one-shot calls cost a fixed ~15 µs each (a new stream), more than fflate's
 * persistent streams spend on a short message, so core keeps fflate below the threshold and
 * hands whole long messages to zlib here (core's `NativeDeflate`). The one-shot calls hold no
 * state between messages: the window a message needs comes in as a dictionary, and memory per
 * connection stays what fflate's streams hold.
 */
import { Buffer, kMaxLength } from "node:buffer";
import zlib from "node:zlib";
import { type NativeDeflate, type PerMessageDeflateOptions, permessageDeflate as corePermessageDeflate } from "@wsengine/core";

/** zlib's memory level while one call runs (its default; freed when the call returns). */
const MEM_LEVEL = 8;
/**
 * Output buffers of an inflate call: zlib fills buffers of this size and joins them at the end,
 * or hands out a view of the only one, which then stays alive as long as the message does.
 * Sized from the input (text inflates to 3-10 times its size), within zlib's default and 1 MiB.
 */
const MIN_INFLATE_CHUNK = 16 * 1024;
const MAX_INFLATE_CHUNK = 1024 * 1024;
const inflateChunk = (inputLength: number): number => Math.min(MAX_INFLATE_CHUNK, Math.max(MIN_INFLATE_CHUNK, 2 ** Math.ceil(Math.log2(inputLength * 4))));

/** node:zlib in core's {@link NativeDeflate} contract. */
export const zlibDeflate: NativeDeflate = {
  deflate(data, level, windowBits) {
    return zlib.deflateRawSync(data, { level, windowBits, memLevel: MEM_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  },
  inflate(data, dictionary, maxOutput) {
    try {
      const { buffer, engine } = zlib.inflateRawSync(data, {
        ...(dictionary === null || dictionary.length === 0 ? {} : { dictionary }),
        // zlib stops once its output passes this (one chunk at most past it) and throws.
        maxOutputLength: Math.max(1, Math.min(maxOutput, kMaxLength)),
        chunkSize: inflateChunk(data.length),
        info: true,
      }) as unknown as { buffer: Buffer; engine: zlib.InflateRaw };
      // A view of less than half its buffer: copy it, so the message does not keep the rest.
      const output = buffer.length * 2 < buffer.buffer.byteLength ? Buffer.from(buffer) : buffer;
      return { output, consumed: engine.bytesWritten };
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") return null;
      throw error;
    }
  },
};

/**
 * Core's `permessageDeflate` with node:zlib for whole messages of at least `nativeThreshold`
 * bytes (default 4 KiB); shorter ones, and long ones that arrive in more than 4 MiB of pieces,
 * go through fflate as in core. Core's own factory (from `@wsengine/core`) uses fflate alone.
 * @example
 * const server = listen({ port: 8080, extensions: [permessageDeflate()] }, handler);
 */
export function permessageDeflate(options: PerMessageDeflateOptions = {}): ReturnType<typeof corePermessageDeflate> {
  return corePermessageDeflate({ native: zlibDeflate, ...options });
}
