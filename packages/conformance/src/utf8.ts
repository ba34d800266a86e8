/**
 * An incremental UTF-8 checker written from RFC 3629 §4 (the UTF8-octets grammar), kept apart
 * from core's validator on purpose: the oracle must not share code with the engine it judges.
 * It reports the offset of the first byte that makes the stream impossible, which is where a
 * strict endpoint fails (RFC 6455 §8.1), not merely whether a whole message is valid.
 */

/**
 * Feeds bytes and tracks the first impossible byte. `done()` tells whether the stream ended on
 * a character boundary.
 */
export class Utf8Checker {
  /** Continuation bytes still needed by the current sequence. */
  #needed = 0;
  /** Allowed range of the next continuation byte (narrowed for E0, ED, F0, F4). */
  #lower = 0x80;
  #upper = 0xbf;
  /** Bytes consumed so far. */
  #offset = 0;
  /** Offset of the first impossible byte, or -1. */
  #invalidAt = -1;

  /** Offset (from the first byte ever pushed) of the first impossible byte, or -1. */
  get invalidAt(): number {
    return this.#invalidAt;
  }

  /** Whether no impossible byte has been seen. */
  get valid(): boolean {
    return this.#invalidAt === -1;
  }

  /** Whether the bytes so far end on a character boundary. */
  get atBoundary(): boolean {
    return this.#needed === 0;
  }

  /** An independent copy, for an oracle that follows two possible behaviours. */
  clone(): Utf8Checker {
    const copy = new Utf8Checker();
    copy.#needed = this.#needed;
    copy.#lower = this.#lower;
    copy.#upper = this.#upper;
    copy.#offset = this.#offset;
    copy.#invalidAt = this.#invalidAt;
    return copy;
  }

  /** Feed bytes; returns `valid`. */
  push(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length && this.#invalidAt === -1; i++) {
      const b = bytes[i]!;
      if (this.#needed === 0) {
        // UTF8-1 = %x00-7F
        if (b <= 0x7f) {
          // one byte
        } else if (b >= 0xc2 && b <= 0xdf) {
          // UTF8-2 = %xC2-DF UTF8-tail (C0 and C1 would be overlong)
          this.#start(1, 0x80, 0xbf);
        } else if (b === 0xe0) {
          // %xE0 %xA0-BF UTF8-tail
          this.#start(2, 0xa0, 0xbf);
        } else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) {
          this.#start(2, 0x80, 0xbf);
        } else if (b === 0xed) {
          // %xED %x80-9F UTF8-tail: excludes the surrogates U+D800-DFFF
          this.#start(2, 0x80, 0x9f);
        } else if (b === 0xf0) {
          // %xF0 %x90-BF 2( UTF8-tail )
          this.#start(3, 0x90, 0xbf);
        } else if (b >= 0xf1 && b <= 0xf3) {
          this.#start(3, 0x80, 0xbf);
        } else if (b === 0xf4) {
          // %xF4 %x80-8F 2( UTF8-tail ): nothing above U+10FFFF
          this.#start(3, 0x80, 0x8f);
        } else {
          // 80-BF without a lead, C0, C1, F5-FF (5- and 6-byte forms included)
          this.#invalidAt = this.#offset + i;
        }
      } else if (b < this.#lower || b > this.#upper) {
        this.#invalidAt = this.#offset + i;
      } else {
        this.#needed--;
        this.#lower = 0x80;
        this.#upper = 0xbf;
      }
    }
    this.#offset += bytes.length;
    return this.#invalidAt === -1;
  }

  #start(needed: number, lower: number, upper: number): void {
    this.#needed = needed;
    this.#lower = lower;
    this.#upper = upper;
  }
}

/** Whether `bytes` are one complete, valid UTF-8 text. */
export function isUtf8(bytes: Uint8Array): boolean {
  const checker = new Utf8Checker();
  return checker.push(bytes) && checker.atBoundary;
}
