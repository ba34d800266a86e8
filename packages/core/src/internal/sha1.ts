/**
 * Synchronous SHA-1 (FIPS 180-4 §6.1), used only for `Sec-WebSocket-Accept` (RFC 6455 §4.2.2).
 *
 * Web Crypto's `digest()` is asynchronous, and core must stay synchronous and runtime-neutral,
 * so the handshake carries its own small implementation. SHA-1 is broken for collision
 * resistance, which does not matter here: RFC 6455 §10.8 uses it only to prove that the server
 * read the client's key, not for security.
 */

/** Length of a SHA-1 digest, in bytes. */
export const SHA1_DIGEST_LENGTH = 20;

/**
 * The SHA-1 digest of `data`.
 *
 * @example
 * sha1(new TextEncoder().encode("abc")); // a9 99 3e 36 ...
 */
export function sha1(data: Uint8Array): Uint8Array {
  // Scratch arrays of at most 64 bytes: V8 keeps those on its heap, where they cost a few dozen
  // nanoseconds; larger ones (an 80-word schedule, a 128-byte tail) are allocated off-heap at
  // ~0.5 µs each, and every handshake hashes once.
  const state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
  const w = new Int32Array(16);
  const length = data.length;
  // Hash every complete 64-byte block straight from the input, without copying it.
  const whole = length - (length % 64);
  for (let offset = 0; offset < whole; offset += 64) compress(state, w, data, offset);

  // The tail: the remaining bytes, 0x80, zeros, then the bit length as a 64-bit big-endian
  // integer. That takes one block when at most 55 bytes remain, two otherwise.
  const tailLength = length - whole;
  const block = new Uint8Array(64);
  // A loop, not set(subarray()): a view would move a small on-heap input off the heap.
  for (let i = 0; i < tailLength; i++) block[i] = data[whole + i] as number;
  block[tailLength] = 0x80;
  if (tailLength >= 56) {
    compress(state, w, block, 0);
    block.fill(0);
  }
  // Bit length = length * 8, split into two 32-bit halves (length may exceed 2^29).
  const high = Math.floor(length / 0x20000000);
  const low = (length * 8) >>> 0;
  block[56] = high >>> 24;
  block[57] = high >>> 16;
  block[58] = high >>> 8;
  block[59] = high;
  block[60] = low >>> 24;
  block[61] = low >>> 16;
  block[62] = low >>> 8;
  block[63] = low;
  compress(state, w, block, 0);

  const digest = new Uint8Array(SHA1_DIGEST_LENGTH);
  for (let i = 0; i < 5; i++) {
    const word = state[i] as number;
    digest[i * 4] = word >>> 24;
    digest[i * 4 + 1] = word >>> 16;
    digest[i * 4 + 2] = word >>> 8;
    digest[i * 4 + 3] = word;
  }
  return digest;
}

/**
 * Process one 64-byte block of `block` at `offset` into `state`. `w` holds the last 16 words of
 * the message schedule (FIPS 180-4 §6.1.3's alternative method): W[t] only depends on W[t-3],
 * W[t-8], W[t-14] and W[t-16].
 */
function compress(state: Int32Array, w: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] =
      ((block[j] as number) << 24) |
      ((block[j + 1] as number) << 16) |
      ((block[j + 2] as number) << 8) |
      (block[j + 3] as number);
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  for (let i = 0; i < 80; i++) {
    let word: number;
    if (i < 16) {
      word = w[i] as number;
    } else {
      const x = (w[(i - 3) & 15] as number) ^ (w[(i - 8) & 15] as number) ^ (w[(i - 14) & 15] as number) ^ (w[i & 15] as number);
      word = (x << 1) | (x >>> 31);
      w[i & 15] = word;
    }
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + word) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
}
