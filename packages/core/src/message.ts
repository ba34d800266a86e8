/**
 * Incoming data messages: fragmentation rules (RFC 6455 §5.4), size and fragment limits,
 * incremental UTF-8 validation (§8.1), extension decoding, and delivery as whole messages or, in
 * streaming mode, as fragments.
 *
 * Payload bytes arrive as slices of the caller's chunks, still masked. They are unmasked straight
 * into the message buffer in one pass, and never retained as views: the caller may reuse its
 * chunk once `receive()` returns. With `adoptInput` the chunks are ours: payloads are unmasked in
 * place, a message whole in one chunk (or an extension's input) is a view of it, and a large
 * message's reads are kept until it may have an array of its exact size and copied into it once
 * (see PIECE_MIN).
 */
import { RemoteProtocolError } from "./errors.js";
import type { ConnectionEvent } from "./events.js";
import type { Extension } from "./extensions/extension.js";
import { InPlaceMasker, keyWordAt, type MaskFunction, maskInto } from "./frame/mask.js";
import { Opcode } from "./frame/opcode.js";
import { NONE } from "./internal/empty.js";
import { asciiEnd, decodeUtf8, decodeUtf8Strict, isValidUtf8, replacesIllFormed, type Utf8SliceDecoder, Utf8StreamDecoder, Utf8Validator } from "./internal/utf8.js";
import { WordView } from "./internal/word-view.js";

/** The limits and delivery mode a {@link MessageReader} works with. */
export interface MessageReaderOptions {
  readonly maxMessageSize: number;
  readonly maxFragments: number;
  readonly streaming: boolean;
  readonly mask: MaskFunction;
  readonly allocate: (size: number, unmasks: boolean) => Uint8Array;
  readonly adoptInput: boolean;
  readonly textAs: "string" | "bytes";
  readonly validateUtf8: (bytes: Uint8Array) => boolean;
  readonly decodeUtf8Slice: Utf8SliceDecoder | null;
}

// Reassembly buffer sizing. A header announces the frame's length, but a peer may announce a big
// frame and trickle it, so the announcement is trusted only up to EAGER_BUFFER; past that the
// buffer never exceeds GROWTH times the bytes that arrived. Big steps keep copies few: a 1 MiB
// message read in 64 KiB pieces costs one 256 KiB copy (doubling from 64 KiB copied 960 KiB). A
// message whose end is not announced (more fragments follow, or an extension decodes it) grows at
// least twice over at each step, within the same bound, so that its copying stays linear.
const EAGER_BUFFER = 256 * 1024;
const GROWTH = 4;
/** The most memory a message may hold (its buffer, or the reads it keeps) once `arrived` of its bytes have. */
const holdLimit = (arrived: number): number => Math.max(EAGER_BUFFER, arrived * GROWTH);
// Binary messages up to SLAB_MESSAGE_LIMIT (and masked text, unmasked there to be decoded) share
// a slab allocated for the input chunk they came in: V8 allocates a typed array over 64 bytes
// off-heap at ~0.5-1 µs each, a view into an existing buffer at ~20-50 ns. The slab is sized
// from the bytes left in the chunk, so it holds nothing the chunk did not carry, and it is
// dropped when `receive()` returns: an idle connection keeps none, and a message the application
// keeps pins at most SLAB_SIZE bytes of its own connection's data. It is zeroed (never from
// `allocate`): `data.buffer` exposes all of it.
const SLAB_MESSAGE_LIMIT = 4 * 1024;
const SLAB_SIZE = 16 * 1024;
// Payloads shorter than this are unmasked in place by core's loop even when the caller supplied a
// `mask` function: with its view kept per chunk, core's loop beats a call into C at these sizes.
const OWN_MASK_LIMIT = 1024;
// With a `decodeUtf8Slice`, text up to SLICE_TEXT_MAX bytes is decoded from its read and checked
// by core's loop. Longer text takes the TextDecoder path: on Bun, echo of 1,000-byte mixed text
// ran ~20 % slower when core's loop checked it, and ~5 % slower when only its ASCII part was
// looked at first (the view and call saved are a small part of such a message).
const SLICE_TEXT_MAX = 256;
// With `adoptInput`, a message reassembled from slices of at least PIECE_MIN bytes keeps views of
// them until it can have an array of its exact size, and then copies them once: a 1 MiB message
// read in 64 KiB pieces otherwise costs a 256 KiB buffer and its copy on the way (see
// EAGER_BUFFER). Masked binary pieces stay masked and are kept to the message's end, then
// unmasked into its array in one pass (instead of two), which leaves the whole message in cache
// when it is handed out: a Node server echoing 1 MiB masked binary, paired on one core with the
// build that copied each slice as it came, streamed 1.12-1.22x its bytes (six runs), and in-process
// parse of 1 MiB went 8.1-8.8 k -> 9.2-10.3 k msg/s (with bufferutil). An unmasked single-frame
// message gets its array as soon as the buffer's bound allows it (the size at most EAGER_BUFFER,
// or GROWTH times the bytes arrived): the kept views are copied into it then, and each later
// slice as it comes, while its read is still in cache; in-process that parsed 64 KiB and 1 MiB
// unmasked up to 10 % faster than waiting to the end. A fragmented message's size is not
// announced: its views are kept to its end. The views keep their reads alive; that memory obeys
// the reassembly buffer's bound (EAGER_BUFFER, then GROWTH times the bytes that arrived), and a
// slice that would break it, or a shorter one, moves the message into the buffer. Unmasked text is
// validated as it comes. Masked text is never kept in pieces: it must be unmasked before it can be
// validated, which must happen as it comes (a read holding invalid UTF-8 fails the connection,
// not a later one), and unmasking into the buffer and checking it there (still in cache) reads the
// bytes twice where pieces read them three times (unmask in place, validate, copy); the buffer's
// one 256 KiB copy on the way costs less (1 MiB masked text, with bufferutil, paired with ws +
// bufferutil in one process: 0.95-1.02x as pieces, 1.00-1.09x into the buffer; end to end a tie).
const PIECE_MIN = 4 * 1024;
/** Arrays of kept pieces up to this length are reused from message to message (see #dropPieces). */
const PIECES_KEPT = 64;
const EMPTY = new Uint8Array(0);
// Read once: `.buffer` is a call into V8's C++ runtime on every read, and endInput() runs once
// per receive(). Reading it there held a 1 MiB message in 256-byte reads to 0.74x ws's speed
// (1.05x without; tmp harness of in-process parse, both in one process).
const EMPTY_BUFFER: ArrayBufferLike = EMPTY.buffer;
/** A kept piece's masking key while it is copied (see #copyPieces), written as its word; nothing keeps it. */
const PIECE_KEY = new Uint8Array(4);
const PIECE_KEY_WORD = new Int32Array(PIECE_KEY.buffer);

/** Reassembles data frames into messages. One per connection. */
export class MessageReader {
  readonly #options: MessageReaderOptions;
  #extensions: readonly Extension[] = NONE;

  /** Text or Binary while a message is in progress, else 0. */
  #opcode = 0;
  #fin = false;
  /** RSV bits of the message's first frame; non-zero means an extension transforms it. */
  #rsv = 0;
  /** Filled per message from `#extensions`; only made when there are some. */
  #decoders: Extension[] | null = null;
  #fragments = 0;
  /** Whether the fast path already delivered the current message. */
  #delivered = false;
  /** Message bytes so far (after decoding). */
  #size = 0;
  /** Whole-message mode: the reassembly buffer and how much of it is filled. */
  #buffer: Uint8Array = EMPTY;
  #length = 0;
  /** Adopted reads of the message in progress (see PIECE_MIN), their bytes, and what they pin. */
  #pieces: Uint8Array[] | null = null;
  /** Per piece, the masking key still to apply as its word at the piece's phase (`keyWordAt`), or null. */
  #pieceKeys: Array<number | null> | null = null;
  /** How many of `#pieces` (and `#pieceKeys`) belong to the message in progress. */
  #pieceCount = 0;
  #piecesLength = 0;
  #pinned = 0;
  #lastPinned: ArrayBufferLike | null = null;
  /** For text that arrives in pieces; created the first time some does. */
  #validator: Utf8Validator | null = null;
  #streamDecoder: Utf8StreamDecoder | null = null;
  /** Whether the lent `decodeUtf8Slice` shows ill-formed input as U+FFFD: asked at the first short text that is not all ASCII. */
  #sliceReplaces: boolean | null = null;
  /** Storage for small binary messages of the current input chunk; see SLAB_SIZE. */
  #slab: Uint8Array = EMPTY;
  #slabUsed = 0;
  /** A word view of the current adopted chunk, shared by the in-place unmasker and the ASCII check. */
  readonly #words = new WordView();
  readonly #masker = new InPlaceMasker(this.#words);
  /**
   * The adopted chunk, its ArrayBuffer and byte offset, read once per chunk: on V8 a `.buffer`
   * read costs about as much as the view made from it (~20 ns each; parse of 125-byte text).
   */
  #chunk: Uint8Array = EMPTY;
  #chunkBuffer: ArrayBufferLike = EMPTY_BUFFER;
  #chunkOffset = 0;

  constructor(options: MessageReaderOptions) {
    this.#options = options;
  }

  /** Install the negotiated extensions (after the opening handshake). */
  setExtensions(extensions: readonly Extension[]): void {
    this.#extensions = extensions;
    if (extensions.length !== 0) this.#decoders = [];
  }

  /** Whether a fragmented message is in progress. */
  get inMessage(): boolean {
    return this.#opcode !== 0;
  }

  /**
   * A data frame header arrived.
   * @throws {RemoteProtocolError} on a fragmentation or limit violation.
   */
  startFrame(opcode: number, fin: boolean, rsv: number, length: number): void {
    const options = this.#options;
    if (opcode === Opcode.Continuation) {
      if (this.#opcode === 0) {
        throw new RemoteProtocolError("UNEXPECTED_CONTINUATION", "continuation frame without a message in progress");
      }
      // RFC 7692 §6.1: RSV1 is set on the first frame of a message only; no other extension
      // defines bits for continuation frames.
      if (rsv !== 0) throw new RemoteProtocolError("RESERVED_BITS_SET", "reserved bits set on a continuation frame");
    } else {
      if (this.#opcode !== 0) {
        throw new RemoteProtocolError("EXPECTED_CONTINUATION", "new data frame while a fragmented message is in progress");
      }
      this.#opcode = opcode;
      this.#rsv = rsv;
      this.#fragments = 0;
      this.#size = 0;
      const decoders = this.#decoders;
      // Writing length on an empty array still costs a store barrier on JSC (Bun): skip it.
      if (decoders !== null && decoders.length !== 0) decoders.length = 0;
      // RSV bits pass the header parser only when a negotiated extension owns them.
      if (rsv !== 0 && decoders !== null) {
        // Decode in the reverse order of negotiation (RFC 6455 §9: extensions apply in order).
        for (let i = this.#extensions.length - 1; i >= 0; i--) {
          const ext = this.#extensions[i]!;
          if ((ext.rsvBits & rsv) !== 0) decoders.push(ext);
        }
      }
    }
    this.#fin = fin;
    if (++this.#fragments > options.maxFragments) {
      throw new RemoteProtocolError("TOO_MANY_FRAGMENTS", `message spans more than ${options.maxFragments} frames`);
    }
    // Refuse from the header alone, before allocating, when the size is known.
    if (this.#rsv === 0 && this.#size + length > options.maxMessageSize) {
      throw new RemoteProtocolError("MESSAGE_TOO_BIG", "message exceeds the message size limit");
    }
  }

  /**
   * A slice of the current frame's payload, `src[start..end)`, masked with `maskKey` (null when
   * unmasked) at phase `maskOffset`. `frameEnd` marks the frame's last slice; `frameRemaining`
   * is how many payload bytes of the frame follow this slice (a sizing hint).
   * @throws {RemoteProtocolError} on invalid UTF-8, corrupt compressed data or a limit.
   */
  payload(
    src: Uint8Array,
    start: number,
    end: number,
    maskKey: Uint8Array | null,
    maskOffset: number,
    frameEnd: boolean,
    frameRemaining: number,
    events: ConnectionEvent[],
  ): void {
    const n = end - start;
    const messageEnd = frameEnd && this.#fin;
    if (this.#rsv !== 0) {
      // Extensions may keep input between calls, so they get bytes nobody else writes.
      let owned: Uint8Array;
      if (this.#options.adoptInput) {
        owned = this.#viewOf(src, start, n);
        if (maskKey !== null) this.#unmaskInPlace(src, start, n, maskKey, maskOffset, owned);
      } else {
        owned = this.#options.allocate(n, maskKey !== null);
        if (maskKey !== null) this.#options.mask(src, start, owned, 0, n, maskKey, maskOffset);
        else this.#copySlice(src, start, end, owned, 0);
      }
      this.#decodeChain(owned, messageEnd, events);
    } else if (this.#options.streaming) {
      const owned = this.#options.allocate(n, maskKey !== null);
      if (maskKey !== null) this.#options.mask(src, start, owned, 0, n, maskKey, maskOffset);
      else this.#copySlice(src, start, end, owned, 0);
      this.#size += n;
      this.#emitFragment(owned, messageEnd, events);
    } else if (messageEnd && this.#fragments === 1 && this.#size === 0) {
      // The common case: a whole single-frame message in one slice. No reassembly buffer.
      this.#size = n;
      this.#delivered = true;
      this.#deliverWhole(src, start, n, maskKey, maskOffset, events);
    } else if (this.#keepsAsPiece(src, n, maskKey !== null, frameRemaining)) {
      this.#size += n;
      const piece = this.#viewOf(src, start, n);
      // Text kept here is unmasked (see #keepsAsPiece). The view, not `src`, is validated: the
      // validator's check gets a slice of it, and a Node Buffer's subarray() reads `.buffer` again.
      if (this.#opcode === Opcode.Text) this.#validate(piece, 0, n);
      const key = maskKey === null ? null : keyWordAt(maskKey, maskOffset);
      (this.#pieces ??= [])[this.#pieceCount] = piece;
      (this.#pieceKeys ??= [])[this.#pieceCount] = key;
      this.#pieceCount++;
      this.#piecesLength += n;
    } else {
      this.#size += n;
      if (this.#piecesLength !== 0 && n !== 0) this.#gatherPieces(n, frameRemaining, maskKey !== null);
      const at = this.#reserve(n, frameRemaining, maskKey !== null);
      if (maskKey !== null) this.#options.mask(src, start, this.#buffer, at, n, maskKey, maskOffset);
      else this.#copySlice(src, start, end, this.#buffer, at);
      if (this.#opcode === Opcode.Text) this.#validate(this.#buffer, at, at + n);
      this.#length = at + n;
    }
    if (messageEnd) this.#finish(events);
  }

  /** Whether a slice of `n` bytes of `src` is kept as a view of its read (see PIECE_MIN). */
  #keepsAsPiece(src: Uint8Array, n: number, masked: boolean, frameRemaining: number): boolean {
    if (this.#length !== 0 || n < PIECE_MIN || !this.#options.adoptInput) return false;
    // Masked text is unmasked into the buffer.
    if (masked && this.#opcode === Opcode.Text) return false;
    const limit = holdLimit(this.#piecesLength + n);
    // An unmasked single-frame message goes into the buffer once it may be made at its exact size.
    if (!masked && this.#fin && this.#fragments === 1 && this.#size + n + frameRemaining <= limit) return false;
    return this.#mayPin(src, limit);
  }

  /** The current input chunk is done: let go of its slab and of the word view of it. */
  endInput(): void {
    this.#slab = EMPTY;
    this.#slabUsed = 0;
    this.#words.release();
    this.#chunk = EMPTY;
    this.#chunkBuffer = EMPTY_BUFFER;
  }

  /**
   * A plain Uint8Array view of `src[start..start + n)`, even when `src` is a subclass (a Node
   * Buffer's slice() is a view too, but a Buffer).
   */
  #viewOf(src: Uint8Array, start: number, n: number): Uint8Array {
    const buffer = this.#bufferOf(src);
    return new Uint8Array(buffer, this.#chunkOffset + start, n);
  }

  /**
   * `dst.set(src[start..end), at)`. A slice that is all of `src` (a large message's middle
   * reads) needs no view; any other goes through the chunk's view (see #viewOf). A Node Buffer's
   * own `subarray()` reads `.buffer` through V8's C++ getter and makes a Buffer on every call: a
   * 1 MiB message in 256-byte reads went at 0.61x ws's speed with it, 0.91x without.
   */
  #copySlice(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
    dst.set(start === 0 && end === src.length ? src : this.#viewOf(src, start, end - start), at);
  }

  /** The ArrayBuffer under the current input chunk `src` (kept until endInput()). */
  #bufferOf(src: Uint8Array): ArrayBufferLike {
    if (src !== this.#chunk) {
      this.#chunk = src;
      this.#chunkBuffer = src.buffer;
      this.#chunkOffset = src.byteOffset;
    }
    return this.#chunkBuffer;
  }

  /** Whether a piece of `src` may be kept, counting what its read pins once, within `limit` bytes. */
  #mayPin(src: Uint8Array, limit: number): boolean {
    const buffer = this.#bufferOf(src);
    const pinned = buffer === this.#lastPinned ? this.#pinned : this.#pinned + buffer.byteLength;
    if (pinned > limit) return false;
    this.#pinned = pinned;
    this.#lastPinned = buffer;
    return true;
  }

  /**
   * Copies the kept pieces into the reassembly buffer (empty until now), made with room for the
   * slice of `n` bytes that comes next and sized from the `frameRemaining` bytes announced after it;
   * `unmasks` says whether masked bytes are unmasked into it (for `allocate`).
   */
  #gatherPieces(n: number, frameRemaining: number, unmasks: boolean): void {
    this.#reserve(this.#piecesLength + n, frameRemaining, unmasks);
    this.#length = this.#copyPieces(this.#buffer, 0);
    this.#dropPieces();
  }

  /** The whole message from its kept pieces, in one array of its own (or the one view). */
  #joinPieces(): Uint8Array {
    const pieces = this.#pieces!;
    // A sole piece is the message: unmasked in place if it is still masked.
    const data = this.#pieceCount > 1 ? this.#options.allocate(this.#piecesLength, this.#pieceKeys![0] !== null) : pieces[0]!;
    this.#copyPieces(data, 0);
    this.#dropPieces();
    return data;
  }

  /**
   * Copies the kept pieces, in order, into `out` from `at`, unmasking those still masked;
   * returns the index after them. `out` may be a sole piece itself.
   */
  #copyPieces(out: Uint8Array, at: number): number {
    const pieces = this.#pieces!;
    const keys = this.#pieceKeys!;
    for (let i = 0; i < this.#pieceCount; i++) {
      const piece = pieces[i]!;
      const key = keys[i] ?? null;
      if (key !== null) {
        PIECE_KEY_WORD[0] = key;
        this.#options.mask(piece, 0, out, at, piece.length, PIECE_KEY, 0);
      } else if (piece !== out) {
        out.set(piece, at);
      }
      at += piece.length;
    }
    return at;
  }

  /**
   * Lets go of the kept reads. The arrays stay for the next message (writing `length = 0` is a
   * call into V8's runtime and the next push regrows them), unless a long message grew them.
   */
  #dropPieces(): void {
    const pieces = this.#pieces;
    if (pieces !== null) {
      if (pieces.length > PIECES_KEPT) {
        this.#pieces = null;
        this.#pieceKeys = null;
      } else {
        for (let i = 0; i < this.#pieceCount; i++) pieces[i] = EMPTY;
      }
    }
    this.#pieceCount = 0;
    this.#piecesLength = 0;
    this.#pinned = 0;
    this.#lastPinned = null;
  }

  /**
   * Unmasks `src[start..start + n)` in place. `view` is a view of exactly that range: a supplied
   * mask function gets it whole (bufferutil reads its source from index 0 and would otherwise make
   * a view per call), core's masker gets the chunk, whose word view it keeps. With `ascii`,
   * returns whether the bytes are known to be all ASCII (see InPlaceMasker.mask); else false.
   */
  #unmaskInPlace(src: Uint8Array, start: number, n: number, key: Uint8Array, keyOffset: number, view: Uint8Array, ascii = false): boolean {
    const mask = this.#options.mask;
    if (mask === maskInto || n < OWN_MASK_LIMIT) return this.#masker.mask(src, start, n, key, keyOffset, ascii);
    mask(view, 0, view, 0, n, key, keyOffset);
    return false;
  }

  /** Free the reassembly buffer (on close). */
  reset(): void {
    this.#opcode = 0;
    this.#buffer = EMPTY;
    this.#length = 0;
    this.#dropPieces();
    this.endInput();
    this.#streamDecoder = null;
    this.#validator?.reset();
  }

  #deliverWhole(src: Uint8Array, start: number, n: number, maskKey: Uint8Array | null, maskOffset: number, events: ConnectionEvent[]): void {
    let data: Uint8Array;
    if (this.#options.adoptInput) {
      const slice = this.#options.decodeUtf8Slice;
      if (slice !== null && n <= SLICE_TEXT_MAX && this.#opcode === Opcode.Text && this.#options.textAs === "string") {
        // Unmasked by core's loop, which tells whether it was all ASCII.
        const end = start + n;
        const ascii = maskKey !== null && this.#masker.mask(src, start, n, maskKey, maskOffset, true);
        // A decoder that shows ill-formed input as U+FFFD is trusted with unchecked text, and only
        // text that holds U+FFFD is checked after it: on Bun, echo of 64-byte mixed text served
        // ~1.2x the messages of checking all such text first (bench/README.md, sixth run).
        const checkFirst = !ascii && !(this.#sliceReplaces ??= replacesIllFormed(slice));
        if (checkFirst && !this.#isValidByWords(src, start, end)) this.#failText(this.#viewOf(src, start, n));
        const text = slice(src, start, end, ascii);
        if (!ascii && !checkFirst && text.includes("\ufffd") && !this.#isValidByWords(src, start, end)) this.#failText(this.#viewOf(src, start, n));
        events.push({ type: "text", data: text });
        return;
      }
      // The chunk is ours: unmask in place and hand out (or decode) a view, with no copy.
      data = this.#viewOf(src, start, n);
      // Text handed out as bytes that unmasks to all ASCII is valid UTF-8: the unmasking loop
      // says so (see InPlaceMasker). Text decoded to a string is validated by the decoder anyway.
      const textBytes = this.#opcode === Opcode.Text && this.#options.textAs === "bytes";
      const ascii = maskKey !== null && this.#unmaskInPlace(src, start, n, maskKey, maskOffset, data, textBytes);
      if (textBytes) {
        if (!ascii && !this.#isValidInChunk(src, start, start + n, data)) this.#failText(data);
        events.push({ type: "text-bytes", data });
        return;
      }
    } else if (maskKey === null && this.#opcode === Opcode.Text && this.#options.textAs === "string") {
      // Decoded straight from the chunk: the string owns its text.
      data = this.#viewOf(src, start, n);
    } else {
      // Masked text to decode is unmasked there too (its bytes are dead once decoded).
      data = n > SLAB_MESSAGE_LIMIT ? this.#options.allocate(n, maskKey !== null) : this.#fromSlab(n, src.length - start);
      if (maskKey !== null) this.#options.mask(src, start, data, 0, n, maskKey, maskOffset);
      else this.#copySlice(src, start, start + n, data, 0);
    }
    this.#deliverOwned(data, events);
  }

  /** A whole message's unmasked bytes, the application's to keep: its event. */
  #deliverOwned(data: Uint8Array, events: ConnectionEvent[]): void {
    if (this.#opcode === Opcode.Binary) events.push({ type: "binary", data });
    else if (this.#options.textAs === "bytes") this.#deliverTextBytes(data, events);
    else this.#deliverText(data, events);
  }

  /** A whole text message's unmasked bytes: validate and decode in one pass. */
  #deliverText(view: Uint8Array, events: ConnectionEvent[]): void {
    const text = decodeUtf8Strict(view);
    if (text === null) this.#failText(view);
    events.push({ type: "text", data: text });
  }

  /**
   * Whether adopted text `src[start..end)` (`data` is a view of it) is valid UTF-8. Core's own
   * validator skips the leading ASCII by words through the chunk's kept view (parse of 125-byte
   * mixed text, core alone: ~7.0 M -> ~8.1 M msg/s); a supplied one (simdutf on Node and Bun) was
   * as fast alone at 125 bytes and faster above, so it gets the message whole.
   */
  #isValidInChunk(src: Uint8Array, start: number, end: number, data: Uint8Array): boolean {
    const validate = this.#options.validateUtf8;
    if (validate === isValidUtf8) return this.#isValidByWords(src, start, end);
    return validate(data);
  }

  /** Core's own check of `src[start..end)`, skipping its leading ASCII by words through the chunk's kept view. */
  #isValidByWords(src: Uint8Array, start: number, end: number): boolean {
    return isValidUtf8(src, asciiEnd(this.#words, src, start, end), end);
  }

  /** A whole text message's bytes, the application's to keep (`textAs: "bytes"`). */
  #deliverTextBytes(data: Uint8Array, events: ConnectionEvent[]): void {
    if (!this.#options.validateUtf8(data)) this.#failText(data);
    events.push({ type: "text-bytes", data });
  }

  /** Fail as the incremental path would: the same reason on the wire, however the bytes were split. */
  #failText(view: Uint8Array): never {
    this.#validate(view, 0, view.length);
    this.#checkComplete();
    throw new RemoteProtocolError("INVALID_UTF8", "invalid UTF-8 in a text message");
  }

  /** `n` bytes from the slab; `chunkLeft` is what the input chunk holds from here on. */
  #fromSlab(n: number, chunkLeft: number): Uint8Array {
    if (this.#slab.length - this.#slabUsed < n) {
      const size = Math.max(n, Math.min(chunkLeft, SLAB_SIZE));
      // The chunk ends with this message: an array of its own, since a view would move a small
      // (on-heap) typed array off the heap, which costs more than the allocation it saves.
      if (size === n) return new Uint8Array(n);
      this.#slab = new Uint8Array(size);
      this.#slabUsed = 0;
    }
    const at = this.#slabUsed;
    this.#slabUsed = at + n;
    return this.#slab.subarray(at, at + n);
  }

  #decodeChain(data: Uint8Array, messageEnd: boolean, events: ConnectionEvent[]): void {
    let chunks: readonly Uint8Array[] = [data];
    for (const ext of this.#decoders ?? NONE) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < chunks.length; i++) {
        const last = messageEnd && i === chunks.length - 1;
        const out = ext.decode(chunks[i]!, this.#rsv & ext.rsvBits, last, this.#options.maxMessageSize - this.#size);
        for (const o of out) next.push(o);
      }
      if (messageEnd && chunks.length === 0) {
        for (const o of ext.decode(EMPTY, this.#rsv & ext.rsvBits, true, this.#options.maxMessageSize - this.#size)) next.push(o);
      }
      chunks = next;
    }
    if (messageEnd && chunks.length === 1 && this.#length === 0 && !this.#options.streaming) {
      // The whole message came out in one piece, a new array the decoders hand over (fflate and
      // the native codecs make one per output): deliver it as it is, with no copy into the
      // reassembly buffer. Text is checked and decoded in one pass, as a whole frame's is.
      const data = chunks[0]!;
      this.#countDecoded(data.length);
      this.#delivered = true;
      this.#deliverOwned(data, events);
      return;
    }
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      this.#countDecoded(chunk.length);
      if (this.#options.streaming) {
        this.#emitFragment(chunk, messageEnd && i === chunks.length - 1, events);
      } else {
        const at = this.#reserve(chunk.length, 0, false);
        this.#buffer.set(chunk, at);
        if (this.#opcode === Opcode.Text) this.#validate(this.#buffer, at, at + chunk.length);
        this.#length = at + chunk.length;
      }
    }
    if (this.#options.streaming && messageEnd && chunks.length === 0) this.#emitFragment(EMPTY, true, events);
  }

  /** `n` more bytes of the message out of the decoders: the size limit applies to them too. */
  #countDecoded(n: number): void {
    this.#size += n;
    if (this.#size > this.#options.maxMessageSize) {
      throw new RemoteProtocolError("MESSAGE_TOO_BIG", "message exceeds the message size limit");
    }
  }

  #emitFragment(data: Uint8Array, fin: boolean, events: ConnectionEvent[]): void {
    if (this.#opcode === Opcode.Binary) {
      events.push({ type: "binary-fragment", data, fin });
      return;
    }
    this.#validate(data, 0, data.length);
    if (fin) this.#checkComplete();
    this.#streamDecoder ??= new Utf8StreamDecoder();
    events.push({ type: "text-fragment", data: this.#streamDecoder.decode(data, fin), fin });
  }

  #finish(events: ConnectionEvent[]): void {
    if (!this.#options.streaming && !this.#delivered) {
      let data: Uint8Array;
      if (this.#piecesLength !== 0) data = this.#joinPieces();
      else if (this.#length === 0) data = new Uint8Array(0);
      else if (this.#buffer.length === this.#length) data = this.#buffer;
      else data = this.#buffer.slice(0, this.#length);
      if (this.#opcode === Opcode.Binary) {
        events.push({ type: "binary", data });
      } else {
        // Validated piece by piece as it arrived.
        this.#checkComplete();
        events.push(this.#options.textAs === "bytes" ? { type: "text-bytes", data } : { type: "text", data: decodeUtf8(data) });
      }
    }
    this.#opcode = 0;
    this.#rsv = 0;
    this.#delivered = false;
    this.#buffer = EMPTY;
    this.#length = 0;
    this.#validator?.reset();
    this.#streamDecoder = null;
  }

  /**
   * Room for `n` more bytes in the buffer; returns where they go. See EAGER_BUFFER. `unmasks`
   * says whether masked bytes will be unmasked into it or plain ones copied (for `allocate`).
   */
  #reserve(n: number, frameRemaining: number, unmasks: boolean): number {
    const at = this.#length;
    const needed = at + n;
    if (needed > this.#buffer.length) {
      // The message ends with this frame's payload when the frame is its last and nothing decodes
      // it. Otherwise more of unknown size may follow: at least double (see EAGER_BUFFER). Growing
      // by each frame took 4 s for 16 MiB in 16 KiB frames, against 0.05 s in 1 MiB frames.
      const ends = this.#fin && this.#rsv === 0;
      const hint = ends ? needed + frameRemaining : Math.max(needed + frameRemaining, 2 * needed);
      const capacity = Math.max(needed, Math.min(hint, holdLimit(needed), this.#options.maxMessageSize));
      // Bytes past `#length` are never handed out (see #finish), so uninitialised memory is fine.
      const grown = this.#options.allocate(capacity, unmasks);
      if (at !== 0) grown.set(this.#buffer.subarray(0, at));
      this.#buffer = grown;
    }
    return at;
  }

  #validate(bytes: Uint8Array, start: number, end: number): void {
    const bad = (this.#validator ??= new Utf8Validator(this.#options.validateUtf8 === isValidUtf8 ? null : this.#options.validateUtf8)).push(bytes, start, end);
    if (bad >= 0) throw new RemoteProtocolError("INVALID_UTF8", "invalid UTF-8 in a text message");
  }

  #checkComplete(): void {
    if (this.#validator !== null && !this.#validator.isComplete()) {
      throw new RemoteProtocolError("INVALID_UTF8", "text message ends inside a UTF-8 sequence");
    }
  }
}
