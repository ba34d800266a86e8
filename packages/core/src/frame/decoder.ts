/**
 * Frame-level decoding for callers who want frames rather than messages (fastwebsockets' raw
 * frames). The Connection does not use this class: it reads payloads straight into messages.
 */
import type { RemoteProtocolError } from "../errors.js";
import type { Frame } from "./encoder.js";
import { FrameHeaderParser } from "./header.js";
import { maskInto } from "./mask.js";

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** The receiving role: a server requires masked frames, a client unmasked ones. */
  readonly role: "client" | "server";
  /** RSV bits the caller's extensions own. Default 0. */
  readonly rsvAllowed?: number;
  /** Largest frame payload. Default 16 MiB. */
  readonly maxFrameSize?: number;
}

/**
 * Splits a byte stream into unmasked frames, enforcing the context-free framing rules (reserved
 * opcodes and bits, control frame rules, masking direction, length encoding, size limit).
 * Fragmentation rules are left to the caller.
 *
 * @example
 * const decoder = new FrameDecoder({ role: "client" });
 * for (const frame of decoder.push(chunk)) console.log(frame.opcode, frame.payload);
 */
export class FrameDecoder {
  readonly #header: FrameHeaderParser;
  #payload: Uint8Array | null = null;
  #filled = 0;

  constructor(options: FrameDecoderOptions) {
    this.#header = new FrameHeaderParser({
      role: options.role,
      rsvAllowed: options.rsvAllowed ?? 0,
      maxFrameSize: options.maxFrameSize ?? 16 * 1024 * 1024,
    });
  }

  /**
   * Feed bytes; returns the frames completed by them. `chunk` is not retained.
   * @throws {RemoteProtocolError} on a framing violation; the decoder is then unusable.
   */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    const h = this.#header;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#payload === null) {
        const next = h.parse(chunk, pos);
        if (next < 0) break;
        pos = next;
        this.#payload = new Uint8Array(h.length);
        this.#filled = 0;
      }
      const payload = this.#payload;
      const n = Math.min(payload.length - this.#filled, chunk.length - pos);
      if (h.masked) maskInto(chunk, pos, payload, this.#filled, n, h.maskKey, this.#filled & 3);
      else payload.set(chunk.subarray(pos, pos + n), this.#filled);
      this.#filled += n;
      pos += n;
      if (this.#filled === payload.length) {
        frames.push({ fin: h.fin, rsv: h.rsv, opcode: h.opcode, payload });
        this.#payload = null;
      }
    }
    return frames;
  }
}

