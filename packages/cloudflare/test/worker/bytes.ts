/** Payload helpers shared by the test Worker (no runtime APIs). */

/** Every byte value, repeated to `length` (the same pattern as the Node adapter's tests). */
export function everyByte(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

/** Index of the first difference, or -1 when equal (length differences count). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
