/** An ordered, case-insensitive header list (the {@link HttpHeaders} implementation). */
import { equalsIgnoreAsciiCase } from "./header-values.js";
import type { HttpHeaders } from "./types.js";

/**
 * Header fields in arrival order, looked up ASCII-case-insensitively.
 *
 * Lookups compare names, never keys of a plain object, so names such as `__proto__`,
 * `constructor` or `hasOwnProperty` are ordinary headers (they crashed ws before 3.3.1). The list stores names and values as given; validating them is the job of the parser
 * (`HttpHeadParser`) and the response and request builders.
 *
 * @example
 * const headers = HeaderList.from([["Host", "example.com"], ["Sec-WebSocket-Protocol", "a"]]);
 * headers.get("host"); // "example.com"
 */
export class HeaderList implements HttpHeaders {
  /**
   * Name as given, then value, for every field line in order. One flat array is the smallest
   * form a server can keep for the connection's lifetime: a `Map` of lowercased names plus a
   * frozen pair per line took 1.5 KB for a browser's request. Lookups scan it; a request has a
   * few dozen lines at most (`maxHeaderCount`), and most names differ in length.
   */
  readonly #fields: string[] = [];

  /** A list holding `pairs` in order. The pairs are copied. */
  static from(pairs: Iterable<readonly [string, string]>): HeaderList {
    const list = new HeaderList();
    for (const [name, value] of pairs) list.append(name, value);
    return list;
  }

  /** Add one field line at the end. */
  append(name: string, value: string): void {
    this.#fields.push(name, value);
  }

  /** The field's values joined with ", " (RFC 9110 §5.3), or `undefined` when absent. */
  get(name: string): string | undefined {
    const fields = this.#fields;
    let joined: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (equalsIgnoreAsciiCase(fields[i]!, name)) joined = joined === undefined ? fields[i + 1]! : `${joined}, ${fields[i + 1]!}`;
    }
    return joined;
  }

  /** Each field line's value for `name`, in order; empty when absent. */
  getAll(name: string): readonly string[] {
    const fields = this.#fields;
    const values: string[] = [];
    for (let i = 0; i < fields.length; i += 2) if (equalsIgnoreAsciiCase(fields[i]!, name)) values.push(fields[i + 1]!);
    return values;
  }

  /** Whether at least one line has this name. */
  has(name: string): boolean {
    return this.count(name) > 0;
  }

  /**
   * How many field lines have this name. Values are not split at commas; the caller decides
   * whether a comma means a list (RFC 6455 treats a comma in `Sec-WebSocket-Key` as a duplicate).
   */
  count(name: string): number {
    const fields = this.#fields;
    let n = 0;
    for (let i = 0; i < fields.length; i += 2) if (equalsIgnoreAsciiCase(fields[i]!, name)) n++;
    return n;
  }

  /** Every field line as [name as received, value], in order. */
  *entries(): IterableIterator<readonly [string, string]> {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) yield Object.freeze([fields[i]!, fields[i + 1]!] as const);
  }

  /** Same as {@link entries}, so a list can be spread or passed to `HeaderList.from`. */
  [Symbol.iterator](): IterableIterator<readonly [string, string]> {
    return this.entries();
  }

  /** Number of field lines. */
  get size(): number {
    return this.#fields.length >> 1;
  }
}
