/** `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §4.1 step 7, §4.2.2 step 5.4). */
import { LocalProtocolError } from "../errors.js";
import { decodedLength, encodeBase64 } from "../internal/base64.js";
import type { RandomSource } from "../internal/random.js";
import { SHA1_DIGEST_LENGTH, sha1 } from "../internal/sha1.js";

/** The GUID RFC 6455 §1.3 appends to the key before hashing; no other protocol uses it. */
export const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Bytes of randomness in a key: "a randomly selected 16-byte value" (RFC 6455 §4.1). */
export const KEY_BYTES = 16;

/** Length of a valid key: {@link KEY_BYTES} in base64. */
const KEY_LENGTH = 24;

/**
 * The `Sec-WebSocket-Accept` value for `key`: base64(SHA-1(key + `ACCEPT_GUID`)), the GUID being
 * `258EAFA5-E914-47DA-95CA-C5AB0DC85B11` (RFC 6455 §1.3).
 * The key is hashed as sent, not base64-decoded (RFC 6455 §4.2.2: "It is not necessary for the
 * server to base64-decode the |Sec-WebSocket-Key| value").
 *
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` if `key` holds a character above U+00FF,
 *   which no header value decoded from bytes can hold.
 * @example
 * computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 */
export function computeAcceptKey(key: string): string {
  // key + ACCEPT_GUID, without the concatenated string (reading a cons string flattens it). A
  // valid key (24 characters) goes into the shared array that already ends with the GUID.
  const bytes = key.length === KEY_LENGTH ? KEYED : new Uint8Array(key.length + ACCEPT_GUID.length);
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    // Header values are latin1 (one byte per character), so hash exactly the bytes on the wire.
    if (code > 0xff) throw new LocalProtocolError("INVALID_ARGUMENT", "key is not a byte string");
    bytes[i] = code;
  }
  if (bytes !== KEYED) writeGuid(bytes, key.length);
  return encodeBase64(sha1(bytes, DIGEST));
}

function writeGuid(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < ACCEPT_GUID.length; i++) bytes[at + i] = ACCEPT_GUID.charCodeAt(i);
}

// Shared by every call (computeAcceptKey runs to the end without calling out): a server hashes a
// key per handshake, and each typed array made per call is ~150 bytes of garbage.
const KEYED = new Uint8Array(KEY_LENGTH + ACCEPT_GUID.length);
writeGuid(KEYED, KEY_LENGTH);
const DIGEST = new Uint8Array(SHA1_DIGEST_LENGTH);

/**
 * A fresh `Sec-WebSocket-Key`: 16 bytes from `random`, base64-encoded. RFC 6455 §4.1: "The nonce
 * MUST be selected randomly for each connection", so `random` must be a CSPRNG in production.
 */
export function generateKey(random: RandomSource): string {
  const nonce = new Uint8Array(KEY_BYTES);
  random(nonce);
  return encodeBase64(nonce);
}

/**
 * Whether `key` is a valid `Sec-WebSocket-Key`: strict base64 that decodes to exactly 16 bytes
 * (RFC 6455 §4.2.1 item 5). Surrounding whitespace is not accepted; the HTTP parser already
 * strips it from header values.
 */
export function isValidKey(key: string): boolean {
  // 16 bytes always encode to 24 characters; checking first keeps huge values cheap.
  return key.length === KEY_LENGTH && decodedLength(key) === KEY_BYTES;
}
