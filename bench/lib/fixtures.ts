/**
 * Deterministic inputs shared by every implementation: message payloads and whole wire streams
 * (frames, masked or not, compressed or not), cut into socket-sized chunks.
 */
import { ClientConnection, encodeFrame, Opcode, permessageDeflate, ServerConnection } from "@wsengine/core";
import type { CommonOptions, Connection, ConnectionEvent, PerMessageDeflateOptions } from "@wsengine/core";

/** Message sizes the in-process suites measure. */
export const SIZES: readonly number[] = [16, 125, 1024, 64 * 1024, 1024 * 1024];
/** Sizes of the reads a Node socket delivers (its default highWaterMark). */
export const CHUNK_SIZE = 64 * 1024;

/** Mulberry32: a small seeded generator, so every run feeds the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["alpha", "beta", "gamma", "delta", "user", "room", "message", "status", "ok", "value", "naïve", "café", "Grüße", "время", "東京", "🙂"];

/**
 * `size` bytes of JSON-like UTF-8 text (mostly ASCII, a few multibyte characters, compressible
 * like real chat or API traffic), cut on a code point boundary and padded with spaces.
 */
export function textPayload(size: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const enc = new TextEncoder();
  const parts: string[] = [];
  let length = 0;
  let id = Math.floor(rnd() * 1e6);
  while (length < size) {
    const w = WORDS[Math.floor(rnd() * WORDS.length)]!;
    const part = `{"id":${id++},"type":"${w}","n":${Math.floor(rnd() * 1000)},"text":"${w} ${WORDS[Math.floor(rnd() * 10)]}"},`;
    parts.push(part);
    length += enc.encode(part).length;
  }
  const bytes = enc.encode(parts.join(""));
  let n = size;
  while (n > 0 && (bytes[n]! & 0xc0) === 0x80) n--;
  const out = new Uint8Array(size).fill(0x20);
  out.set(bytes.subarray(0, n));
  return out;
}

/** The seed of the e2e load generator's payload (one payload, sent over and over). */
export const LOADGEN_SEED = 42;

/** One case of the in-process suites. */
export interface Case {
  readonly size: number;
  readonly kind: "text" | "binary";
  /** Masked frames are what a server receives (and a client sends). */
  readonly masked: boolean;
  /** permessage-deflate with context takeover (the default of both libraries). */
  readonly deflate: boolean;
}

export function caseKey(c: Case): string {
  return `${c.size}/${c.kind}/${c.masked ? "masked" : "unmasked"}/${c.deflate ? "deflate" : "plain"}`;
}

export function allCases(sizes: readonly number[] = SIZES): Case[] {
  const out: Case[] = [];
  for (const deflate of [false, true]) {
    for (const masked of [true, false]) {
      for (const kind of ["text", "binary"] as const) for (const size of sizes) out.push({ size, kind, masked, deflate });
    }
  }
  return out;
}

/** Different payloads a stream cycles through, so no loop sees one message over and over. */
const VARIANTS = 8;

/**
 * Number of messages in a stream: at least 1 MiB of payload and 4 messages; compressed streams
 * stop at 2048 messages (building them costs a compressor flush each).
 */
export function messagesPerStream(size: number, deflate = false): number {
  const n = Math.max(4, Math.ceil((1024 * 1024) / size));
  return deflate ? Math.min(n, 2048) : n;
}

const payloadCache = new Map<number, Uint8Array[]>();

/** Payloads for a case, `VARIANTS` of them (the same bytes are sent as text or binary). Shared: do not modify. */
export function payloads(size: number): Uint8Array[] {
  let ps = payloadCache.get(size);
  if (ps === undefined) {
    ps = Array.from({ length: VARIANTS }, (_, i) => textPayload(size, 1000 + i * 7919 + size));
    payloadCache.set(size, ps);
  }
  return ps;
}

/**
 * An open in-memory pair. `deflate` offers and accepts permessage-deflate with these options;
 * `mask` replaces core's masking loop (the `core+bufferutil` implementation).
 */
export function openPair(
  deflate: PerMessageDeflateOptions | null,
  maxMessageSize = 64 * 1024 * 1024,
  options?: Pick<CommonOptions, "mask" | "allocate" | "allocateOutgoing" | "validateUtf8" | "textAs">,
): { client: ClientConnection; server: ServerConnection } {
  const extensions = deflate === null ? [] : [permessageDeflate(deflate)];
  // The suites own their input chunks and refill them before each pass, as ws's in-place
  // unmasking needs too: core may adopt them (a socket adapter's reads are the same).
  const common = { extensions, maxMessageSize, adoptInput: true, ...options };
  const server = new ServerConnection(common);
  const client = new ClientConnection({ host: "bench.invalid", ...common });
  for (const b of client.takeOutgoing()) {
    for (const ev of server.receive(b)) if (ev.type === "upgrade-request") server.accept();
  }
  for (const b of server.takeOutgoing()) client.receive(b);
  server.takeEvents();
  if (client.state !== "open" || server.state !== "open") throw new Error(`pair did not open: ${client.state}/${server.state}`);
  if (deflate !== null && (client.extensions.length !== 1 || server.extensions.length !== 1)) throw new Error("permessage-deflate not negotiated");
  return { client, server };
}

/** `parts` joined into one new array. */
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

/**
 * The wire bytes of `count` messages of a case. Uncompressed frames come from `encodeFrame`
 * (random nonzero masking keys from a seeded generator); compressed ones from a core connection
 * with context takeover and threshold 0 (every message compressed), checked by decoding them
 * back through core (and ws decodes the same bytes in its own suite).
 */
export function buildStream(c: Case, count = messagesPerStream(c.size, c.deflate)): { bytes: Uint8Array; count: number } {
  const ps = payloads(c.size);
  const opcode = c.kind === "text" ? Opcode.Text : Opcode.Binary;
  if (!c.deflate) {
    const rnd = prng(c.size * 31 + (c.masked ? 1 : 0));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      let key: Uint8Array | null = null;
      if (c.masked) {
        key = new Uint8Array(4);
        for (let j = 0; j < 4; j++) key[j] = 1 + Math.floor(rnd() * 255);
      }
      frames.push(encodeFrame({ fin: true, rsv: 0, opcode, payload: ps[i % ps.length]! }, key));
    }
    return { bytes: concat(frames), count };
  }
  const { client, server } = openPair({ threshold: 0 });
  const sender: Connection = c.masked ? client : server;
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const p = ps[i % ps.length]!;
    if (c.kind === "text") sender.sendText(new TextDecoder().decode(p));
    else sender.sendBinary(p);
    for (const b of sender.takeOutgoing()) frames.push(b);
  }
  const bytes = concat(frames);
  // Check: the other side decodes every message.
  const receiver = c.masked ? server : client;
  const events: ConnectionEvent[] = [];
  for (const chunk of chunked(bytes)) for (const ev of receiver.receive(chunk)) events.push(ev);
  const messages = events.filter((e) => e.type === "text" || e.type === "binary").length;
  if (messages !== count) throw new Error(`compressed stream check failed: ${messages}/${count} (${JSON.stringify(events.at(-1))})`);
  return { bytes, count };
}

/**
 * `bytes` cut into reads of `size` bytes, each a Buffer over an ArrayBuffer of its own, as a
 * socket hands them out (`Buffer.from` would put reads under 4 KiB in shared pool slabs).
 */
export function chunked(bytes: Uint8Array, size = CHUNK_SIZE): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const read = Buffer.allocUnsafeSlow(Math.min(size, bytes.length - at));
    read.set(bytes.subarray(at, at + read.length));
    out.push(read);
  }
  return out;
}
