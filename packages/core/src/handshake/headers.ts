/** An ordered, case-insensitive header list (the {@link HttpHeaders} implementation). */
import { toLowerAscii } from "./header-values.js";
import type { HttpHeaders } from "./types.js";

/**
 * Header fields in arrival order, looked up ASCII-case-insensitively.
 *
 * Lookups go through a `Map` keyed by the lowercased name, never a plain object, so names such as
 * `__proto__`, `constructor` or `hasOwnProperty` are ordinary headers (they crashed ws before
 * 3.3.1). The list stores names and values as given; validating them is the job of the parser
 * (`HttpHeadParser`) and the response and request builders.
 *
 * @example
 * const headers = HeaderList.from([["Host", "example.com"], ["Sec-WebSocket-Protocol", "a"]]);
 * headers.get("host"); // "example.com"
 */
export class HeaderList implements HttpHeaders {
  /** Every field line, as frozen [name as given, value] pairs, in order. */
  readonly #lines: Array<readonly [string, string]> = [];
  /** Lowercased name -> the values of its lines, in order. */
  readonly #byName: Map<string, string[]> = new Map();

  /** A list holding `pairs` in order. The pairs are copied. */
  static from(pairs: Iterable<readonly [string, string]>): HeaderList {
    const list = new HeaderList();
    for (const [name, value] of pairs) list.append(name, value);
    return list;
  }

  /** Add one field line at the end. */
  append(name: string, value: string): void {
    this.#lines.push(Object.freeze([name, value] as const));
    const key = toLowerAscii(name);
    const values = this.#byName.get(key);
    if (values === undefined) this.#byName.set(key, [value]);
    else values.push(value);
  }

  /** The field's values joined with ", " (RFC 9110 §5.3), or `undefined` when absent. */
  get(name: string): string | undefined {
    const values = this.#byName.get(toLowerAscii(name));
    return values === undefined ? undefined : values.join(", ");
  }

  /** Each field line's value for `name`, in order; empty when absent. */
  getAll(name: string): readonly string[] {
    return this.#byName.get(toLowerAscii(name))?.slice() ?? [];
  }

  /** Whether at least one line has this name. */
  has(name: string): boolean {
    return this.#byName.has(toLowerAscii(name));
  }

  /**
   * How many field lines have this name. Values are not split at commas; the caller decides
   * whether a comma means a list (RFC 6455 treats a comma in `Sec-WebSocket-Key` as a duplicate).
   */
  count(name: string): number {
    return this.#byName.get(toLowerAscii(name))?.length ?? 0;
  }

  /** Every field line as [name as received, value], in order. */
  entries(): IterableIterator<readonly [string, string]> {
    return this.#lines.values();
  }

  /** Same as {@link entries}, so a list can be spread or passed to `HeaderList.from`. */
  [Symbol.iterator](): IterableIterator<readonly [string, string]> {
    return this.#lines.values();
  }

  /** Number of field lines. */
  get size(): number {
    return this.#lines.length;
  }
}
