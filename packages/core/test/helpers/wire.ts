/** Frames as a raw peer sends them, and digests of large payloads (byte helpers: bytes.ts). */
import { encodeFrame } from "../../src/index.js";
import { utf8 } from "./bytes.js";

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
