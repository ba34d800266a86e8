/** Connection options and their defaults. Every limit fails the connection before memory grows. */
import type { ClientExtensionFactory, ServerExtensionFactory } from "./extensions/extension.js";
import type { UpgradeRequest } from "./handshake/types.js";
import type { MaskFunction } from "./frame/mask.js";
import type { RandomSource } from "./internal/random.js";

/** Options shared by both roles. */
export interface CommonOptions {
  /**
   * Largest message, in bytes after decompression, summed over its fragments. Exceeding it fails
   * the connection with 1009; a frame header announcing more is refused before any allocation.
   * Applies in streaming mode too (set `Infinity` there to pass unbounded streams through).
   * Precedents: websockets 1 MiB, tungstenite 64 MiB, ws 100 MiB.
   */
  readonly maxMessageSize?: number;
  /** Largest single frame payload, in bytes on the wire. Default: `maxMessageSize`. Exceeding it fails with 1009. */
  readonly maxFrameSize?: number;
  /**
   * Most frames one message may span, empty ones included (ws 8.21 fixed a DoS made of empty
   * fragments). Exceeding it fails with 1009.
   */
  readonly maxFragments?: number;
  /** Largest HTTP head (request or response line plus headers), in bytes. h11 uses 16 KiB. */
  readonly maxHandshakeSize?: number;
  /** Most header lines in the HTTP head. Node allows 2000; a request is small in practice. */
  readonly maxHeaderCount?: number;
  /** Answer pings automatically with a pong carrying the same payload. */
  readonly autoPong?: boolean;
  /** Answer the peer's Close automatically with the same code. */
  readonly autoClose?: boolean;
  /** Deliver data as `text-fragment`/`binary-fragment` events as it arrives instead of whole messages. */
  readonly streaming?: boolean;
  /** Source of masking keys (client) and handshake keys. Default: pooled `crypto.getRandomValues`. */
  readonly random?: RandomSource;
  /**
   * Replaces the loop that masks and unmasks payloads; it must keep {@link MaskFunction}'s
   * contract exactly. The loop bounds large-message throughput: core's own runs WebAssembly SIMD
   * from 1 KiB where the host compiles it (22-29 GB/s for 64 KiB on Node 20 here; Workers refuse
   * it, and pure JavaScript tops out near 7 GB/s); `@wsengine/node` passes `bufferutil`'s C loop
   * (21-46 GB/s) when it is installed. With `adoptInput`, payloads under 1 KiB are still unmasked
   * in place by core's own loop, which keeps one word view per input chunk and beats a call into
   * C at those sizes. Default: core's own `maskInto`.
   */
  readonly mask?: MaskFunction;
  /**
   * Allocates the arrays that received messages of more than 4 KiB are assembled in. Core writes
   * every byte it hands out, so the memory may be uninitialised. `unmasks` says what core writes
   * with: true when it unmasks masked bytes into the array (a server's input), false when it
   * copies plain bytes (a client's input, or an extension's output). `@wsengine/node` skips the
   * zero-fill (`Buffer.allocUnsafeSlow`) only for the first: on the bench's AMD host, copying
   * into freshly zeroed memory ran faster than into unzeroed memory, and unmasking did not. It
   * must return a new array of exactly `size` bytes, shared with nothing. Default:
   * `new Uint8Array(size)`.
   */
  readonly allocate?: (size: number, unmasks: boolean) => Uint8Array;
  /**
   * Allocates the arrays outgoing frames are built in. `takeOutgoing()` hands each one (or a view
   * of its written part) to the caller and core never touches it again, so uninitialised memory
   * and views of shared slabs suit: core's `slabAllocator()` makes such an allocator, and the
   * adapters pass one (on Bun, `Bun.allocUnsafe`). Without one, a connection that flushes after
   * every small message pays an allocation per flush, which on V8 (Node, Deno) costs ~2 µs for
   * arrays over 64 bytes. Default: `new Uint8Array(size)`.
   */
  readonly allocateOutgoing?: (size: number) => Uint8Array;
  /**
   * `receive()` may keep and write into the chunks it is given: masked payloads are unmasked in
   * place, and a message that arrives whole inside one chunk is handed out as a view of it (so a
   * message the application keeps pins its chunk); a message larger than a read keeps its reads
   * until it may have an array of its exact size and is copied once into it, binary reads
   * unmasked on the way (the reads it pins are bounded like the reassembly buffer: 256 KiB, then
   * 4× the bytes received). A single-frame message gets that array as soon as the bound allows
   * it (at once up to 256 KiB), and its later reads go into it as they come; a fragmented one
   * gets it at its end. This saves a copy per message, as `ws` does, and a pass over masked ones.
   * Set it only when nothing reads or reuses a chunk once it is passed in (a socket's fresh read
   * buffers); `@wsengine/node` does. Default: false, and `receive()` keeps nothing.
   */
  readonly adoptInput?: boolean;
  /**
   * How whole text messages are delivered: `"string"` (a `text` event) or `"bytes"`, their
   * validated UTF-8 (a `text-bytes` event) for applications that forward or parse bytes and never
   * need the string, as `ws` delivers text. Decoding costs about 1 ns per byte of mixed text on
   * Node 20, far more than validating. Streaming mode's `text-fragment` events are strings either
   * way. Default: `"string"`.
   */
  readonly textAs?: "string" | "bytes";
  /**
   * A faster UTF-8 check to lend core: true when `bytes` is valid UTF-8 under RFC 3629 (no overlong
   * forms, surrogates or code points past U+10FFFF). Core runs it on whole messages delivered with
   * `textAs: "bytes"` and, in either mode, on runs of 256 bytes and more of text that arrives in
   * pieces (still checked as it arrives, so invalid text fails early, with the same close reason).
   * `@wsengine/node` passes `buffer.isUtf8` (simdutf). Default: core's own validator.
   */
  readonly validateUtf8?: (bytes: Uint8Array) => boolean;
  /**
   * A runtime's own decoder to lend core: `bytes[start..end)` as a string, a leading byte order
   * mark kept as U+FEFF. With `adoptInput`, core then decodes a text message of up to 256 bytes
   * that arrived whole in one read straight from that read, with no view of it and no
   * `TextDecoder` call; longer text takes the `TextDecoder` path, which checks as it decodes.
   * A decoder that shows ill-formed input as U+FFFD, as `TextDecoder` does, gets the text
   * unchecked, and core checks the bytes only when the string holds U+FFFD; core tries it on a
   * set of ill-formed sequences when a connection first needs to know, and checks all text before
   * handing it to a decoder that fails there or throws. `@wsengine/node` and `@wsengine/bun` pass
   * Buffer's `utf8Slice` (see their defaults for what it gained). Default: none.
   *
   * `ascii` is true when core has seen every byte of the range below 0x80 (its unmasking loop
   * tells), where Latin-1 and UTF-8 give the same string: a decoder may then take a single-byte
   * path (both adapters call Buffer's `latin1Slice`). A decoder may ignore it.
   */
  readonly decodeUtf8Slice?: (bytes: Uint8Array, start: number, end: number, ascii: boolean) => string;
  /**
   * A runtime's own encoder to lend core: writes `text` as UTF-8 into `bytes` from `start`, whole
   * characters only and nothing at or past `end`, lone surrogates as U+FFFD (as `TextEncoder`
   * does), and returns how many bytes it wrote. Core calls it for text it sends of 25 to 256
   * characters, in place of `TextEncoder.encodeInto` on a view of the outgoing buffer; shorter
   * text is encoded by core's own loop, longer by `encodeInto`. `@wsengine/bun` passes Buffer's
   * `utf8Write` (see its defaults for what it gained). Default: none.
   */
  readonly writeUtf8?: (text: string, bytes: Uint8Array, start: number, end: number) => number;
}

/** Server role options. */
export interface ServerOptions extends CommonOptions {
  /** Subprotocols this server speaks. By default the first of the client's offers that is listed here wins. */
  readonly subprotocols?: readonly string[];
  /** Custom subprotocol choice; must return one of `offered` or `null`. Overrides `subprotocols`. */
  readonly selectSubprotocol?: (offered: readonly string[], request: UpgradeRequest) => string | null;
  /** Extensions this server supports, by priority. */
  readonly extensions?: readonly ServerExtensionFactory[];
  /** Origin policy: return `false` to refuse the request with 403 before the application sees it. */
  readonly checkOrigin?: (origin: string | null, request: UpgradeRequest) => boolean;
}

/** Client role options. */
export interface ClientOptions extends CommonOptions {
  /** Host header value; the port is included only when it is not the scheme's default. */
  readonly host: string;
  readonly port?: number;
  readonly secure?: boolean;
  /** Path and query, for example `/chat?room=1`. Default `/`. */
  readonly target?: string;
  readonly origin?: string;
  /** Subprotocols in preference order. */
  readonly protocols?: readonly string[];
  /** Fail the handshake unless the server picks one of `protocols`. */
  readonly requireProtocol?: boolean;
  readonly extensions?: readonly ClientExtensionFactory[];
  /** Extra request headers. Names the handshake owns (Upgrade, Sec-WebSocket-*) are refused. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Bytes of a non-101 response body kept for the `rejected` event. */
  readonly maxRejectionBodySize?: number;
}

/** The defaults, frozen. */
export const DEFAULTS: {
  readonly maxMessageSize: number;
  readonly maxFragments: number;
  readonly maxHandshakeSize: number;
  readonly maxHeaderCount: number;
  readonly maxRejectionBodySize: number;
  readonly autoPong: boolean;
  readonly autoClose: boolean;
  readonly streaming: boolean;
} = Object.freeze({
  // 16 MiB: between websockets (1 MiB) and ws (100 MiB); enough for most payloads without letting
  // one peer pin a large buffer.
  maxMessageSize: 16 * 1024 * 1024,
  // 1024 fragments: far beyond what real senders produce (browsers send one frame per message).
  maxFragments: 1024,
  maxHandshakeSize: 16 * 1024,
  maxHeaderCount: 100,
  maxRejectionBodySize: 64 * 1024,
  autoPong: true,
  autoClose: true,
  streaming: false,
});
