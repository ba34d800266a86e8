/** Byte helpers: hex for reports and fixtures, concatenation, UTF-8 and latin1 text. */

/** Bytes as lowercase hex, two digits each, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Bytes from hex; whitespace is ignored.
 * @throws {TypeError} on an odd number of digits or a non-hex character.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new TypeError("invalid hex string");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** One array holding `parts` in order. */
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

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** One byte per character; characters above U+00FF are refused. */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new TypeError("not a latin1 string");
    out[i] = c;
  }
  return out;
}

/** Bytes as a latin1 string (one character per byte). */
export function fromLatin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 4096)));
  }
  return out;
}

/**
 * A short printable preview: text when the bytes are printable UTF-8, else hex; long values
 * are cut with their length noted.
 */
export function preview(bytes: Uint8Array, max = 48): string {
  const cut = bytes.length > max;
  const shown = cut ? bytes.subarray(0, max) : bytes;
  let text: string | null = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(shown);
  } catch {
    text = null;
  }
  const printable = text !== null && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text);
  const body = printable ? JSON.stringify(text) : `0x${toHex(shown)}`;
  return cut ? `${body}... (${bytes.length} bytes)` : body;
}

/** Deterministic pseudo-random bytes (xorshift32): large payloads without generating every byte. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
