/**
 * permessage-deflate (RFC 7692), compressing through fflate.
 *
 * Theory of operation
 *
 * - Negotiation is pure data: both roles parse parameter lists into {@link DeflateParams}, and
 *   what was agreed becomes a {@link Agreement} for one {@link PerMessageDeflate} per connection.
 * - Receiving: one streaming fflate `Inflate`, fed slices small enough that a single push cannot
 *   produce much more than what the message may still produce, and output is counted as it
 *   appears, so a decompression bomb stops with 1009 with memory near the limit. At the end of a
 *   message the 00 00 ff ff trailer is appended (RFC 7692 §7.2.2). An inflater that has seen a
 *   final block (BFINAL=1, §7.2.3.4) ignores all further input, so it is replaced before the next
 *   message; bytes after the final block within the same message are ignored, as zlib does.
 * - Sending: a streaming fflate `Deflate`, sync-flushed at the end of every fragment, with the
 *   trailing 00 00 ff ff removed at the end of the message (§7.2.1). The compressor lives as long
 *   as the peer's window may hold what it has seen: across messages with context takeover,
 *   for one message without it, and never for more than 2^N input bytes when the agreed window
 *   is N < 15 bits (fflate has no window option; see {@link PerMessageDeflate}).
 * - A native codec, when an adapter passes one ({@link NativeDeflate}), takes whole messages in
 *   place of fflate: every received one that is not too long to hold, and sent ones without
 *   context takeover or from `nativeThreshold` on. Its calls are stateless; the peer's window
 *   passes between it and fflate.
 *
 * fflate 0.8.3's streaming `Deflate` has two defects that its own inflate hides (STYLE.md §7):
 * `flush(true)` misaligns the empty stored block whenever a partial byte is pending (fflate
 * #267, fix proposed in PR #286), and the first 32 KiB of a stream may reference the zero-filled
 * buffer before the real data (fflate #260). This workspace carries both fixes as a pnpm patch
 * (patches/fflate@0.8.3.patch), with one speed change: each compress call allocated ~200 KiB of
 * zero-filled scratch (a 100 KiB symbol table and an output array the size of the stream's whole
 * 96 KiB buffer), which was most of a short message's time; the patch keeps that scratch between
 * calls and zeroes only what a call wrote. The patch does not travel with the published package, so the
 * compressor is checked once per factory against known answers ({@link hasSoundStreamingDeflate});
 * when it fails, sending falls back to whole-message `deflateSync` streams (BFINAL=1, §7.2.3.4)
 * without context takeover, which fflate produces correctly.
 */
import { Deflate, Inflate, deflateSync } from "fflate";
import type { DeflateOptions } from "fflate";
import { HandshakeError, InternalError, LocalProtocolError, RemoteProtocolError } from "../errors.js";
import { RSV1 } from "../frame/opcode.js";
import { NONE } from "../internal/empty.js";
import type {
  ClientExtensionFactory,
  EncodedFragment,
  Extension,
  ExtensionOffer,
  ExtensionParam,
  ServerExtensionFactory,
} from "./extension.js";

/** The registered extension name (RFC 7692 §7). */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/**
 * Options of {@link permessageDeflate}. The same object configures both roles; each option says
 * what it means for a server (what it insists on or allows) and for a client (what it asks for).
 */
export interface PerMessageDeflateOptions {
  /**
   * Messages shorter than this many bytes are sent uncompressed (RSV1 clear). Default 64: below
   * that, the block header, the flush and fflate's fixed per-call cost outweigh the few bytes
   * saved; above it, small JSON already shrinks by half with
   * context takeover. ws uses 1024, websockets compresses everything. A first fragment that is
   * not final is always compressed, since the message may turn out long. `Infinity` never
   * compresses outgoing messages but still accepts compressed ones.
   */
  readonly threshold?: number;
  /** fflate compression level, 0 (stored only) to 9. Default 6, zlib's default and ws's. */
  readonly level?: number;
  /**
   * fflate memory level, 0 to 12: the compressor's hash table has 2^(12+memLevel) two-byte
   * entries. Default 1 (16 KiB): on this repository's sources cut into 1 KiB and 16 KiB messages
   * it compressed within 0.05% of level 4 (128 KiB), itself as good as fflate's streaming
   * default of 8 (2 MiB). Each compressor also holds a 96 KiB input buffer and a 64 KiB chain
   * table, so one connection that keeps its context costs about 180 KiB to send and 32 KiB (the
   * inflater's window) to receive; without takeover both are freed after every message. Each
   * inflater push allocates a 32 KiB copy of the window; each flush allocates ~200 KiB of
   * short-lived scratch inside stock fflate 0.8.3 (shared by all compressors with this
   * workspace's patch, see the module comment).
   */
  readonly memLevel?: number;
  /**
   * Server: always answer with `server_no_context_takeover`, so the compressor is freed after
   * every message (saves about 180 KiB per idle connection, costs ratio on small messages).
   * Client: ask the server for it (frees our inflater between messages). Default false.
   * A client's request for it is always granted.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Server: insist on `client_no_context_takeover`, so our inflater is freed between messages.
   * Client: promise it (our compressor is freed after every message). Default false.
   */
  readonly clientNoContextTakeover?: boolean;
  /**
   * Server: the largest window (8-15) our compressor uses; below 15 it is announced in every
   * response. A client's smaller request is granted. Client: ask the server to use at most this
   * window. Default 15 (unrestricted). fflate's inflater always keeps 32 KiB, so a smaller window
   * saves memory only on the peer, and costs us ratio and speed when we send (the compressor
   * restarts every 2^N bytes, with fresh Huffman tables: a few MB/s at 2^8, where 2^15 runs at
   * tens of MB/s).
   */
  readonly serverMaxWindowBits?: number;
  /**
   * Server: the largest window (8-15) we allow the client's compressor; below 15, offers without
   * `client_max_window_bits` are declined. Client: offer it with this value (we promise to use
   * at most this window). Default: the client offers `client_max_window_bits` without a value (we
   * honour any window the server picks), and a server allows any window. The same cost applies
   * as for `serverMaxWindowBits` when we are the side that sends with the smaller window.
   */
  readonly clientMaxWindowBits?: number;
  /**
   * Client only: the exact offers to send, in preference order, each a parameter list; replaces
   * the single offer built from the options above. Example: a small window first, plain as a
   * fallback: `[[["client_max_window_bits", "10"]], []]`. Validated when the factory is made.
   */
  readonly offers?: readonly (readonly ExtensionParam[])[];
  /**
   * A native DEFLATE (`@wsengine/node` and `@wsengine/bun` pass node:zlib's) for whole messages.
   * Default none: everything goes through fflate, which is JavaScript: ~25-50 µs for a 1 KiB
   * message either way where zlib takes 4-10 µs, and a third to a half of zlib's speed on long
   * ones. Receiving: every compressed message goes to it, held until its end, up to 4 MiB of
   * compressed bytes and no more than the message may still produce; past that fflate takes it
   * as it comes. So with `streaming` delivery, the fragments of a long compressed message come
   * at its end. Sending: whole messages (not fragmented by the application) of at least
   * {@link threshold} bytes, when we send without context takeover or from
   * {@link nativeThreshold} bytes on. See {@link NativeDeflate}.
   */
  readonly native?: NativeDeflate;
  /**
   * With context takeover, the shortest message in bytes that is compressed by {@link native}.
   * A natively compressed message starts without history (see {@link NativeDeflate}), where
   * fflate's compressor refers back into the messages before it: below this length the history
   * is worth more than the speed. Default 4096. Measured on this repository's JSON-like text,
   * Node 20, level 6: zlib compresses 1 KiB in ~8 µs and 4 KiB in ~22 µs, fflate's stream takes
   * ~39 µs at 1 KiB; without history zlib's output is ~320 bytes at 1 KiB and ~830 at 4 KiB.
   * Without context takeover every whole message goes to `native`, whatever its length.
   */
  readonly nativeThreshold?: number;
}

/**
 * A native raw DEFLATE (RFC 1951) for whole messages, used next to fflate's streams. Both calls
 * are stateless: history a message needs is passed in, so a connection holds no native state.
 *
 * - Sending: a message compressed natively references nothing before it (no dictionary: priming
 *   one costs ~90 µs of hashing on zlib), and fflate's compressor, whose history no longer
 *   matches the peer's window, starts afresh after it.
 * - Receiving: the peer's window (up to the last 32 KiB of output) is passed as `dictionary`,
 *   and afterwards handed to fflate when a message is too long to hold.
 */
export interface NativeDeflate {
  /**
   * `data` as raw DEFLATE ending with a sync flush: no block has BFINAL set, the output ends
   * with 00 00 ff ff, and no back-reference reaches 2^windowBits bytes back or before `data`.
   * `level` is 0-9 as in zlib; `windowBits` is 9-15.
   */
  deflate(data: Uint8Array, level: number, windowBits: number): Uint8Array;
  /**
   * Inflate raw DEFLATE `data` up to the end of its first BFINAL block, with `dictionary` as the
   * bytes that came before it (null: none), and say how many bytes of `data` that took (fewer
   * than all when a BFINAL block came early; the rest is ignored). Returns null as soon as the
   * output would pass `maxOutput` bytes, without producing much more than that; throws on
   * invalid input or input that ends before a BFINAL block. The output is the caller's to keep.
   */
  inflate(data: Uint8Array, dictionary: Uint8Array | null, maxOutput: number): { readonly output: Uint8Array; readonly consumed: number } | null;
}

/**
 * Build permessage-deflate for either role: pass it in `extensions` of a client or a server.
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` when an option is out of range.
 * @example
 * const server = new ServerConnection({ extensions: [permessageDeflate({ serverNoContextTakeover: true })] });
 * const client = new ClientConnection({ host: "example.com", extensions: [permessageDeflate()] });
 */
export function permessageDeflate(options: PerMessageDeflateOptions = {}): ClientExtensionFactory & ServerExtensionFactory {
  return createPermessageDeflate(options, hasSoundStreamingDeflate);
}

/**
 * {@link permessageDeflate} with the compressor check injected, so tests can run the fallback
 * path on a patched fflate. Not exported from the package.
 * @internal
 */
export function createPermessageDeflate(
  options: PerMessageDeflateOptions,
  checkCompressor: () => boolean,
): ClientExtensionFactory & ServerExtensionFactory {
  const config = resolveOptions(options);
  const customOffers = options.offers?.map((params, i) => {
    const parsed = parseParams(params, "offer");
    if (typeof parsed === "string") {
      throw new LocalProtocolError("INVALID_ARGUMENT", `permessage-deflate offers[${i}]: ${parsed}`);
    }
    return { params: [...params], parsed };
  });
  if (customOffers?.length === 0) throw new LocalProtocolError("INVALID_ARGUMENT", "permessage-deflate offers is empty");

  // Checked lazily, once per factory: the check costs one small compression.
  let sound: boolean | undefined;
  const isSound = (): boolean => (sound ??= checkCompressor());

  const clientOffers = (): { params: ExtensionParam[]; parsed: DeflateParams }[] => {
    if (customOffers !== undefined) return customOffers;
    const params: ExtensionParam[] = [];
    if (options.serverNoContextTakeover === true) params.push(["server_no_context_takeover", null]);
    // Without a sound streaming compressor we send BFINAL streams, which are safe only when the
    // server resets its inflater for every message: say so, and hope the server agrees.
    if (options.clientNoContextTakeover === true || !isSound()) params.push(["client_no_context_takeover", null]);
    if (options.serverMaxWindowBits !== undefined) params.push(["server_max_window_bits", String(options.serverMaxWindowBits)]);
    params.push(["client_max_window_bits", options.clientMaxWindowBits === undefined ? null : String(options.clientMaxWindowBits)]);
    const parsed = parseParams(params, "offer");
    if (typeof parsed === "string") throw new InternalError("INTERNAL_ERROR", `built an invalid offer: ${parsed}`);
    return [{ params, parsed }];
  };

  return {
    name: PERMESSAGE_DEFLATE,

    offers(): readonly ExtensionOffer[] {
      return clientOffers().map(({ params }) => ({ name: PERMESSAGE_DEFLATE, params }));
    },

    accept(response: ExtensionOffer): Extension {
      const fail = (reason: string): HandshakeError =>
        new HandshakeError(`cannot accept permessage-deflate response: ${reason}`, 0, { code: "EXTENSION_NOT_ACCEPTED" });
      if (response.name !== PERMESSAGE_DEFLATE) throw fail(`unexpected extension ${response.name}`);
      const agreed = parseParams(response.params, "response");
      if (typeof agreed === "string") throw fail(agreed);
      const matches = clientOffers().filter(({ parsed }) => acceptsOffer(agreed, parsed));
      if (matches.length === 0) throw fail("it does not answer any of our offers");
      // The response does not say which offer it answers; keep every promise any of them made.
      let sendWindowBits = typeof agreed.clientMaxWindowBits === "number" ? agreed.clientMaxWindowBits : MAX_WINDOW_BITS;
      let sendNoContextTakeover = agreed.clientNoContextTakeover;
      for (const { parsed } of matches) {
        if (typeof parsed.clientMaxWindowBits === "number") sendWindowBits = Math.min(sendWindowBits, parsed.clientMaxWindowBits);
        sendNoContextTakeover ||= parsed.clientNoContextTakeover;
      }
      return new PerMessageDeflate(
        {
          sendNoContextTakeover,
          sendWindowBits,
          peerResetsPerMessage: agreed.clientNoContextTakeover,
          receiveNoContextTakeover: agreed.serverNoContextTakeover,
        },
        config,
        isSound(),
      );
    },

    negotiate(offers: readonly ExtensionOffer[]): { readonly response: ExtensionOffer; readonly extension: Extension } | null {
      for (const offer of offers) {
        if (offer.name !== PERMESSAGE_DEFLATE) continue;
        const requested = parseParams(offer.params, "offer");
        // RFC 7692 §7.1: an offer with an unknown, duplicated or invalid parameter is declined,
        // and the server tries the next one.
        if (typeof requested === "string") continue;
        const answer = answerOffer(requested, options, isSound());
        if (answer === null) continue;
        return {
          response: { name: PERMESSAGE_DEFLATE, params: answer.params },
          extension: new PerMessageDeflate(answer.agreement, config, isSound()),
        };
      }
      return null;
    },
  };
}

// --- negotiation ------------------------------------------------------------------------------

const MIN_WINDOW_BITS = 8;
const MAX_WINDOW_BITS = 15;
// RFC 7692 §7.1.2: "a decimal integer value without leading zeroes between 8 to 15, inclusive".
const WINDOW_BITS_VALUE = /^(?:[89]|1[0-5])$/;

/** One parsed parameter list. `true` is `client_max_window_bits` without a value (offers only). */
interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number | null;
  readonly clientMaxWindowBits: number | true | null;
}

/** Parse an offer's or a response's parameters; a string says why they are invalid. */
function parseParams(params: readonly ExtensionParam[], kind: "offer" | "response"): DeflateParams | string {
  let serverNoContextTakeover = false;
  let clientNoContextTakeover = false;
  let serverMaxWindowBits: number | null = null;
  let clientMaxWindowBits: number | true | null = null;
  const seen = new Set<string>();
  for (const [name, value] of params) {
    // RFC 7692 §7.1: "A server MUST decline an extension negotiation offer for this extension if
    // ... The negotiation offer contains multiple extension parameters with the same name."
    if (seen.has(name)) return `duplicated parameter ${name}`;
    seen.add(name);
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        // §7.1.1: "This extension parameter has no value."
        if (value !== null) return `${name} must not have a value`;
        if (name === "server_no_context_takeover") serverNoContextTakeover = true;
        else clientNoContextTakeover = true;
        break;
      case "server_max_window_bits": {
        const bits = parseWindowBits(value);
        if (bits === null) return `${name} must be 8-15, got ${describe(value)}`;
        serverMaxWindowBits = bits;
        break;
      }
      case "client_max_window_bits": {
        // §7.1.2.2: the offer may omit the value; a response must carry one.
        if (value === null && kind === "offer") {
          clientMaxWindowBits = true;
          break;
        }
        const bits = parseWindowBits(value);
        if (bits === null) return `${name} must be 8-15, got ${describe(value)}`;
        clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits };
}

const parseWindowBits = (value: string | null): number | null =>
  value !== null && WINDOW_BITS_VALUE.test(value) ? Number(value) : null;

const describe = (value: string | null): string => (value === null ? "no value" : JSON.stringify(value.slice(0, 32)));

/** Whether a client may take `response` as the server's acceptance of `offer` (RFC 7692 §7.1). */
function acceptsOffer(response: DeflateParams, offer: DeflateParams): boolean {
  // §7.1.1.1: a server accepts server_no_context_takeover by including it in the response.
  if (offer.serverNoContextTakeover && !response.serverNoContextTakeover) return false;
  // §7.1.2.1: a server accepts server_max_window_bits by answering with "the same or smaller value".
  if (offer.serverMaxWindowBits !== null) {
    if (response.serverMaxWindowBits === null || response.serverMaxWindowBits > offer.serverMaxWindowBits) return false;
  }
  // §7.1.2.2: client_max_window_bits in a response only if offered, and not above an offered value.
  const answered = response.clientMaxWindowBits;
  if (answered !== null) {
    if (offer.clientMaxWindowBits === null) return false;
    // `answered` is always a number: parseParams refuses a valueless one in a response.
    if (typeof offer.clientMaxWindowBits === "number" && answered !== true && answered > offer.clientMaxWindowBits) return false;
  }
  // client_no_context_takeover, and server_max_window_bits that was not asked for, may be added
  // by a server at will (§7.1.1.2, §7.1.2.1); we can always honour them.
  return true;
}

/** The server's response to one valid offer, or `null` when our policy cannot accept it. */
function answerOffer(
  offer: DeflateParams,
  options: PerMessageDeflateOptions,
  sound: boolean,
): { params: ExtensionParam[]; agreement: Agreement } | null {
  const params: ExtensionParam[] = [];
  // A client's request is always granted; without a sound streaming compressor we insist on it
  // ourselves, because our BFINAL streams are safe only for an inflater reset per message.
  const serverNoContextTakeover = offer.serverNoContextTakeover || options.serverNoContextTakeover === true || !sound;
  if (serverNoContextTakeover) params.push(["server_no_context_takeover", null]);
  // Echo the client's promise too, so it is agreed and our inflater can be freed between messages.
  const clientNoContextTakeover = offer.clientNoContextTakeover || options.clientNoContextTakeover === true;
  if (clientNoContextTakeover) params.push(["client_no_context_takeover", null]);

  const ownWindow = options.serverMaxWindowBits ?? MAX_WINDOW_BITS;
  let sendWindowBits = MAX_WINDOW_BITS;
  if (offer.serverMaxWindowBits !== null || ownWindow < MAX_WINDOW_BITS) {
    sendWindowBits = Math.min(ownWindow, offer.serverMaxWindowBits ?? MAX_WINDOW_BITS);
    params.push(["server_max_window_bits", String(sendWindowBits)]);
  }

  const allowedClientWindow = options.clientMaxWindowBits ?? MAX_WINDOW_BITS;
  if (allowedClientWindow < MAX_WINDOW_BITS) {
    // §7.1.2.2: a server must not send client_max_window_bits to a client that did not offer it.
    if (offer.clientMaxWindowBits === null) return null;
    const offered = offer.clientMaxWindowBits === true ? MAX_WINDOW_BITS : offer.clientMaxWindowBits;
    params.push(["client_max_window_bits", String(Math.min(allowedClientWindow, offered))]);
  }
  return {
    params,
    agreement: {
      sendNoContextTakeover: serverNoContextTakeover,
      sendWindowBits,
      peerResetsPerMessage: serverNoContextTakeover,
      receiveNoContextTakeover: clientNoContextTakeover,
    },
  };
}

// --- options ----------------------------------------------------------------------------------

interface Config {
  readonly threshold: number;
  readonly native: NativeDeflate | null;
  readonly nativeThreshold: number;
  readonly level: NonNullable<DeflateOptions["level"]>;
  readonly memLevel: NonNullable<DeflateOptions["mem"]>;
}

function resolveOptions(options: PerMessageDeflateOptions): Config {
  const integer = (name: string, value: number | undefined, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `permessage-deflate ${name} must be an integer ${min}-${max}, got ${value}`);
    }
    return value;
  };
  integer("serverMaxWindowBits", options.serverMaxWindowBits, MIN_WINDOW_BITS, MAX_WINDOW_BITS, MAX_WINDOW_BITS);
  integer("clientMaxWindowBits", options.clientMaxWindowBits, MIN_WINDOW_BITS, MAX_WINDOW_BITS, MAX_WINDOW_BITS);
  const threshold = options.threshold ?? 64;
  if (typeof threshold !== "number" || !(threshold >= 0)) {
    throw new LocalProtocolError("INVALID_ARGUMENT", `permessage-deflate threshold must be a number >= 0, got ${threshold}`);
  }
  const nativeThreshold = options.nativeThreshold ?? 4096;
  if (typeof nativeThreshold !== "number" || !(nativeThreshold >= 0)) {
    throw new LocalProtocolError("INVALID_ARGUMENT", `permessage-deflate nativeThreshold must be a number >= 0, got ${nativeThreshold}`);
  }
  return {
    threshold,
    native: options.native ?? null,
    nativeThreshold,
    level: integer("level", options.level, 0, 9, 6) as Config["level"],
    memLevel: integer("memLevel", options.memLevel, 0, 12, 1) as Config["memLevel"],
  };
}

// --- the transform ----------------------------------------------------------------------------

/** What negotiation settled, seen from one endpoint. */
interface Agreement {
  /** We keep no context across messages (agreed, or promised in an offer). */
  readonly sendNoContextTakeover: boolean;
  /** The peer's inflater window for our messages: references never reach further back. */
  readonly sendWindowBits: number;
  /** The agreed parameters make the peer reset its inflater for every message we send. */
  readonly peerResetsPerMessage: boolean;
  /** The peer keeps no context across its messages, so our inflater can go between messages. */
  readonly receiveNoContextTakeover: boolean;
}

/** RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload". */
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
/** An empty stored block: a sync flush with nothing before it (the empty message is its first byte). */
const EMPTY_SYNC_FLUSH = new Uint8Array([0x00, 0x00, 0x00, 0xff, 0xff]);
/** An empty stored block with BFINAL set: ends a stream that stands at a block boundary. */
const FINAL_EMPTY_BLOCK = new Uint8Array([0x01, 0x00, 0x00, 0xff, 0xff]);
/** The largest window DEFLATE has (RFC 1951 §2): what an inflater must keep between messages. */
const WINDOW_SIZE = 32 * 1024;
/**
 * Compressed bytes of one message held for the native codec while it arrives in pieces; a
 * longer message is inflated by fflate as it comes, so memory stays bounded without its end.
 */
const MAX_PENDING = 4 * 1024 * 1024;
/** Compressed bytes allowed past the output limit before a held message goes to fflate. */
const PENDING_SLACK = 1024;
/** DEFLATE's largest expansion: a 258-byte match coded in 2 bits (RFC 1951 §3.2.5-7). */
const MAX_EXPANSION = 1032;
/**
 * Inflater input per push. fflate inflates a whole push before reporting any output, so a push
 * of n bytes can materialise up to 1032·n bytes (plus buffer doubling) before we can count it:
 * pushes are sized so that this stays near what the message may still produce, between 1 KiB
 * (at most ~1 MiB past the limit) and 16 KiB (each push also copies the 32 KiB window twice).
 */
const MIN_INFLATE_SLICE = 1024;
const MAX_INFLATE_SLICE = 16 * 1024;
/** Compressor input per push: larger pushes make fflate grow its 96 KiB buffer for good. */
const MAX_DEFLATE_PUSH = 64 * 1024;

/** fflate `Inflate` internals read to see the end of the stream; checked by the test suite. */
interface InflateInternals {
  /**
   * `f`: the last block header read had BFINAL set; `l`: a Huffman block is in progress; `b`:
   * how many bytes of `o` hold output.
   */
  readonly s?: { readonly f?: number; readonly l?: unknown; readonly b?: number };
  /** Input not yet consumed. */
  readonly p?: Uint8Array;
  /** The window: the last `s.b` bytes of output, at the start of this array. */
  o?: Uint8Array;
}
const internals = (inflater: Inflate): InflateInternals => inflater as unknown as InflateInternals;
/** An inflater's window: the last (up to) 32 KiB of its output. A view: copy before it changes. */
const windowOf = (inflater: Inflate): Uint8Array => {
  const state = internals(inflater);
  return state.o!.subarray(0, state.s!.b!);
};

/**
 * fflate inflates into its window array, first growing it to the window plus 128 KiB (its bound
 * for one block's output), and keeps a fresh 32 KiB copy of the window afterwards: ~160 KiB of
 * zero-filled allocation per push, which made small compressed messages GC-bound. Before each
 * push the window is copied into this shared array, already large enough; fflate copies what it
 * keeps out of it again, and never holds on to it (a push that throws drops its inflater).
 */
const INFLATE_SCRATCH_SIZE = 32 * 1024 + 131072 + 32 * 1024;
let inflateScratch: Uint8Array | null = null;
const lendScratch = (inflater: Inflate): void => {
  const state = internals(inflater);
  const scratch = (inflateScratch ??= new Uint8Array(INFLATE_SCRATCH_SIZE));
  if (state.o === scratch) return;
  scratch.set(windowOf(inflater));
  state.o = scratch;
};
/** The inflater finished a block with BFINAL set: from now on fflate silently ignores input. */
const hasEnded = (inflater: Inflate): boolean => {
  const s = internals(inflater).s;
  return s?.f === 1 && !s.l;
};
/** No block is open and all input was consumed, as after a sync flush. */
const isAtBlockBoundary = (inflater: Inflate): boolean => !internals(inflater).s?.l && internals(inflater).p?.length === 0;

/**
 * One connection's permessage-deflate transform.
 *
 * Window bits when sending: fflate references up to 32,767 bytes back and has no window
 * option. That fits a 2^15 window. For an agreed window of 2^N < 32 KiB bytes, the compressor is
 * replaced after every 2^N input bytes, right after a sync flush, so no reference crosses that
 * boundary and none reaches 2^N bytes back; the stream stays one valid DEFLATE stream (every
 * piece ends with a non-final, byte-aligned empty stored block). With context takeover the
 * compressor still carries over to the next message until it has seen 2^N bytes; a peer with a
 * 2^N window holds all of them. The price is ratio: every restart forgets the history and starts
 * new Huffman tables.
 */
class PerMessageDeflate implements Extension {
  readonly name: string = PERMESSAGE_DEFLATE;
  readonly rsvBits: number = RSV1;
  readonly #agreement: Agreement;
  readonly #config: Config;
  readonly #sound: boolean;
  /** Input bytes one compressor may see: the window, or unbounded when fflate's 32 KiB fits it. */
  readonly #segmentLimit: number;
  /**
   * fflate memory level of the compressors. A compressor restarted every 2^N bytes never holds
   * more than 2^N bytes of history, so its hash table need not be larger than 2^(N+2) entries:
   * without this cap every restart would allocate and clear the full table.
   */
  readonly #memLevel: Config["memLevel"];

  // Sending. `#sending` is the current outgoing message's mode, decided at its first fragment;
  // "native" is a whole message for the native codec.
  #sending: "idle" | "plain" | "compressed" | "native" = "idle";
  #compressor: Deflate | null = null;
  #segmentInput = 0;
  #compressed: Uint8Array[] = [];

  // Receiving.
  #inflater: Inflate | null = null;
  /** The current message's stream has ended (BFINAL); the rest of the message is ignored. */
  #inflateEnded = false;
  #inflated: Uint8Array[] = [];
  #budget = 0;
  /**
   * The peer's window when no inflater holds it: the last (up to) 32 KiB of output after a
   * message the native codec inflated, with context takeover. The next inflater starts from it.
   */
  #window: Uint8Array | null = null;
  /**
   * Where `#window` lives: updated in place after each natively inflated message, so a short
   * message does not cost a fresh 32 KiB copy. Grows by doubling up to the window size.
   */
  #windowStore: Uint8Array | null = null;
  /** Copies of the current message's slices, kept for the native codec until the message ends. */
  #pending: Uint8Array[] | null = null;
  #pendingSize = 0;
  /** The current message goes through fflate slice by slice (it came in pieces and grew long). */
  #streamingMessage = false;

  constructor(agreement: Agreement, config: Config, sound: boolean) {
    this.#agreement = agreement;
    this.#config = config;
    this.#sound = sound;
    const small = agreement.sendWindowBits < MAX_WINDOW_BITS;
    this.#segmentLimit = small ? 2 ** agreement.sendWindowBits : Infinity;
    this.#memLevel = small ? (Math.min(config.memLevel, Math.max(0, agreement.sendWindowBits - 10)) as Config["memLevel"]) : config.memLevel;
  }

  decode(data: Uint8Array, _rsv: number, end: boolean, limit: number): readonly Uint8Array[] {
    const native = this.#config.native;
    if (native !== null && !this.#streamingMessage && !this.#inflateEnded) {
      if (this.#pending === null && end) return this.#inflateNative(native, [data], limit);
      // A message in pieces: keep copies (the caller may reuse its input) until its end, or
      // until it is long enough that holding it costs more memory than a stream would.
      // A copy even of a Node Buffer, whose slice() is a view.
      (this.#pending ??= []).push(new Uint8Array(data));
      this.#pendingSize += data.length;
      if (end) return this.#inflateNative(native, this.#takePending(), limit);
      // Compressed bytes past what the message may still produce are no legitimate message's
      // (DEFLATE's overhead is a few bytes per block): never hold more than that either.
      if (this.#pendingSize <= Math.min(MAX_PENDING, limit + PENDING_SLACK)) return NONE;
      this.#streamingMessage = true;
      return this.#decodeStreaming(concat(this.#takePending()), end, limit);
    }
    return this.#decodeStreaming(data, end, limit);
  }

  #takePending(): Uint8Array[] {
    const pieces = this.#pending ?? [];
    this.#pending = null;
    this.#pendingSize = 0;
    return pieces;
  }

  /**
   * One whole message through the native codec, with the peer's window as its dictionary. The
   * stream gets the RFC 7692 trailer, which completes the sender's last flush, and then an empty
   * final stored block: a message that ended at a flush point now ends the stream, and one that
   * did not fails, as it does in {@link #inflate}. A BFINAL block of the sender's ends the stream
   * earlier and the rest is ignored, as zlib does.
   */
  #inflateNative(native: NativeDeflate, pieces: readonly Uint8Array[], limit: number): readonly Uint8Array[] {
    const dictionary = this.#inflater !== null ? windowOf(this.#inflater) : this.#window;
    this.#inflater = null;
    this.#window = null;
    const input = concat([...pieces, TRAILER, FINAL_EMPTY_BLOCK]);
    let result: ReturnType<NativeDeflate["inflate"]>;
    try {
      result = native.inflate(input, dictionary, Math.max(0, limit));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new RemoteProtocolError("INVALID_COMPRESSED_DATA", `invalid compressed data: ${reason}`, { cause: error });
    }
    if (result === null || result.output.length > limit) {
      throw new RemoteProtocolError("MESSAGE_TOO_BIG", "decompressed message exceeds the size limit");
    }
    const { output, consumed } = result;
    // The sender's own final block ended the stream before ours: like fflate's path, the next
    // message starts without a window (the sender's compressor started over too).
    const ended = consumed < input.length;
    if (!ended && !this.#agreement.receiveNoContextTakeover) this.#window = this.#keepWindow(dictionary, output);
    return output.length === 0 ? NONE : [output];
  }

  /** The last (up to) 32 KiB of `history` followed by `output`, in `#windowStore`. */
  #keepWindow(history: Uint8Array | null, output: Uint8Array): Uint8Array {
    const fromOutput = Math.min(output.length, WINDOW_SIZE);
    const kept = history === null ? 0 : Math.min(history.length, WINDOW_SIZE - fromOutput);
    const size = kept + fromOutput;
    let store = this.#windowStore;
    if (store === null || store.length < size) {
      const grown = new Uint8Array(Math.min(WINDOW_SIZE, Math.max(size, 2 * (store?.length ?? 0))));
      if (kept > 0) grown.set(history!.subarray(history!.length - kept));
      store = this.#windowStore = grown;
    } else if (kept > 0) {
      // The history is usually a view of the store itself: copyWithin moves it without a clone.
      if (history!.buffer === store.buffer && history!.byteOffset === store.byteOffset) store.copyWithin(0, history!.length - kept, history!.length);
      else store.set(history!.subarray(history!.length - kept));
    }
    store.set(output.subarray(output.length - fromOutput), kept);
    return store.subarray(0, size);
  }

  #decodeStreaming(data: Uint8Array, end: boolean, limit: number): readonly Uint8Array[] {
    if (end) this.#streamingMessage = false;
    const output: Uint8Array[] = [];
    this.#inflated = output;
    this.#budget = limit;
    const inflater = (this.#inflater ??= this.#newInflater());
    try {
      if (!this.#inflateEnded) this.#inflate(inflater, data, end);
    } catch (error) {
      // A throw may come from the middle of fflate: never reuse that inflater.
      this.#inflater = null;
      this.#inflateEnded = false;
      if (error instanceof RemoteProtocolError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new RemoteProtocolError("INVALID_COMPRESSED_DATA", `invalid compressed data: ${reason}`, { cause: error });
    } finally {
      this.#inflated = [];
    }
    if (end) {
      // After a final block fflate ignores all input, so the next message needs a fresh inflater
      // (zlib-based peers lose their window there too, so none can rely on it).
      if (this.#inflateEnded || this.#agreement.receiveNoContextTakeover) this.#inflater = null;
      this.#inflateEnded = false;
    }
    return output;
  }

  #newInflater(): Inflate {
    const dictionary = this.#window;
    this.#window = null;
    // fflate copies the dictionary and keeps the window from now on.
    this.#windowStore = null;
    const onData = (chunk: Uint8Array): void => this.#collect(chunk);
    const inflater = dictionary === null ? new Inflate(onData) : new Inflate({ dictionary }, onData);
    // fflate is pinned to 0.8.3; a release that moved these fields would lose messages after a
    // final block without a word, so refuse it loudly (a bug in core, 1011).
    const { s, p, o } = internals(inflater);
    if (typeof s !== "object" || typeof s.b !== "number" || !(p instanceof Uint8Array) || !(o instanceof Uint8Array)) {
      throw new InternalError("INTERNAL_ERROR", "permessage-deflate: unexpected fflate Inflate internals");
    }
    return inflater;
  }

  #inflate(inflater: Inflate, data: Uint8Array, end: boolean): void {
    for (let offset = 0; ; ) {
      const size = Math.min(data.length - offset, inflateSlice(this.#budget));
      const isLast = offset + size === data.length;
      let slice = data.subarray(offset, offset + size);
      if (isLast && end) slice = concat([slice, TRAILER]);
      if (slice.length > 0) {
        lendScratch(inflater);
        inflater.push(slice);
      }
      offset += size;
      if (hasEnded(inflater)) {
        this.#inflateEnded = true;
        return;
      }
      if (isLast) break;
    }
    // RFC 7692 §7.2.1: a message ends where the sender flushed, so with the trailer appended the
    // stream must stand at a block boundary; anything else would desynchronise the next message.
    if (end && !isAtBlockBoundary(inflater)) {
      throw new RemoteProtocolError("INVALID_COMPRESSED_DATA", "compressed message does not end at a flush point");
    }
  }

  /** fflate's `ondata`: count the output the moment it appears (the zip-bomb guard). */
  #collect(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#budget -= chunk.length;
    if (this.#budget < 0) throw new RemoteProtocolError("MESSAGE_TOO_BIG", "decompressed message exceeds the size limit");
    this.#inflated.push(chunk);
  }

  encode(data: Uint8Array, first: boolean, fin: boolean): EncodedFragment {
    if (first) {
      if (this.#sending !== "idle") throw new InternalError("INTERNAL_ERROR", "permessage-deflate: new message before the last one ended");
      this.#sending = fin && this.#sendsNatively(data) ? "native" : this.#shouldCompress(data, fin) ? "compressed" : "plain";
    } else if (this.#sending === "idle") {
      throw new InternalError("INTERNAL_ERROR", "permessage-deflate: continuation without a first fragment");
    }
    const mode = this.#sending;
    if (fin) this.#sending = "idle";
    // Uncompressed data passes through as is (aliased: the frame encoder copies it).
    if (mode === "plain") return { data, rsv: 0 };
    // RFC 7692 §6.1: RSV1 is set on the first frame of a compressed message only.
    const rsv = first ? RSV1 : 0;
    if (mode === "native") return { data: this.#deflateNative(data), rsv };
    if (!this.#sound) return { data: this.#deflateWhole(data), rsv };
    return { data: this.#deflateFragment(data, fin), rsv };
  }

  /**
   * Decided once per message, before anything reaches the compressor: a message that went
   * through it is always sent compressed, or the peer's window would fall out of step.
   */
  #shouldCompress(data: Uint8Array, fin: boolean): boolean {
    if (this.#sound) return !fin || data.length >= this.#config.threshold;
    // Fallback: one complete BFINAL stream per message, so only whole messages, only to a peer
    // that resets its inflater per message, and only within the window.
    return fin && this.#agreement.peerResetsPerMessage && data.length >= this.#config.threshold && data.length <= this.#segmentLimit;
  }

  /**
   * Whether a whole message goes to the native codec. zlib has no raw window of 2^8 (it makes it
   * 2^9), so an agreed window of 8 bits stays with fflate.
   */
  #sendsNatively(data: Uint8Array): boolean {
    const { native, nativeThreshold, threshold } = this.#config;
    if (native === null || data.length < threshold || this.#agreement.sendWindowBits <= MIN_WINDOW_BITS) return false;
    // Without context takeover fflate's history is lost anyway, and zlib is the faster codec.
    return this.#agreement.sendNoContextTakeover || data.length >= nativeThreshold;
  }

  /** A whole message through the native codec; fflate's compressor, now out of step, goes. */
  #deflateNative(data: Uint8Array): Uint8Array {
    this.#dropCompressor();
    const output = this.#config.native!.deflate(data, this.#config.level, this.#agreement.sendWindowBits);
    return withoutTrailer(output);
  }

  /** Sync-flushed output for one fragment; the trailer is removed at the end of the message. */
  #deflateFragment(data: Uint8Array, fin: boolean): Uint8Array {
    for (let offset = 0; offset < data.length; ) {
      const compressor = (this.#compressor ??= new Deflate(
        { level: this.#config.level, mem: this.#memLevel },
        (chunk) => void this.#compressed.push(chunk),
      ));
      const size = Math.min(data.length - offset, MAX_DEFLATE_PUSH, this.#segmentLimit - this.#segmentInput);
      compressor.push(data.subarray(offset, offset + size));
      offset += size;
      this.#segmentInput += size;
      if (this.#segmentInput === this.#segmentLimit) {
        // The window is full: end this compressor's output byte-aligned and start afresh.
        compressor.flush(true);
        this.#dropCompressor();
      }
    }
    // RFC 7692 §7.2.1: every fragment ends byte-aligned so the peer can inflate all of it now.
    this.#compressor?.flush(true);
    let output = concat(this.#compressed);
    this.#compressed = [];
    if (!fin) return output;
    if (output.length === 0) output = EMPTY_SYNC_FLUSH.slice();
    if (this.#agreement.sendNoContextTakeover) this.#dropCompressor();
    return withoutTrailer(output);
  }

  /** Forget the compressor (its output is complete): nothing after this references its input. */
  #dropCompressor(): void {
    this.#compressor = null;
    this.#segmentInput = 0;
  }

  /**
   * The fallback when fflate's streaming compressor is unsound: one `deflateSync` stream, whose
   * last block has BFINAL set, plus the 0x00 octet RFC 7692 §7.2.3.4 adds so that the appended
   * trailer completes an empty stored block for inflaters that keep reading.
   */
  #deflateWhole(data: Uint8Array): Uint8Array {
    const stream = deflateSync(data, { level: this.#config.level, mem: this.#memLevel });
    const output = new Uint8Array(stream.length + 1);
    output.set(stream);
    return output;
  }

  dispose(): void {
    this.#compressor = null;
    this.#segmentInput = 0;
    this.#compressed = [];
    this.#sending = "idle";
    this.#inflater = null;
    this.#inflateEnded = false;
    this.#window = null;
    this.#windowStore = null;
    this.#pending = null;
    this.#pendingSize = 0;
    this.#streamingMessage = false;
  }
}

/** RFC 7692 §7.2.1: "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end." */
function withoutTrailer(output: Uint8Array): Uint8Array {
  const n = output.length;
  if (n < 4 || output[n - 4] !== 0x00 || output[n - 3] !== 0x00 || output[n - 2] !== 0xff || output[n - 1] !== 0xff) {
    throw new InternalError("INTERNAL_ERROR", "permessage-deflate: compressor output does not end with a sync flush");
  }
  return output.subarray(0, n - 4);
}

const inflateSlice = (budget: number): number =>
  Math.max(MIN_INFLATE_SLICE, Math.min(MAX_INFLATE_SLICE, Math.floor(budget / MAX_EXPANSION) + 1));

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

// --- the compressor check ---------------------------------------------------------------------

/**
 * Known answers of fflate 0.8.3 with the fixes for #267 and #260 (level 6, mem 0): a sync flush
 * with a partial byte pending, and an input that lured the unfixed compressor into the zero
 * bytes before the stream. Both outputs were checked with node:zlib; the unfixed ones fail it.
 */
const KNOWN_ANSWERS: readonly (readonly [input: readonly number[], output: string])[] = [
  // "dacabdcbaaebbcaaccad": unfixed, the stored block lands a byte early (…c51e 0000000000).
  [
    [...new TextEncoder().encode("dacabdcbaaebbcaaccad")],
    "0480010d00000883b202b77f0537c2259c06c51e0000ffff",
  ],
  // unfixed: a match at distance 10 from the first byte ("invalid distance too far back").
  [[2, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2], "6262600022106602000000ffff"],
];

/**
 * Whether fflate's streaming `Deflate` produces the known-good output where 0.8.3 is broken,
 * that is, whether it carries the fixes (this workspace's pnpm patch). Anything else, including
 * a newer fflate that encodes differently, gives the whole-message fallback: safe, not optimal.
 * @internal
 */
export function hasSoundStreamingDeflate(): boolean {
  try {
    return KNOWN_ANSWERS.every(([input, expected]) => {
      const chunks: Uint8Array[] = [];
      const compressor = new Deflate({ level: 6, mem: 0 }, (chunk) => void chunks.push(chunk));
      compressor.push(Uint8Array.from(input));
      compressor.flush(true);
      return toHex(concat(chunks)) === expected;
    });
  } catch {
    return false;
  }
}

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
