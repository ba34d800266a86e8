/**
 * Strings from character codes, for the handshake's header values and base64.
 * `String.fromCharCode` applied to a plain array of exactly the string's length is the fast path
 * in V8 and JavaScriptCore. Applied to a typed array (a `subarray()` of the input, itself an
 * object to make), it took about twice as long for values of 1, 15 and 24 characters (Node 20,
 * Bun 1.4.5), and a call per few characters builds a rope of short strings. Short strings
 * therefore take an array of their length that is made once and refilled each time: callers fill
 * it and read the string back before anything else can run, so one array per length serves
 * everyone.
 */

/** Longest string built from a reused array. */
export const SHORT_STRING = 64;

const scratch: number[][] = Array.from({ length: SHORT_STRING + 1 }, (_, n) => new Array<number>(n).fill(0));

/** The reused array of `length` (at most {@link SHORT_STRING}) codes: fill every slot, then pass it to {@link fromCodes}. */
export function codesOfLength(length: number): number[] {
  return scratch[length] as number[];
}

/** The string of `codes` (at most {@link SHORT_STRING} of them, so the call's arguments stay few). */
export function fromCodes(codes: readonly number[]): string {
  return String.fromCharCode.apply(null, codes as number[]);
}

/** Longer strings are built from typed-array slices of this many bytes (the call's arguments stay within the stack). */
const LONG_SLICE = 4096;

/** `bytes[start, end)` as a latin1 string (each byte one character). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= SHORT_STRING) {
    const codes = codesOfLength(n);
    for (let i = 0; i < n; i++) codes[i] = bytes[start + i] as number;
    return fromCodes(codes);
  }
  let out = "";
  for (let i = start; i < end; i += LONG_SLICE) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + LONG_SLICE)) as unknown as number[]);
  }
  return out;
}
