/**
 * One scenario's exchange over an open connection, independent of the transport: write the
 * script, then the sentinel ping; once the sentinel is answered, finish any open message and send
 * Close 1000; answer the endpoint's Close; wait for the transport to end. What was written and
 * what came back are recorded for the judge and the report.
 */
import { bytesEqual, concat, toHex } from "./bytes.js";
import { describeFrame, encodeWireFrame, OP, type WireFrame } from "./frames.js";
import type { PeerReader, Observation, Ending } from "./trace.js";
import { SENTINEL } from "./scenario.js";

/** An open connection to the endpoint under test, after its handshake. */
export interface Link {
  /** Decodes what the endpoint sends. */
  readonly reader: PeerReader;
  /** How the transport ended, or null while it is open. */
  readonly ending: Ending | null;
  /** Write bytes; resolves once they are handed to the transport. */
  write(bytes: Uint8Array): Promise<void>;
  /** Let the transport send what was written as its own segment before the next write. */
  pause(): Promise<void>;
  /** Resolve true as soon as `predicate` holds, false after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
  /** Close our side after a complete closing handshake (what a server does first): ending `local`. */
  end(): void;
  /** Drop the transport (after a timeout): ending `timeout` unless it had already ended. */
  destroy(): void;
}

/** A frame as written, for reports. */
export interface WrittenFrame {
  readonly phase: "script" | "sentinel" | "closing" | "reply";
  /** The frame's bytes in hex, cut after `MAX_RECORDED_BYTES` (512) bytes (the runner puts findings' script frames back whole). */
  readonly hex: string;
  /** The frame's length in bytes. */
  readonly bytes: number;
  readonly text: string;
}

/** Bytes of each frame kept in a record: large payloads would only bloat reports. */
export const MAX_RECORDED_BYTES = 512;

/** The frames an exchange sends, in phases. */
export interface ExchangePlan {
  readonly script: readonly WireFrame[];
  readonly sentinel: readonly WireFrame[];
  /** Sent once the sentinel is answered: the end of a message the script left open. */
  readonly completion: readonly WireFrame[];
  /** The final Close, sent once `echoesBeforeClose` messages came back (or the timeout passed). */
  readonly closing: readonly WireFrame[];
  /**
   * Echoes to wait for before the final Close: a Close written right behind a message may
   * overtake the application's echo of it, which the RFC allows but the test does not want.
   */
  readonly echoesBeforeClose?: number;
  /** Cut the script's bytes at these fractions into separate writes. */
  readonly cuts?: readonly number[];
}

/** What an exchange did. */
export interface ExchangeRecord {
  readonly observation: Observation;
  readonly written: readonly WrittenFrame[];
}

/**
 * Run `plan` on `link`. `defaultMasked`: the kit plays the client (masks its frames).
 * `peerRole` decides who closes TCP after the closing handshake (a server, RFC 6455 §7.1.1).
 */
export async function runExchange(link: Link, plan: ExchangePlan, defaultMasked: boolean, peerRole: "server" | "client", timeoutMs: number): Promise<ExchangeRecord> {
  const started = Date.now();
  const written: WrittenFrame[] = [];
  let index = 0;
  const encode = (frames: readonly WireFrame[], phase: WrittenFrame["phase"]): Uint8Array => {
    const parts = frames.map((f) => {
      const bytes = encodeWireFrame(f, defaultMasked, index++);
      written.push({ phase, hex: toHex(bytes.subarray(0, MAX_RECORDED_BYTES)), bytes: bytes.length, text: describeFrame(f, defaultMasked) });
      return bytes;
    });
    return concat(parts);
  };
  const received = link.reader.received;
  const answered = (): boolean => received.some((r) => r.type === "pong" && bytesEqual(r.data, SENTINEL));
  const peerClose = (): boolean => received.some((r) => r.type === "close" || r.type === "violation");
  let closeSent = plan.script.some((f) => f.opcode === OP.close);

  const script = encode(plan.script, "script");
  const segments = cut(script, plan.cuts ?? []);
  for (const segment of segments) {
    await link.write(segment);
    if (segments.length > 1) await link.pause();
  }
  if (plan.sentinel.length > 0) await link.write(encode(plan.sentinel, "sentinel"));
  await link.waitFor(() => answered() || peerClose() || link.ending !== null, timeoutMs);
  const phase2 = plan.sentinel.length > 0 && answered() && !peerClose() && link.ending === null && plan.closing.length > 0;
  if (phase2 && plan.completion.length > 0) await link.write(encode(plan.completion, "closing"));
  if (phase2) {
    const echoes = (): number => received.filter((r) => r.type === "text" || r.type === "binary").length;
    await link.waitFor(() => echoes() >= (plan.echoesBeforeClose ?? 0) || peerClose() || link.ending !== null, timeoutMs);
  }
  if (phase2 && !peerClose() && link.ending === null) {
    await link.write(encode(plan.closing, "closing"));
    closeSent ||= plan.closing.some((f) => f.opcode === OP.close);
    await link.waitFor(() => peerClose() || link.ending !== null, timeoutMs);
  }

  const close = received.find((r) => r.type === "close");
  if (close !== undefined && !closeSent && link.ending === null) {
    // RFC 6455 §5.5.1: answer the endpoint's Close, echoing its code.
    const payload = close.code === null ? new Uint8Array(0) : Uint8Array.of(close.code >> 8, close.code & 0xff);
    await link.write(encode([{ fin: true, rsv: 0, opcode: OP.close, payload }], "reply"));
    closeSent = true;
  }
  if (link.ending === null) {
    if (plan.sentinel.length === 0 && close === undefined) {
      // An open-ended script: the reaction had its timeout already.
      link.destroy();
    } else if (peerRole === "client" && close !== undefined && closeSent) {
      // RFC 6455 §7.1.1: the server (the kit) closes TCP first once both Close frames crossed.
      link.end();
    } else {
      await link.waitFor(() => link.ending !== null, timeoutMs);
      if (link.ending === null) link.destroy();
    }
  }
  return { observation: { received: [...received], ending: link.ending ?? "timeout", elapsedMs: Date.now() - started }, written };
}

/** Cut `bytes` at fractions of its length. */
function cut(bytes: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
