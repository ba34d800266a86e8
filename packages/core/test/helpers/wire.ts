/** Byte-level helpers for tests: hex fixtures, concatenation, raw frames from a raw peer. */
import { encodeFrame } from "../../src/index.js";

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** A frame as a raw peer would send it: masked when it plays the client. */
export function rawFrame(
  opcode: number,
  payload: Uint8Array | string,
  opts: { fin?: boolean; rsv?: number; masked: boolean },
): Uint8Array {
  const data = typeof payload === "string" ? utf8(payload) : payload;
  return encodeFrame({ fin: opts.fin ?? true, rsv: opts.rsv ?? 0, opcode, payload: data }, opts.masked ? KEY : null);
}

/** Split `bytes` at the given cut points (sorted, deduplicated, within range). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

/** FNV-1a over bytes: compares large payloads quickly (deep equality on big arrays is slow). */
export function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

/** Events with byte payloads replaced by their digest, for fast comparison. */
export function digestEvents(events: readonly object[]): unknown[] {
  return events.map((e) => {
    const copy: Record<string, unknown> = { ...e };
    if (copy["data"] instanceof Uint8Array) copy["data"] = digest(copy["data"]);
    return copy;
  });
}
