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

// Two scratch arrays shared by every call (sha1() runs to the end without calling out): the
// 16-word schedule window, which also takes the padded tail, and the state. Every typed array
// costs ~150 bytes of objects around its data, and every handshake hashes once.
const SCHEDULE = new Int32Array(16);
const STATE = new Int32Array(5);

/**
 * The SHA-1 digest of `data`, written into `out` when given (its first 20 bytes), else into a new array.
 *
 * @example
 * sha1(new TextEncoder().encode("abc")); // a9 99 3e 36 ...
 */
export function sha1(data: Uint8Array, out?: Uint8Array): Uint8Array {
  const s = SCHEDULE;
  const h = STATE;
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0 | 0;
  const length = data.length;
  // Hash every complete 64-byte block straight from the input, without copying it.
  const whole = length - (length % 64);
  for (let offset = 0; offset < whole; offset += 64) {
    loadWords(data, offset, 16, s);
    compress(h, s);
  }

  // The tail: the remaining bytes, 0x80, zeros, then the bit length as a 64-bit big-endian
  // integer, packed into the schedule's words. That takes one block when at most 55 bytes
  // remain, two otherwise. (A key and the GUID are 60 bytes: all tail.)
  const tailLength = length - whole;
  s.fill(0);
  const tailWords = tailLength >> 2;
  loadWords(data, whole, tailWords, s);
  for (let i = tailWords * 4; i < tailLength; i++) s[i >> 2] = (s[i >> 2] as number) | ((data[whole + i] as number) << (24 - 8 * (i & 3)));
  s[tailLength >> 2] = (s[tailLength >> 2] as number) | (0x80 << (24 - 8 * (tailLength & 3)));
  if (tailLength >= 56) {
    compress(h, s);
    s.fill(0);
  }
  // Bit length = length * 8, split into two 32-bit halves (length may exceed 2^29).
  s[14] = Math.floor(length / 0x20000000);
  s[15] = length * 8;
  compress(h, s);

  const digest = out ?? new Uint8Array(SHA1_DIGEST_LENGTH);
  for (let i = 0; i < 5; i++) {
    const word = h[i] as number;
    digest[i * 4] = word >>> 24;
    digest[i * 4 + 1] = word >>> 16;
    digest[i * 4 + 2] = word >>> 8;
    digest[i * 4 + 3] = word;
  }
  return digest;
}

/** Read `count` big-endian words of `data` from `offset` into `s[0..count)`. */
function loadWords(data: Uint8Array, offset: number, count: number, s: Int32Array): void {
  for (let i = 0; i < count; i++) {
    const j = offset + i * 4;
    s[i] = ((data[j] as number) << 24) | ((data[j + 1] as number) << 16) | ((data[j + 2] as number) << 8) | (data[j + 3] as number);
  }
}

/**
 * Process the block held in `s` into the state `h`. The block's words are overwritten: `s`
 * holds the last 16 words of the message schedule (FIPS 180-4 §6.1.3's alternative method),
 * since W[t] only depends on W[t-3], W[t-8], W[t-14] and W[t-16].
 */
function compress(h: Int32Array, s: Int32Array): void {
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  let e = h[4] as number;
  for (let i = 0; i < 80; i++) {
    let word: number;
    if (i < 16) {
      word = s[i] as number;
    } else {
      const x = (s[(i - 3) & 15] as number) ^ (s[(i - 8) & 15] as number) ^ (s[(i - 14) & 15] as number) ^ (s[i & 15] as number);
      word = (x << 1) | (x >>> 31);
      s[i & 15] = word;
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
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
  h[4] = ((h[4] as number) + e) | 0;
}
