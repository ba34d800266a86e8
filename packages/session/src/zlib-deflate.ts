/**
 * permessage-deflate with node:zlib, for the runtimes whose node:zlib behaves as Node's does: Node
 * and Bun. (Deno 2.9.6's ignores the dictionary of a raw stream both ways, and inflating a
 * message that refers to its window fails, so Deno keeps fflate alone.) Core compresses through
 * fflate, which is JavaScript: ~25-50 µs for a 1 KiB message either way, and a third to a half of
 * zlib's speed on long ones. Core hands whole messages to zlib here (its `NativeDeflate`): every
 * received one, and sent ones that cannot use the history fflate keeps (long ones, or all of them
 * without context takeover).
 *
 * The calls hold no state between messages: a connection keeps only what fflate keeps, and the
 * window a received message needs comes in as a dictionary. They run on one deflater (per level
 * and window) and one inflater per process, reset before each message, through the native handle
 * of a node:zlib stream. node:zlib's public synchronous calls make a new stream each time, which
 * costs more than the work on a short message: 1 KiB of JSON-like text, level 6, Node 20 /
 * Bun 1.4.5: deflateRawSync 13.5 / 13.5 µs against 6.8 / 6.7 µs on a reset handle, inflateRawSync
 * 9.8 / 6.7 µs against 2.1 / 2.3 µs. The handle (`_handle`, whose `writeSync` reports through
 * `_writeState` and `onerror`) is node:zlib's own machinery, unchanged in Node since v10 and
 * copied by Bun; it is checked with a round trip before first use, and without it the public
 * one-shot calls serve. The adapter passes its runtime's node:zlib in, so this module imports
 * nothing runtime-specific.
 */
import {
  type ClientExtensionFactory,
  type NativeDeflate,
  type PerMessageDeflateOptions,
  permessageDeflate,
  type ServerExtensionFactory,
} from "@wsengine/core";
import { concatBytes } from "./bytes.js";

/** The part of node:zlib used here (Node's API; Bun implements it). */
export interface ZlibModule {
  deflateRawSync(data: Uint8Array, options: { level: number; windowBits: number; memLevel: number; finishFlush: number; dictionary?: Uint8Array }): Uint8Array;
  /** With `info: true` Node returns `{ buffer, engine }`: the output and the engine, whose `bytesWritten` is the input it read. */
  inflateRawSync(data: Uint8Array, options: { dictionary?: Uint8Array; maxOutputLength: number; chunkSize: number; info: true }): unknown;
  /** Streams, for their native handle (see the module comment); typed loosely, checked before use. */
  createDeflateRaw(options: { level: number; windowBits: number; memLevel: number }): unknown;
  createInflateRaw(options: { windowBits: number }): unknown;
  readonly constants: { readonly Z_NO_FLUSH: number; readonly Z_SYNC_FLUSH: number; readonly Z_FINISH: number };
}

/** What `inflateRawSync(…, { info: true })` returns. */
interface InflateInfo {
  readonly buffer: Uint8Array;
  /** `bytesWritten`: input bytes the engine read, up to the end of the stream. */
  readonly engine: { readonly bytesWritten: number };
}

/** zlib's memory level (its default; the deflater holds ~256 KiB at windowBits 15). */
const MEM_LEVEL = 8;
/** The window every inflater gets: it reads any sender's stream (RFC 7692 §7.1.2). */
const INFLATE_WINDOW_BITS = 15;

// --- the reset handles ----------------------------------------------------------------------------

/** A node:zlib stream's native handle: the calls node:zlib's own synchronous path makes. */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  /** Called during `writeSync` when zlib fails (message, errno, code). */
  onerror: (message: string, errno: number, code: string) => void;
}

/** The stream fields around it: `_writeState` gets [output space left, input left] after each call. */
interface ZlibStreamInternals {
  readonly _handle?: unknown;
  readonly _writeState?: unknown;
}

/**
 * Output space per `writeSync`, shared by every engine: a message's output is cut from it (one
 * copy the caller keeps), and longer outputs are collected in pieces of this size.
 */
const SCRATCH_SIZE = 64 * 1024;
let scratch: Uint8Array | null = null;

/** One zlib stream reused for every message: reset, then run the message through. */
class Engine {
  readonly #handle: ZlibHandle;
  readonly #state: Uint32Array;
  /** zlib's complaint during the current call; it resets the stream, so the next call is fine. */
  #error: string | null = null;

  // The handle keeps its stream alive (node:zlib links them both ways), so it alone is held.
  private constructor(handle: ZlibHandle, state: Uint32Array) {
    this.#handle = handle;
    this.#state = state;
    handle.onerror = (message) => {
      this.#error = String(message);
    };
  }

  /** The stream's handle as an engine, or null when the runtime's node:zlib lacks the machinery. */
  static of(stream: unknown): Engine | null {
    const { _handle: handle, _writeState: state } = (stream ?? {}) as ZlibStreamInternals;
    if (typeof handle !== "object" || handle === null || !(state instanceof Uint32Array) || state.length < 2) return null;
    const { writeSync, reset } = handle as Partial<ZlibHandle>;
    if (typeof writeSync !== "function" || typeof reset !== "function") return null;
    return new Engine(handle as ZlibHandle, state);
  }

  reset(): void {
    this.#error = null;
    this.#handle.reset();
  }

  /**
   * Run `input` through with `flush`, appending output to `into`; stops once the output passes
   * `limit` (returns false). Throws what zlib reports. `into` null: the output is discarded.
   */
  write(flush: number, input: Uint8Array, limit: number, into: Uint8Array[] | null, counted: { size: number; unread: number }): boolean {
    const out = (scratch ??= new Uint8Array(SCRATCH_SIZE));
    let offset = 0;
    let left = input.length;
    for (;;) {
      this.#handle.writeSync(flush, input, offset, left, out, 0, out.length);
      if (this.#error !== null) throw new Error(this.#error);
      const space = this.#state[0]!;
      const unread = this.#state[1]!;
      const produced = out.length - space;
      counted.size += produced;
      if (counted.size > limit) return false;
      if (produced > 0 && into !== null) into.push(out.slice(0, produced));
      offset += left - unread;
      left = unread;
      counted.unread = unread;
      // A full output means zlib may have more: call again with what input is left.
      if (space > 0) return true;
    }
  }
}

/** The reset-handle codec, or null when the runtime's zlib does not pass the round trip. */
function createEngineDeflate(zlib: ZlibModule, maxLength: number): NativeDeflate | null {
  const { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH } = zlib.constants;
  const deflaters = new Map<number, Engine>();
  const inflater = Engine.of(zlib.createInflateRaw({ windowBits: INFLATE_WINDOW_BITS }));
  if (inflater === null) return null;

  const deflaterFor = (level: number, windowBits: number): Engine => {
    const key = level * 16 + windowBits;
    const known = deflaters.get(key);
    if (known !== undefined) return known;
    const engine = Engine.of(zlib.createDeflateRaw({ level, windowBits, memLevel: MEM_LEVEL }));
    if (engine === null) throw new Error("node:zlib stream without a native handle");
    deflaters.set(key, engine);
    return engine;
  };

  const codec: NativeDeflate = {
    deflate(data, level, windowBits) {
      const engine = deflaterFor(level, windowBits);
      engine.reset();
      const pieces: Uint8Array[] = [];
      // zlib's output never passes this (deflateBound plus the flush); a handle that claims more
      // output is broken, and must not loop on.
      const bound = data.length + (data.length >>> 8) + 1024;
      if (!engine.write(Z_SYNC_FLUSH, data, bound, pieces, { size: 0, unread: 0 })) throw new Error("zlib deflate produced more than its bound");
      return join(pieces);
    },
    inflate(data, dictionary, maxOutput) {
      const limit = Math.max(0, Math.min(maxOutput, maxLength));
      inflater.reset();
      if (dictionary !== null && dictionary.length > 0) {
        // zlib's handle takes a dictionary only when it is made, so the window goes in as a
        // stored block: inflating it puts those bytes in zlib's window, and its output is dropped.
        const window = dictionary.length > STORED_MAX ? dictionary.subarray(dictionary.length - STORED_MAX) : dictionary;
        const discard = { size: 0, unread: 0 };
        inflater.write(Z_NO_FLUSH, storedHeader(window.length), window.length, null, discard);
        if (!inflater.write(Z_NO_FLUSH, window, window.length, null, discard)) throw new Error("zlib inflate produced more than its dictionary");
      }
      const pieces: Uint8Array[] = [];
      const counted = { size: 0, unread: 0 };
      // Z_FINISH: input that ends before a final block is an error ("unexpected end of file").
      if (!inflater.write(Z_FINISH, data, limit, pieces, counted)) return null;
      return { output: join(pieces), consumed: data.length - counted.unread };
    },
  };
  return passesRoundTrip(zlib, codec) ? codec : null;
}

/** A stored block holds at most this many bytes (RFC 1951 §3.2.4); a window is at most 32 KiB. */
const STORED_MAX = 65535;
/** The header of a non-final stored block of `length` bytes (RFC 1951 §3.2.4), byte-aligned. */
function storedHeader(length: number): Uint8Array {
  return new Uint8Array([0x00, length & 0xff, length >>> 8, ~length & 0xff, (~length >>> 8) & 0xff]);
}

/**
 * The engine against zlib's public calls: its output inflates back, it inflates a message that
 * refers into a dictionary, and it still works after an error. Any surprise means the handle is
 * not what this module expects, and the one-shot calls serve instead.
 */
function passesRoundTrip(zlib: ZlibModule, codec: NativeDeflate): boolean {
  try {
    const encoder = new TextEncoder();
    const history = encoder.encode("permessage-deflate probe: the window before the message. ");
    const message = encoder.encode("the window before the message, and then the message itself. ".repeat(4));
    const flush = zlib.constants.Z_SYNC_FLUSH;
    const compressed = join([codec.deflate(message, 6, 15), FINAL_EMPTY_BLOCK]);
    const back = zlib.inflateRawSync(compressed, { maxOutputLength: 1 << 20, chunkSize: 1 << 14, info: true }) as InflateInfo;
    if (!sameBytes(back.buffer, message)) return false;
    const primed = zlib.deflateRawSync(message, { level: 6, windowBits: 15, memLevel: MEM_LEVEL, finishFlush: flush, dictionary: history });
    const stream = join([primed, FINAL_EMPTY_BLOCK]);
    const inflated = codec.inflate(stream, history, 1 << 20);
    if (inflated === null || !sameBytes(inflated.output, message) || inflated.consumed !== stream.length) return false;
    try {
      codec.inflate(new Uint8Array([0xff, 0xff]), null, 1 << 20);
      return false;
    } catch {
      // Expected: an invalid block type.
    }
    const again = codec.inflate(compressed, null, 1 << 20);
    return again !== null && sameBytes(again.output, message);
  } catch {
    return false;
  }
}

/** An empty stored block with BFINAL set. */
const FINAL_EMPTY_BLOCK = new Uint8Array([0x01, 0x00, 0x00, 0xff, 0xff]);

/** The pieces as one array: the only one as it is, several copied into a new one. */
function join(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return concatBytes(pieces, new Uint8Array(length));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// --- the public one-shot calls --------------------------------------------------------------------

/**
 * Output buffers of a one-shot inflate call: zlib fills buffers of this size and joins them at
 * the end, or hands out a view of the only one. Sized from the input (text inflates to 3-10
 * times its size), within zlib's default and 1 MiB.
 */
const MIN_INFLATE_CHUNK = 16 * 1024;
const MAX_INFLATE_CHUNK = 1024 * 1024;
const inflateChunk = (inputLength: number): number =>
  Math.min(MAX_INFLATE_CHUNK, Math.max(MIN_INFLATE_CHUNK, 2 ** Math.ceil(Math.log2(inputLength * 4))));

/** The codec on node:zlib's public one-shot calls (a new zlib stream per message). */
function createOneShotDeflate(zlib: ZlibModule, maxLength: number): NativeDeflate {
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
 * Core's {@link NativeDeflate} over `zlib` (the runtime's node:zlib): reset handles when the
 * runtime has them, its public one-shot calls otherwise (decided at the first message).
 * `maxLength` is the largest buffer the runtime makes (node:buffer's `kMaxLength`): zlib refuses a
 * larger output limit.
 */
export function createZlibDeflate(zlib: ZlibModule, maxLength: number): NativeDeflate {
  let codec: NativeDeflate | null = null;
  const resolve = (): NativeDeflate => (codec ??= createEngineDeflate(zlib, maxLength) ?? createOneShotDeflate(zlib, maxLength));
  return {
    deflate: (data, level, windowBits) => resolve().deflate(data, level, windowBits),
    inflate: (data, dictionary, maxOutput) => resolve().inflate(data, dictionary, maxOutput),
  };
}

/**
 * An adapter's `permessageDeflate`: core's with `native` set (callers' options win), so whole
 * messages go through the runtime's zlib where core allows it and the rest through fflate.
 */
export function permessageDeflateWith(native: NativeDeflate): (options?: PerMessageDeflateOptions) => ClientExtensionFactory & ServerExtensionFactory {
  return (options = {}) => permessageDeflate({ native, ...options });
}
