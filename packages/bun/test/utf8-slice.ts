/**
 * For test/utf8-slice.test.ts: the decoder @wsengine/bun lends core (`decodeUtf8Slice`, Buffer's
 * `utf8Slice`) on the installed `bun`, against TextDecoder, on ranges of a plain Uint8Array as
 * Bun's sockets hand them out: every range that starts and ends on a code point boundary of ~300
 * bytes of one- to four-byte characters led by a byte order mark (which must stay U+FEFF), inside
 * bytes that are not UTF-8, so a decoder reading past its range shows. Prints one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/utf8-slice.ts
 */
import type { CommonOptions } from "@wsengine/core";
import { withBunDefaults } from "../src/defaults.js";

export interface Report {
  readonly ranges: number;
  /** The first few ranges whose string differed from TextDecoder's. */
  readonly mismatches: readonly string[];
}

const decode = withBunDefaults<CommonOptions>({}).decodeUtf8Slice!;
const reference = new TextDecoder("utf-8", { ignoreBOM: true });
const encoded = new TextEncoder().encode(`\ufeff${"aé✓🙂 {\"k\":1}".repeat(12)}`);
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
const report: Report = { ranges, mismatches };
console.log(JSON.stringify(report));
