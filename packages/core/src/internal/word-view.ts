/**
 * One `Int32Array` view of a byte array, kept from one call to the next. Making a view costs
 * ~35 ns on V8, more than XORing or reading a 125-byte payload word by word, and one input chunk
 * carries many small frames: the in-place unmasker and the ASCII check share one view per chunk
 * instead of making one per frame and per pass.
 */

/**
 * Reading by words pays from these lengths: with a view to make (~35 ns, against a byte loop at
 * ~0.7 ns a byte), and with the view already at hand (the head, the tail and the setup cost about
 * what four or five bytes do). Measured on Node 20 for unmasking (bench/micro/mask.bench.ts).
 */
export const NEW_VIEW_MIN = 64;
const KEPT_VIEW_MIN = 16;

const NO_WORDS = new Int32Array(0);

export class WordView {
  /** The array `#words` views, or null. */
  #array: Uint8Array | null = null;
  #words: Int32Array = NO_WORDS;
  /** Index in `#array` of the first byte of `#words[0]`: the first 4-aligned one. */
  #base = 0;

  /**
   * The words of `data`, when a range of `length` bytes of it is worth reading through them: the
   * kept view if `data` is the array viewed, else a new view that replaces it. Null means: use a
   * byte loop. Word `w` holds `data[base + 4w .. base + 4w + 4)` (see {@link WordView.base}).
   */
  wordsFor(data: Uint8Array, length: number): Int32Array | null {
    if (data === this.#array) return length < KEPT_VIEW_MIN ? null : this.#words;
    if (length < NEW_VIEW_MIN) return null;
    // A view's byte offset must be a multiple of 4: align on the absolute offset.
    const base = -data.byteOffset & 3;
    this.#array = data;
    this.#base = base;
    this.#words = data.length > base ? new Int32Array(data.buffer, data.byteOffset + base, (data.length - base) >> 2) : NO_WORDS;
    return this.#words;
  }

  /** Index in the viewed array of the first byte of word 0. */
  get base(): number {
    return this.#base;
  }

  /** Drops the array and its view (the view keeps the array's memory alive). */
  release(): void {
    this.#array = null;
    this.#words = NO_WORDS;
  }
}
