/**
 * The check of a `decodeUtf8Slice` an adapter lends core (Buffer's `utf8Slice` on Node and Bun),
 * runtime-neutral so that each runtime runs it on its own decoder.
 */

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
 * it), and compares each with TextDecoder's string. The text sits inside bytes that are not UTF-8,
 * so a decoder that reads past its range shows.
 */
export function checkUtf8Slice(decode: (bytes: Uint8Array, start: number, end: number) => string): Utf8SliceReport {
  const reference = new TextDecoder("utf-8", { ignoreBOM: true });
  const encoded = new TextEncoder().encode(`\ufeff${'aé✓🙂 {"k":1}'.repeat(12)}`);
  const bytes = new Uint8Array(encoded.length + 16).fill(0xff);
  bytes.set(encoded, 8);
  const boundaries: number[] = [];
  for (let i = 0; i <= encoded.length; i++) if (i === encoded.length || (encoded[i]! & 0xc0) !== 0x80) boundaries.push(8 + i);
  let ranges = 0;
  const mismatches: string[] = [];
  for (const start of boundaries) {
    for (const end of boundaries) {
      if (end < start) continue;
      ranges++;
      const got = decode(bytes, start, end);
      if (got !== reference.decode(bytes.subarray(start, end)) && mismatches.length < 5) mismatches.push(`${start}..${end}: ${JSON.stringify(got)}`);
    }
  }
  return { ranges, mismatches };
}
