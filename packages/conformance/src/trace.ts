/**
 * What the endpoint under test did: the frames it sent (decoded by core's `FrameDecoder`, then
 * reassembled, inflated with node:zlib and checked by the kit), and how its transport ended.
 * Anything the endpoint itself gets wrong on the wire becomes a `violation`.
 */
import { FrameDecoder } from "@wsengine/core";
import { concat, preview } from "./bytes.js";
import { type DeflateAgreement, KitInflater } from "./deflate.js";
import { OP, RSV1 } from "./frames.js";
import { isValidCloseCode } from "./oracle.js";
import { Utf8Checker } from "./utf8.js";

/** One thing received from the endpoint under test. */
export type Received =
  | { readonly type: "text" | "binary"; readonly data: Uint8Array; readonly compressed: boolean; readonly frames: number }
  | { readonly type: "ping" | "pong"; readonly data: Uint8Array }
  | { readonly type: "close"; readonly code: number | null; readonly reason: Uint8Array }
  | { readonly type: "violation"; readonly message: string };

/**
 * How the transport ended: the peer closed it (`end`) or reset it (`reset`), nothing happened
 * within the timeout (`timeout`, the kit then destroyed it), or the kit closed it after a
 * complete closing handshake, as a server does (`local`).
 */
export type Ending = "end" | "reset" | "timeout" | "local";

/** Everything observed in one exchange. */
export interface Observation {
  readonly received: readonly Received[];
  readonly ending: Ending;
  /** Milliseconds from the first byte written to the end. */
  readonly elapsedMs: number;
}

/** Decodes what the endpoint under test sends. */
export class PeerReader {
  readonly received: Received[] = [];
  readonly #decoder: FrameDecoder;
  readonly #inflater: KitInflater | null;
  #broken = false;
  #message: { opcode: number; parts: Uint8Array[]; compressed: boolean; frames: number } | null = null;
  #bytes = 0;

  /**
   * @param peerRole the endpoint under test: frames from a server must be unmasked, from a
   *   client masked (RFC 6455 §5.1).
   */
  constructor(peerRole: "server" | "client", deflate: DeflateAgreement | null) {
    this.#decoder = new FrameDecoder({ role: peerRole === "server" ? "client" : "server", rsvAllowed: deflate === null ? 0 : RSV1, maxFrameSize: 256 * 1024 * 1024 });
    this.#inflater = deflate === null ? null : new KitInflater(deflate.receiveNoContextTakeover);
  }

  /** Bytes received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Feed bytes from the endpoint. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    if (this.#broken) return;
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#violation(`sent an invalid frame: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const f of frames) {
      if (this.#broken) return;
      this.#frame(f.fin, f.rsv, f.opcode, f.payload);
    }
  }

  #violation(message: string): void {
    this.#broken = true;
    this.received.push({ type: "violation", message });
  }

  #frame(fin: boolean, rsv: number, opcode: number, payload: Uint8Array): void {
    if (opcode === OP.ping || opcode === OP.pong) {
      this.received.push({ type: opcode === OP.ping ? "ping" : "pong", data: payload });
      return;
    }
    if (opcode === OP.close) {
      if (payload.length === 1) return this.#violation("sent a Close frame with a 1-byte body (RFC 6455 §5.5.1)");
      if (payload.length === 0) {
        this.received.push({ type: "close", code: null, reason: new Uint8Array(0) });
        return;
      }
      const code = (payload[0]! << 8) | payload[1]!;
      if (!isValidCloseCode(code)) return this.#violation(`sent close code ${code}, which may not appear on the wire (RFC 6455 §7.4.1)`);
      const reason = payload.subarray(2);
      const checker = new Utf8Checker();
      if (!checker.push(reason) || !checker.atBoundary) return this.#violation("sent a close reason that is not UTF-8 (RFC 6455 §5.5.1)");
      this.received.push({ type: "close", code, reason });
      return;
    }
    if (opcode === OP.continuation) {
      if (this.#message === null) return this.#violation("sent a continuation frame without a message in progress (RFC 6455 §5.4)");
      if ((rsv & RSV1) !== 0) return this.#violation("set RSV1 on a continuation frame (RFC 7692 §6.1)");
    } else {
      if (this.#message !== null) return this.#violation("started a new message inside a fragmented one (RFC 6455 §5.4)");
      this.#message = { opcode, parts: [], compressed: (rsv & RSV1) !== 0, frames: 0 };
    }
    const message = this.#message;
    message.parts.push(payload);
    message.frames++;
    if (!fin) return;
    this.#message = null;
    let data = concat(message.parts);
    if (message.compressed) {
      const inflated = this.#inflater?.inflate(data) ?? new Error("no deflate agreement");
      if (inflated instanceof Error) return this.#violation(`sent a compressed message node:zlib cannot inflate: ${inflated.message}`);
      data = inflated;
    }
    if (message.opcode === OP.text) {
      const checker = new Utf8Checker();
      if (!checker.push(data) || !checker.atBoundary) return this.#violation(`sent a text message that is not UTF-8: ${preview(data, 24)} (RFC 6455 §8.1)`);
    }
    this.received.push({ type: message.opcode === OP.text ? "text" : "binary", data, compressed: message.compressed, frames: message.frames });
  }
}

/** A one-line description of a received item for reports. */
export function describeReceived(r: Received): string {
  switch (r.type) {
    case "text":
    case "binary":
      return `${r.type} ${preview(r.data, 32)}${r.compressed ? " (compressed)" : ""}${r.frames > 1 ? ` in ${r.frames} frames` : ""}`;
    case "ping":
    case "pong":
      return `${r.type} ${preview(r.data, 32)}`;
    case "close":
      return r.code === null ? "close (empty)" : `close ${r.code}${r.reason.length > 0 ? ` ${preview(r.reason, 40)}` : ""}`;
    case "violation":
      return `VIOLATION: ${r.message}`;
  }
}

/** Describe an observation in one line. */
export function describeObservation(o: Observation): string {
  const items = o.received.map(describeReceived);
  const ending = { end: "then closed TCP", reset: "then reset TCP", timeout: "then nothing until the timeout", local: "then the kit closed TCP" }[o.ending];
  return `${items.length === 0 ? "nothing" : items.join("; ")}; ${ending}`;
}
