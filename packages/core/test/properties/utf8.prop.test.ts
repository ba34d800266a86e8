/**
 * STYLE §9 property 3, the UTF-8 oracle: the incremental validator agrees with
 * `new TextDecoder("utf-8", { fatal: true })` whatever the split, and reports the first impossible
 * byte, checked both against a plain reference validator and against TextDecoder itself.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Utf8StreamDecoder, Utf8Validator, asciiEnd, decodeUtf8, encodeUtf8Into, isValidUtf8, utf8Length } from "../../src/internal/utf8.js";
import { WordView } from "../../src/internal/word-view.js";

interface Verdict {
  /** Index of the first byte no valid stream could contain, or -1. */
  readonly error: number;
  /** Whether the bytes end on a code point boundary (meaningful when error is -1). */
  readonly complete: boolean;
}

/** RFC 3629 §4's table of well-formed sequences, applied one byte at a time, as plainly as possible. */
function reference(bytes: Uint8Array): Verdict {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b <= 0x7f) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) { need = 2; lo = 0xa0; }
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) { need = 2; hi = 0x9f; }
    else if (b === 0xf0) { need = 3; lo = 0x90; }
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) { need = 3; hi = 0x8f; }
    else return { error: i, complete: false };
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return { error: -1, complete: false };
      const c = bytes[i + k]!;
      if (c < lo || c > hi) return { error: i + k, complete: false };
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return { error: -1, complete: true };
}

function fatalAccepts(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether a fatal streaming TextDecoder (WHATWG's byte-at-a-time decoder) accepts `bytes` as a prefix. */
function fatalAcceptsPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Runs a fresh validator over `bytes` cut at `cuts`; returns the global error index or -1, and completeness. */
function validateInChunks(bytes: Uint8Array, cuts: readonly number[], check: ((b: Uint8Array) => boolean) | null = null): Verdict {
  const v = new Utf8Validator(check);
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const end = Math.max(start, Math.min(cut, bytes.length));
    // Alternate between subarrays and start/end arguments: both must report the same thing.
    const r = cuts.length % 2 === 0 ? v.push(bytes.subarray(start, end)) : v.push(bytes, start, end) - start;
    if (r !== -1 && r !== -1 - start) return { error: start + r, complete: false };
    start = end;
  }
  return { error: -1, complete: v.isComplete() };
}

/** `bytes` copied to byte offset `offset` of a fresh buffer, so word-aligned reads see every alignment. */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(offset + bytes.length).subarray(offset);
  out.set(bytes);
  return out;
}

// --- generators, biased towards the interesting places ---

/** Sequences at and around every boundary of RFC 3629's table, valid and invalid. */
const EDGE_SEQUENCES: readonly (readonly number[])[] = [
  [0x00], [0x41], [0x7f], [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2, 0x80], [0xdf, 0xbf],
  [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80], [0xe1, 0x80, 0x80], [0xec, 0xbf, 0xbf],
  [0xed, 0x80, 0x80], [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xee, 0x80, 0x80],
  [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbf], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80], [0xf3, 0xbf, 0xbf, 0xbf], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80], [0xf8], [0xfe], [0xff],
  // Truncated sequences: valid leads followed by whatever comes next.
  [0xc2], [0xe0, 0xa0], [0xe1], [0xed], [0xf0, 0x90], [0xf1, 0x80, 0x80], [0xf4],
];

const edgeBytes = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...EDGE_SEQUENCES) },
      { weight: 1, arbitrary: fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 40 }) },
    ),
    { maxLength: 30 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

/** Valid UTF-8 of `minLength` to `maxLength` code points with a few mutations: bytes replaced, inserted or deleted. */
const mutated = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc
  .tuple(
    fc.string({ unit: "binary", minLength, maxLength }),
    fc.array(
      fc.tuple(fc.constantFrom("set", "insert", "delete"), fc.nat(), fc.integer({ min: 0, max: 255 })),
      { maxLength: 3 },
    ),
  )
  .map(([text, mutations]) => {
    const bytes = Array.from(new TextEncoder().encode(text));
    for (const [kind, position, value] of mutations) {
      const p = bytes.length === 0 ? 0 : position % (bytes.length + (kind === "insert" ? 1 : 0));
      if (kind === "set" && bytes.length > 0) bytes[p] = value;
      else if (kind === "insert") bytes.splice(p, 0, value);
      else if (kind === "delete") bytes.splice(p, 1);
    }
    return Uint8Array.from(bytes);
  });
const mutatedText = mutated(0, 80);

/** Long ASCII runs around one interesting sequence, to exercise the word-at-a-time path. */
const longAscii = fc
  .tuple(
    fc.integer({ min: 0, max: 700 }),
    fc.constantFrom(...EDGE_SEQUENCES),
    fc.integer({ min: 0, max: 700 }),
    fc.integer({ min: 0x00, max: 0x7f }),
  )
  .map(([before, middle, after, fill]) => {
    const out = new Uint8Array(before + middle.length + after).fill(fill);
    out.set(middle, before);
    return out;
  });

const anyBytes = fc.oneof(
  { weight: 3, arbitrary: mutatedText },
  { weight: 3, arbitrary: edgeBytes },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => b.map((x) => x | 0x80)) },
  { weight: 2, arbitrary: longAscii },
  // Long enough for a validator's whole-input check (runs of 256 bytes and more).
  { weight: 2, arbitrary: mutated(100, 400) },
);

const cutsFor = (bytes: Uint8Array): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }).map((cuts) => cuts.sort((a, b) => a - b));

const input = anyBytes.chain((bytes) =>
  fc.tuple(fc.constant(bytes), cutsFor(bytes), fc.integer({ min: 0, max: 7 })),
);

describe("UTF-8 oracle (STYLE §9.3)", () => {
  test.prop([input], { numRuns: 3000 })(
    "agrees with TextDecoder fatal and the reference validator under any split",
    ([raw, cuts, offset]) => {
      const bytes = atOffset(raw, offset);
      const expected = reference(bytes);
      const valid = expected.error === -1 && expected.complete;
      expect(fatalAccepts(bytes)).toBe(valid);
      expect(isValidUtf8(bytes)).toBe(valid);
      expect(validateInChunks(bytes, [])).toEqual(expected);
      expect(validateInChunks(bytes, cuts)).toEqual(expected);
      // With a whole-input check lent (TextDecoder fatal here, simdutf on Node): the same verdicts.
      expect(validateInChunks(bytes, [], fatalAccepts)).toEqual(expected);
      expect(validateInChunks(bytes, cuts, fatalAccepts)).toEqual(expected);
    },
  );

  test.prop([anyBytes.filter((b) => b.length <= 200)], { numRuns: 1000 })(
    "agrees when pushed one byte at a time",
    (bytes) => {
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i + 1);
      expect(validateInChunks(bytes, everyByte)).toEqual(reference(bytes));
    },
  );

  test.prop([anyBytes], { numRuns: 2000 })(
    "reports the byte at which a fatal streaming TextDecoder first fails",
    (bytes) => {
      const error = new Utf8Validator().push(bytes);
      if (error === -1) {
        expect(fatalAcceptsPrefix(bytes)).toBe(true);
      } else {
        expect(fatalAcceptsPrefix(bytes.subarray(0, error))).toBe(true);
        expect(fatalAcceptsPrefix(bytes.subarray(0, error + 1))).toBe(false);
      }
    },
  );

  test.prop([fc.string({ unit: "binary", maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 })], { numRuns: 1000 })(
    "decodes valid text back to the same string, whole or streamed in any pieces",
    (text, rawCuts) => {
      const bytes = new TextEncoder().encode(text);
      expect(isValidUtf8(bytes)).toBe(true);
      expect(decodeUtf8(bytes)).toBe(text);
      const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
      const d = new Utf8StreamDecoder();
      let out = "";
      let start = 0;
      for (const cut of cuts) {
        out += d.decode(bytes.subarray(start, cut), false);
        start = cut;
      }
      out += d.decode(bytes.subarray(start), true);
      expect(out).toBe(text);
    },
  );
});

describe("ranges of one array: isValidUtf8(bytes, start, end) and asciiEnd", () => {
  /** Bytes at some alignment with a range inside them. */
  const ranged = fc.tuple(anyBytes, fc.integer({ min: 0, max: 7 }), fc.nat(), fc.nat()).map(([raw, offset, a, b]) => {
    const bytes = atOffset(raw, offset);
    const [start, end] = [a % (bytes.length + 1), b % (bytes.length + 1)].sort((x, y) => x - y) as [number, number];
    return { bytes, start, end };
  });

  test.prop([ranged], { numRuns: 2000 })("isValidUtf8 of a range judges exactly the range's bytes", ({ bytes, start, end }) => {
    const expected = reference(bytes.subarray(start, end));
    expect(isValidUtf8(bytes, start, end)).toBe(expected.error === -1 && expected.complete);
  });

  // Several ranges over a few arrays through one view, released now and then, as a message reader
  // does over its input chunks: the view kept from an earlier call must never leak into a later one.
  test.prop([fc.array(fc.tuple(ranged, fc.boolean()), { minLength: 1, maxLength: 12 })], { numRuns: 1000 })(
    "asciiEnd finds the first byte of 80..FF (or the end), whatever view it keeps",
    (calls) => {
      const view = new WordView();
      // Repeat arrays, so that the kept view is reused and not only replaced.
      const all = calls.flatMap((call) => [call, call]);
      for (const [{ bytes, start, end }, release] of all) {
        let first = start;
        while (first < end && bytes[first]! < 0x80) first++;
        expect(asciiEnd(view, bytes, start, end)).toBe(first);
        if (release) view.release();
      }
    },
  );

  test.prop([fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 3 }))])("isValidUtf8 refuses a range outside the array", ([from, past]) => {
    const bytes = new Uint8Array(4);
    fc.pre(from < 0 || past > 0);
    expect(() => isValidUtf8(bytes, from, bytes.length + past)).toThrow(RangeError);
  });
});

describe("encodeUtf8Into", () => {
  // Any UTF-16 code units, lone surrogates included, on both sides of the JavaScript loop's limit.
  const anyText = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd7f0, max: 0xe010 })), { maxLength: 400 })
    .map((units) => String.fromCharCode(...units));
  test.prop([anyText, fc.integer({ min: 0, max: 8 })])("writes exactly TextEncoder's bytes at the offset and leaves the bytes before it", (text, start) => {
    const expected = new TextEncoder().encode(text);
    const out = new Uint8Array(start + 3 * text.length + 4).fill(0xee);
    const n = encodeUtf8Into(text, out, start);
    expect(n).toBe(expected.length);
    expect(utf8Length(text)).toBe(expected.length);
    expect(Array.from(out.subarray(start, start + n))).toEqual(Array.from(expected));
    expect(out.subarray(0, start).every((b) => b === 0xee)).toBe(true);
  });

  test.prop([anyText, fc.integer({ min: 0, max: 8 }), fc.integer({ min: -6, max: 6 })])("fits the encoding before `end` or says it cannot, never writing outside the range", (text, start, slack) => {
    const expected = new TextEncoder().encode(text);
    const end = start + Math.max(0, expected.length + slack);
    const out = new Uint8Array(start + 3 * text.length + 16).fill(0xee);
    const n = encodeUtf8Into(text, out, start, end);
    if (expected.length <= end - start) {
      expect(n).toBe(expected.length);
      expect(Array.from(out.subarray(start, start + n))).toEqual(Array.from(expected));
    } else {
      expect(n).toBe(-1);
    }
    expect(out.subarray(0, start).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(end).every((b) => b === 0xee)).toBe(true);
  });
});

