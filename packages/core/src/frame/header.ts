/**
 * The base framing header (RFC 6455 §5.2), parsed incrementally so that a header split across
 * chunks costs no copy of the chunks: at most 14 header bytes are ever held.
 *
 * Context-free rules are enforced here, the moment the header is complete and before any payload
 * allocation: reserved opcodes, RSV bits no extension owns, control frame rules, the masking rule
 * for the receiving role, the 64-bit length MSB, minimal length encoding, and the frame size
 * limit. Rules that need message context (fragmentation) belong to the message layer.
 */
import { RemoteProtocolError } from "../errors.js";
import { isControlOpcode, isReservedOpcode, MAX_CONTROL_PAYLOAD } from "./opcode.js";

/** Stands for "no key yet"; never written (see `maskKey`). */
const NO_KEY = new Uint8Array(0);

/** Largest header: 2 bytes + 8-byte extended length + 4-byte masking key. */
export const MAX_HEADER_SIZE = 14;

/** What the header parser checks a header against. */
export interface HeaderRules {
  /** The role of the receiving endpoint: a server needs masked frames, a client unmasked ones. */
  readonly role: "client" | "server";
  /** RSV bits (0x40/0x20/0x10) that negotiated extensions own; any other set bit fails. */
  readonly rsvAllowed: number;
  /** Largest payload of one frame. */
  readonly maxFrameSize: number;
}

/** Incremental parser of one frame header at a time. Reads are cheap field accesses. */
export class FrameHeaderParser {
  fin = false;
  /** The RSV bits as they sit in the first byte (0x40 | 0x20 | 0x10). */
  rsv = 0;
  opcode = 0;
  masked = false;
  /** Payload length; below 2^53 always (larger lengths fail before they are computed). */
  length = 0;
  /**
   * The masking key when `masked`, valid until the next header. Its array is created with the
   * first masked frame (a client never gets one), so an idle connection that never received a
   * frame holds none.
   */
  maskKey: Uint8Array = NO_KEY;

  // The rules' values, not the rules object: a connection keeps its parser for its lifetime.
  readonly #server: boolean;
  readonly #rsvAllowed: number;
  readonly #maxFrameSize: number;
  /** A header split across chunks gathers here; created the first time one is. */
  #partialBuffer: Uint8Array | null = null;
  #have = 0;

  constructor(rules: HeaderRules) {
    this.#server = rules.role === "server";
    this.#rsvAllowed = rules.rsvAllowed;
    this.#maxFrameSize = rules.maxFrameSize;
  }

  /** Whether part of a header is held from an earlier chunk. */
  get isPartial(): boolean {
    return this.#have > 0;
  }

  /**
   * Parse a header starting at `pos` in `chunk`, continuing any partial header held.
   * @returns the position just after the header, or -1 if `chunk` ended first (the partial
   *   header is kept; call again with the next chunk at position 0).
   * @throws {RemoteProtocolError} when the header breaks a framing rule.
   */
  parse(chunk: Uint8Array, pos: number): number {
    const avail = chunk.length - pos;
    if (this.#have === 0 && avail >= 8) {
      // The common header, whole in this chunk: a data frame with a 7-bit or 16-bit length,
      // masked as this role needs, with allowed RSV bits. It breaks no rule, so it is read without
      // the checks that name broken rules; any other header takes the general path below. Half or
      // less of the general path's time on Node and Bun (test/frame/header.test.ts compares the two).
      const b0 = chunk[pos]!;
      const b1 = chunk[pos + 1]!;
      const masked = (b1 & 0x80) !== 0;
      const len7 = b1 & 0x7f;
      const extended = len7 === 126;
      const length = extended ? (chunk[pos + 2]! << 8) | chunk[pos + 3]! : len7;
      if (
        (b0 & 0x0f) <= 2 &&
        (b0 & 0x70 & ~this.#rsvAllowed) === 0 &&
        masked === this.#server &&
        len7 !== 127 &&
        (!extended || length >= 126) &&
        length <= this.#maxFrameSize
      ) {
        this.fin = (b0 & 0x80) !== 0;
        this.rsv = b0 & 0x70;
        this.opcode = b0 & 0x0f;
        this.masked = masked;
        this.length = length;
        const keyAt = extended ? pos + 4 : pos + 2;
        if (!masked) return keyAt;
        this.#readKey(chunk, keyAt);
        return keyAt + 4;
      }
    }
    return this.#parseGeneral(chunk, pos, avail);
  }

  /** {@link parse} for a header split across chunks or one that may break a rule. */
  #parseGeneral(chunk: Uint8Array, pos: number, avail: number): number {
    if (this.#have > 0 || avail < 2) {
      const partial = (this.#partialBuffer ??= new Uint8Array(MAX_HEADER_SIZE));
      // Slow path: gather into the partial buffer until the whole header is there.
      const need = this.#have < 2 ? 2 : this.#headerSize(partial[0]!, partial[1]!);
      const take = Math.min(need - this.#have, avail);
      partial.set(chunk.subarray(pos, pos + take), this.#have);
      this.#have += take;
      if (this.#have < need) return -1;
      if (need === 2) {
        const full = this.#headerSize(partial[0]!, partial[1]!);
        if (full > 2) {
          const more = Math.min(full - 2, chunk.length - (pos + take));
          partial.set(chunk.subarray(pos + take, pos + take + more), 2);
          this.#have += more;
          if (this.#have < full) return -1;
          this.#decode(partial, 0);
          this.#have = 0;
          return pos + take + more;
        }
      }
      this.#decode(partial, 0);
      this.#have = 0;
      return pos + take;
    }
    const size = this.#headerSize(chunk[pos]!, chunk[pos + 1]!);
    if (avail < size) {
      (this.#partialBuffer ??= new Uint8Array(MAX_HEADER_SIZE)).set(chunk.subarray(pos), 0);
      this.#have = avail;
      return -1;
    }
    this.#decode(chunk, pos);
    return pos + size;
  }

  /** Header size implied by its first two bytes; checks the first byte's rules on the way. */
  #headerSize(b0: number, b1: number): number {
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  #decode(b: Uint8Array, at: number): void {
    const b0 = b[at]!;
    const b1 = b[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let p = at + 2;

    if (isReservedOpcode(opcode)) {
      throw new RemoteProtocolError("RESERVED_OPCODE", `reserved opcode ${opcode}`);
    }
    if (isControlOpcode(opcode)) {
      // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less and
      // MUST NOT be fragmented." Extensions never apply to control frames here.
      if (!fin) throw new RemoteProtocolError("FRAGMENTED_CONTROL_FRAME", "fragmented control frame");
      if (length > MAX_CONTROL_PAYLOAD) {
        // A 7-bit length of 126 or 127 announces an extended length field, which no control
        // frame may use, whatever the length in it.
        throw new RemoteProtocolError("CONTROL_FRAME_TOO_LONG", "control frame with an extended payload length (over 125 bytes)");
      }
      if (rsv !== 0) throw new RemoteProtocolError("RESERVED_BITS_SET", "reserved bits set on a control frame");
    } else if ((rsv & ~this.#rsvAllowed) !== 0) {
      // RFC 6455 §5.2: "If a nonzero value is received and none of the negotiated extensions
      // defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail_".
      throw new RemoteProtocolError("RESERVED_BITS_SET", "reserved bits set that no extension owns");
    }
    // RFC 6455 §5.1: a server MUST close on an unmasked frame, a client on a masked one.
    if (this.#server && !masked) {
      throw new RemoteProtocolError("UNMASKED_FRAME_FROM_CLIENT", "unmasked frame from client");
    }
    if (!this.#server && masked) {
      throw new RemoteProtocolError("MASKED_FRAME_FROM_SERVER", "masked frame from server");
    }

    if (length === 126) {
      length = (b[p]! << 8) | b[p + 1]!;
      p += 2;
      // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length". We fail
      // non-minimal encodings: a conforming sender never produces them.
      if (length < 126) throw new RemoteProtocolError("NON_MINIMAL_LENGTH", "16-bit payload length below 126");
    } else if (length === 127) {
      const high = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      const low = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      p += 8;
      if (high & 0x80000000) throw new RemoteProtocolError("LENGTH_MSB_SET", "8-byte payload length with non-zero MSB");
      if (high === 0 && low < 65536) throw new RemoteProtocolError("NON_MINIMAL_LENGTH", "64-bit payload length below 65536");
      // Check the limit on the two halves before combining them: above 2^53 a double is inexact.
      if (high > 0x1fffff || high * 4294967296 + low > this.#maxFrameSize) {
        throw new RemoteProtocolError("FRAME_TOO_BIG", "frame payload exceeds the frame size limit");
      }
      length = high * 4294967296 + low;
    }
    if (length > this.#maxFrameSize) {
      throw new RemoteProtocolError("FRAME_TOO_BIG", "frame payload exceeds the frame size limit");
    }
    if (masked) this.#readKey(b, p);
    this.fin = fin;
    this.rsv = rsv;
    this.opcode = opcode;
    this.masked = masked;
    this.length = length;
  }

  /** Copies the masking key at `at` into {@link maskKey}, made with the first masked frame. */
  #readKey(b: Uint8Array, at: number): void {
    const k = this.maskKey === NO_KEY ? (this.maskKey = new Uint8Array(4)) : this.maskKey;
    k[0] = b[at]!;
    k[1] = b[at + 1]!;
    k[2] = b[at + 2]!;
    k[3] = b[at + 3]!;
  }
}
