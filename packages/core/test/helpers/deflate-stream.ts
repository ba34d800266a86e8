/**
 * Raw DEFLATE (RFC 1951) tools for the permessage-deflate tests, independent of fflate and zlib:
 * a walker that reports every back-reference distance (node:zlib cannot check a 256-byte window:
 * it bumps raw windowBits 8 to 9), and a builder for maximal-ratio bombs.
 */

/**
 * Where two byte arrays first differ, or -1 when they are equal. vitest's toEqual walks large
 * typed arrays element by element through its generic matcher, which takes seconds at 200 KiB.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** What {@link inspectDeflate} saw. */
export interface DeflateReport {
  /** Bytes the stream decodes to (the bytes themselves are not kept). */
  readonly outputLength: number;
  /** Largest back-reference distance used, 0 if none. */
  readonly maxDistance: number;
  /** A block with BFINAL set was read; the walk stopped after it. */
  readonly finalBlock: boolean;
}

/** Canonical Huffman decoding tables, puff.c style. */
interface Huffman {
  readonly count: Int16Array;
  readonly symbol: Int16Array;
}

function huffman(lengths: ArrayLike<number>): Huffman {
  const count = new Int16Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]!]!++;
  count[0] = 0;
  const offs = new Int16Array(16);
  for (let len = 1; len < 16; len++) offs[len] = offs[len - 1]! + count[len - 1]!;
  const symbol = new Int16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) if (lengths[i] !== 0) symbol[offs[lengths[i]!]!++] = i;
  return { count, symbol };
}

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const FIXED_LITERALS = huffman(Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)));
const FIXED_DISTANCES = huffman(new Array<number>(30).fill(5));

/**
 * Walk a raw DEFLATE stream to its end (or its final block) and report the largest distance.
 * Throws on anything malformed, including a reference before the start of the output and a
 * stream that stops inside a block.
 */
export function inspectDeflate(stream: Uint8Array): DeflateReport {
  let pos = 0; // bit position
  const total = stream.length * 8;
  const bit = (): number => {
    if (pos >= total) throw new Error("stream ends inside a block");
    const b = (stream[pos >> 3]! >> (pos & 7)) & 1;
    pos++;
    return b;
  };
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v |= bit() << i;
    return v;
  };
  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bit();
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw new Error("invalid Huffman code");
  };

  let out = 0;
  let maxDistance = 0;
  for (;;) {
    // A stream may end between blocks (after a sync flush, byte-aligned), never inside one.
    if (pos === total) return { outputLength: out, maxDistance, finalBlock: false };
    const final = bit();
    const type = bits(2);
    if (type === 0) {
      pos = (pos + 7) & ~7;
      if (pos + 32 > total) throw new Error("truncated stored block header");
      const at = pos >> 3;
      const len = stream[at]! | (stream[at + 1]! << 8);
      const nlen = stream[at + 2]! | (stream[at + 3]! << 8);
      if ((len ^ 0xffff) !== nlen) throw new Error("invalid stored block lengths");
      if (at + 4 + len > stream.length) throw new Error("truncated stored block");
      out += len;
      pos = (at + 4 + len) * 8;
    } else if (type === 1 || type === 2) {
      let literals = FIXED_LITERALS;
      let distances = FIXED_DISTANCES;
      if (type === 2) {
        const hlit = bits(5) + 257;
        const hdist = bits(5) + 1;
        const hclen = bits(4) + 4;
        const codeLengths = new Array<number>(19).fill(0);
        for (let i = 0; i < hclen; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = bits(3);
        const lengthCode = huffman(codeLengths);
        const lengths: number[] = [];
        while (lengths.length < hlit + hdist) {
          const sym = decode(lengthCode);
          if (sym < 16) lengths.push(sym);
          else if (sym === 16) {
            if (lengths.length === 0) throw new Error("repeat with no previous length");
            const prev = lengths[lengths.length - 1]!;
            for (let n = 3 + bits(2); n > 0; n--) lengths.push(prev);
          } else if (sym === 17) for (let n = 3 + bits(3); n > 0; n--) lengths.push(0);
          else for (let n = 11 + bits(7); n > 0; n--) lengths.push(0);
        }
        if (lengths.length > hlit + hdist) throw new Error("too many code lengths");
        literals = huffman(lengths.slice(0, hlit));
        distances = huffman(lengths.slice(hlit));
      }
      for (;;) {
        const sym = decode(literals);
        if (sym < 256) out++;
        else if (sym === 256) break;
        else {
          const li = sym - 257;
          if (li >= 29) throw new Error("invalid length symbol");
          const length = LENGTH_BASE[li]! + bits(LENGTH_EXTRA[li]!);
          const di = decode(distances);
          if (di >= 30) throw new Error("invalid distance symbol");
          const distance = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
          if (distance > out) throw new Error(`distance ${distance} reaches before the start (${out} bytes out)`);
          if (distance > maxDistance) maxDistance = distance;
          out += length;
        }
      }
    } else {
      throw new Error("invalid block type 3");
    }
    if (final) return { outputLength: out, maxDistance, finalBlock: true };
  }
}

/** LSB-first bit writer. */
class BitWriter {
  readonly #bytes: number[] = [];
  #bit = 0;
  write(value: number, n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.#bit === 0) this.#bytes.push(0);
      this.#bytes[this.#bytes.length - 1]! |= ((value >> i) & 1) << this.#bit;
      this.#bit = (this.#bit + 1) & 7;
    }
  }
  /** `n` zero bits, fast (a bomb has millions). */
  zeros(n: number): void {
    while (n > 0 && this.#bit !== 0) {
      this.write(0, 1);
      n--;
    }
    for (; n >= 8; n -= 8) this.#bytes.push(0);
    this.write(0, n);
  }
  /** Huffman codes go most significant bit first. */
  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.write((code >> i) & 1, 1);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/**
 * A permessage-deflate payload (sync flush trailer already removed) that inflates to `1 + 258·n`
 * zero bytes at DEFLATE's best ratio: one dynamic block whose only codes are literal 0, length
 * 258 (1 bit) and distance 1 (1 bit), so each 258 output bytes cost 2 input bits.
 */
export function deflateBomb(matches: number): Uint8Array {
  const w = new BitWriter();
  w.write(0, 1); // BFINAL = 0
  w.write(2, 2); // dynamic Huffman
  w.write(286 - 257, 5); // HLIT: 286 literal/length codes
  w.write(0, 5); // HDIST: 1 distance code
  w.write(18 - 4, 4); // HCLEN: 18 code length codes (up to the one for length 1)
  // Code length code: symbols 0, 1, 2 and 18, two bits each (a complete code).
  const clLengths = new Map([[0, 2], [1, 2], [2, 2], [18, 2]]);
  for (let i = 0; i < 18; i++) w.write(clLengths.get(CODE_LENGTH_ORDER[i]!) ?? 0, 3);
  const clCode = new Map([[0, 0b00], [1, 0b01], [2, 0b10], [18, 0b11]]);
  const length = (l: number): void => w.code(clCode.get(l)!, 2);
  const zeros = (n: number): void => {
    w.code(clCode.get(18)!, 2);
    w.write(n - 11, 7);
  };
  length(2); // literal 0
  zeros(138);
  zeros(117); // literals 1-255
  length(2); // 256: end of block
  zeros(28); // 257-284
  length(1); // 285: length 258
  length(1); // distance code 0: distance 1
  // Canonical codes: 285 -> 0, literal 0 -> 10, 256 -> 11; distance 0 -> 0.
  w.code(0b10, 2);
  w.zeros(2 * matches); // each match: length code 0, distance code 0
  w.code(0b11, 2); // end of block
  // Sync flush: an empty stored block, whose 00 00 ff ff the sender strips.
  w.write(0, 3);
  return w.bytes();
}
