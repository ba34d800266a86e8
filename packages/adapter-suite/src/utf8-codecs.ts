/**
 * Checks of the UTF-8 codecs an adapter lends core: `decodeUtf8Slice` (Buffer's `utf8Slice` on
 * Node and Bun) and `writeUtf8` (Buffer's `utf8Write` on Bun), runtime-neutral so that each
 * runtime runs them on its own.
 */
import type { CommonOptions } from "@wsengine/core";

/** What {@link checkUtf8Slice} found. */
export interface Utf8SliceReport {
  /** How many ranges were decoded. */
  readonly ranges: number;
  /** The first few ranges whose string differed from TextDecoder's, with what the decoder gave. */
  readonly mismatches: readonly string[];
}

/**
 * Decodes every range that starts and ends on a code point boundary of ~300 bytes of one- to
 * four-byte characters led by a byte order mark (which must stay U+FEFF, as core's decoding keeps
 * it), and ranges holding ill-formed sequences, and compares each with TextDecoder's string (so
 * ill-formed input must show as U+FFFD). The text sits inside bytes that are not UTF-8, so a
 * decoder that reads past its range shows. Ranges of all-ASCII text are decoded a second time
 * with the `ascii` hint core gives such text (where a decoder may take a single-byte path).
 */
export function checkUtf8Slice(decode: NonNullable<CommonOptions["decodeUtf8Slice"]>): Utf8SliceReport {
  const reference = new TextDecoder("utf-8", { ignoreBOM: true });
  const encoded = new TextEncoder().encode(`\ufeff${'aé✓🙂 {"k":1}'.repeat(12)}`);
  const bytes = new Uint8Array(encoded.length + 16).fill(0xff);
  bytes.set(encoded, 8);
  const boundaries: number[] = [];
  for (let i = 0; i <= encoded.length; i++) if (i === encoded.length || (encoded[i]! & 0xc0) !== 0x80) boundaries.push(8 + i);
  let ranges = 0;
  const mismatches: string[] = [];
  /** Decodes one range and keeps the first few that differ from TextDecoder, shown as `label`. */
  const check = (input: Uint8Array, start: number, end: number, ascii: boolean, label: string): void => {
    ranges++;
    const got = decode(input, start, end, ascii);
    if (got !== reference.decode(input.subarray(start, end)) && mismatches.length < 5) mismatches.push(`${label}: ${JSON.stringify(got)}`);
  };
  for (const start of boundaries) {
    for (const end of boundaries) if (end >= start) check(bytes, start, end, false, `${start}..${end}`);
  }
  // Every printable ASCII character and the control bytes, told to be ASCII, fenced by bytes above 0x7f.
  const ascii = Uint8Array.from({ length: 128 + 16 }, (_, i) => (i < 8 || i >= 136 ? 0xff : i - 8));
  for (let start = 8; start <= 136; start += 3) {
    for (let end = start; end <= 136; end += 5) check(ascii, start, end, true, `ascii ${start}..${end}`);
  }
  // Ill-formed input, which core may hand a decoder that shows it as U+FFFD unchecked: each
  // sequence alone and between letters, as TextDecoder replaces it.
  for (const sequence of ILL_FORMED) {
    const ill = Uint8Array.of(0xff, 0x61, ...sequence, 0x7a, 0xff);
    for (const [start, end] of [[2, ill.length - 2], [1, ill.length - 1], [1, ill.length - 2]] as const) {
      check(ill, start, end, false, JSON.stringify([...ill.subarray(start, end)]));
    }
  }
  return { ranges, mismatches };
}

/**
 * Stray continuation bytes, overlong forms, surrogates, code points past U+10FFFF, bytes that never
 * occur, and sequences cut short, before a letter or at the end.
 */
const ILL_FORMED: readonly (readonly number[])[] = [
  [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
  [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xc3],
  [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xe2, 0x28, 0xa1], [0xc3, 0xa9, 0xa9], [0xf0, 0x9f, 0x98, 0x80, 0x80],
];

/** What {@link checkUtf8Write} found. */
export interface Utf8WriteReport {
  /** How many writes were made. */
  readonly writes: number;
  /** The first few writes that differed from what they should have done. */
  readonly mismatches: readonly string[];
}

/**
 * Writes texts of one- to four-byte characters and lone surrogates into windows of every size
 * from 0 to a few bytes past their encoding, inside bytes that must stay untouched, and checks
 * each against TextEncoder: the whole characters that fit, byte for byte, their count returned,
 * lone surrogates as U+FFFD, nothing written outside the window.
 */
export function checkUtf8Write(write: (text: string, bytes: Uint8Array, start: number, end: number) => number): Utf8WriteReport {
  const encoder = new TextEncoder();
  const texts = ['{"k":1}', "aé✓🙂", "\ud800x\udc00", "🙂\ud83d", 'aé✓🙂 {"k":1}'.repeat(4)];
  let writes = 0;
  const mismatches: string[] = [];
  for (const text of texts) {
    // The expected bytes for each window: whole characters (code points) while they fit.
    const pieces = Array.from(text, (c) => encoder.encode(c));
    const full = encoder.encode(text);
    for (let room = 0; room <= full.length + 4; room++) {
      let want = 0;
      for (const piece of pieces) {
        if (want + piece.length > room) break;
        want += piece.length;
      }
      const bytes = new Uint8Array(room + 16).fill(0xaa);
      writes++;
      const got = write(text, bytes, 8, 8 + room);
      const ok =
        got === want &&
        bytes.subarray(8, 8 + want).every((b, i) => b === full[i]) &&
        bytes.subarray(0, 8).every((b) => b === 0xaa) &&
        bytes.subarray(8 + want).every((b) => b === 0xaa);
      if (!ok && mismatches.length < 5) mismatches.push(`${JSON.stringify(text)} in ${room} bytes: wrote ${got}, expected ${want}`);
    }
  }
  return { writes, mismatches };
}
