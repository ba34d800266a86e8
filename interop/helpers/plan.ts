/**
 * The messages every interop exchange sends, and how two copies are compared byte for byte.
 * Plans are named so a peer can ask for one in the URL (`?plan=small`) and the server checks
 * what arrives against the same list.
 */
import { createHash } from "node:crypto";
import type { Message } from "@wsengine/node";
import { everyByte } from "../../packages/node/test/helpers/servers.js";

export { everyByte };

const KiB = 1024;
const MiB = 1024 * KiB;

/** Text with 1-, 2-, 3- and 4-byte UTF-8 sequences and a ZWJ sequence. */
export const MULTIBYTE = "héllo wörld ✓ 日本語テキスト 🎉 👩‍👩‍👧 ÿ \u{10FFFF}";

/** Compressible multibyte text of exactly `bytes` UTF-8 bytes (padded with ASCII). */
export function compressibleText(bytes: number): string {
  const unit = `${MULTIBYTE} — Größenordnung, ½ € `;
  const unitBytes = Buffer.byteLength(unit);
  const whole = Math.floor(bytes / unitBytes);
  const text = unit.repeat(whole);
  return text + "x".repeat(bytes - whole * unitBytes);
}

/** `length` incompressible bytes, the same for every `seed` (SHA-256 in counter mode). */
export function randomBytes(length: number, seed = "interop"): Uint8Array {
  const out = Buffer.alloc(Math.ceil(length / 32) * 32);
  for (let i = 0, o = 0; o < length; i++, o += 32) createHash("sha256").update(`${seed}:${i}`).digest().copy(out, o);
  return new Uint8Array(out.buffer, out.byteOffset, length);
}

/**
 * Small messages (about 150 KiB in all), for the many connections of the deflate matrix: empty
 * text and binary, multibyte text, every byte value, the 7-, 16- and 64-bit length encodings, and the same
 * compressible text twice in a row, so the second can be sent as back-references into the first
 * when the context is kept.
 */
const SMALL: readonly Message[] = [
  "",
  MULTIBYTE,
  new Uint8Array(0),
  everyByte(256),
  compressibleText(24 * KiB),
  compressibleText(24 * KiB),
  randomBytes(16 * KiB, "small"),
  everyByte(125),
  everyByte(126),
  everyByte(65_536),
  "ü",
];

/** SMALL, then sizes up to several MiB: compressible text, incompressible bytes, every byte value. */
const FULL: readonly Message[] = [
  ...SMALL,
  everyByte(65_535),
  compressibleText(2 * MiB),
  randomBytes(3 * MiB, "full"),
  everyByte(4 * MiB),
  compressibleText(2 * MiB),
  "done ✓",
];

export const PLANS = { small: SMALL, full: FULL } as const satisfies Record<string, readonly Message[]>;
export type PlanName = keyof typeof PLANS;

/** The largest message of any plan, for `maxMessageSize` and the peers' own limits. */
export const MAX_MESSAGE = 8 * MiB;

/** Total UTF-8 or binary bytes of a plan. */
export function planBytes(plan: readonly Message[]): number {
  return plan.reduce((n, m) => n + (typeof m === "string" ? Buffer.byteLength(m) : m.length), 0);
}

/** Bytes of a message as sent on the wire: UTF-8 for text. */
export function bytesOf(message: Message): Buffer {
  return typeof message === "string" ? Buffer.from(message, "utf8") : Buffer.from(message.buffer, message.byteOffset, message.length);
}

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** `null` when `got` is `expected` exactly (same kind, same bytes); otherwise what differs. */
export function mismatch(expected: Message, got: unknown): string | null {
  const kind = (m: unknown): string => (typeof m === "string" ? "text" : m instanceof Uint8Array ? "binary" : typeof m);
  if (kind(expected) !== kind(got)) return `expected ${kind(expected)}, got ${kind(got)}`;
  const a = bytesOf(expected);
  const b = bytesOf(got as Message);
  if (a.equals(b)) return null;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  return `${kind(expected)} of ${a.length} bytes: got ${b.length} bytes, first difference at byte ${at}`;
}

/** Check a whole received sequence against a plan; returns the problems found. */
export function checkSequence(plan: readonly Message[], got: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (got.length !== plan.length) problems.push(`expected ${plan.length} messages, got ${got.length}`);
  for (let i = 0; i < Math.min(plan.length, got.length); i++) {
    const problem = mismatch(plan[i]!, got[i]);
    if (problem !== null) problems.push(`message ${i}: ${problem}`);
  }
  return problems;
}

/** A plan as JSON lines for peers in other languages: `{"t":"text","d":...}` / `{"t":"bin","d":base64}`. */
export function planAsJsonLines(plan: readonly Message[]): string {
  return plan
    .map((m) => JSON.stringify(typeof m === "string" ? { t: "text", d: m } : { t: "bin", d: bytesOf(m).toString("base64") }))
    .join("\n") + "\n";
}

/** Close codes and reasons the exchanges use; multibyte reasons check the UTF-8 path of Close too. */
export const CLIENT_CLOSE = { code: 4001, reason: "client bye ✓ 日本" } as const;
export const SERVER_CLOSE = { code: 4002, reason: "server bye ✓ 🎉" } as const;
