/**
 * A set of objects kept in a linked list, for a server's connections: `SessionServer` adds
 * every session as it connects and deletes it as it closes, and hands the open ones to users as
 * a live `ReadonlySet`.
 *
 * Why not a `Set`: JavaScriptCore (Bun) keeps a deleted `Set` or `Map` entry's object reachable
 * for its young-generation collections until the table is rebuilt, so every connection that
 * opened and closed between two collections was promoted to the old generation with all it
 * held. Under handshake churn on Bun 1.4.5 (bench's handshake load, 32 connections at a time)
 * the server ran 9-14 full collections in five seconds with a `Set` and a `Map`, 2-3 with these;
 * run side by side on one core, it spent 7-15 % less CPU per handshake. Deleting from a
 * `WeakMap`, and unlinking a node, leave nothing reachable.
 */

/** What ES2025's set methods take: anything with `size`, `has` and `keys` (lib.esnext's `ReadonlySetLike`). */
export interface SetLike<T> {
  readonly size: number;
  has(value: T): boolean;
  keys(): Iterator<T>;
}

/** A `Set` with ES2025's methods, which the ES2022 library this project compiles against lacks. */
interface Es2025Set<T> extends Set<T> {
  union<U>(other: SetLike<U>): Set<T | U>;
  intersection<U>(other: SetLike<U>): Set<T & U>;
  difference<U>(other: SetLike<U>): Set<T>;
  symmetricDifference<U>(other: SetLike<U>): Set<T | U>;
  isSubsetOf(other: SetLike<unknown>): boolean;
  isSupersetOf(other: SetLike<unknown>): boolean;
  isDisjointFrom(other: SetLike<unknown>): boolean;
}

interface Node<T> {
  readonly value: T;
  /** Position in insertion order: a node added later has a larger number. */
  readonly seq: number;
  prev: Node<T> | null;
  /** Kept when the node is deleted, so that an iteration standing on it can go on. */
  next: Node<T> | null;
  deleted: boolean;
}

/**
 * Objects in insertion order, with `Set`'s semantics for the `ReadonlySet` methods: adding and
 * deleting are O(1), and an iteration sees every object added before it ends and none deleted
 * before it is reached, whatever happens in between (closing connections while walking them).
 */
export class SessionSet<T extends object> implements ReadonlySet<T> {
  readonly #nodes: WeakMap<T, Node<T>> = new WeakMap();
  #head: Node<T> | null = null;
  #tail: Node<T> | null = null;
  #size = 0;
  #seq = 0;

  get size(): number {
    return this.#size;
  }

  has(value: T): boolean {
    return this.#nodes.has(value);
  }

  /** Add `value` at the end; nothing happens when it is in the set already. */
  add(value: T): this {
    if (this.#nodes.has(value)) return this;
    const node: Node<T> = { value, seq: this.#seq++, prev: this.#tail, next: null, deleted: false };
    if (this.#tail === null) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#nodes.set(value, node);
    this.#size++;
    return this;
  }

  /** Delete `value`; returns whether it was in the set. */
  delete(value: T): boolean {
    const node = this.#nodes.get(value);
    if (node === undefined) return false;
    this.#nodes.delete(value);
    node.deleted = true;
    if (node.prev === null) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.#tail = node.prev;
    else node.next.prev = node.prev;
    // `next` stays: an iteration standing on this node continues from it.
    node.prev = null;
    this.#size--;
    return true;
  }

  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const value of this.values()) callback.call(thisArg, value, value, this);
  }

  *values(): Generator<T, undefined, undefined> {
    for (let node = this.#head, last = -1; node !== null; node = this.#after(node, last)) {
      if (node.deleted) continue;
      last = node.seq;
      yield node.value;
    }
    return undefined;
  }

  keys(): Generator<T, undefined, undefined> {
    return this.values();
  }

  *entries(): Generator<[T, T], undefined, undefined> {
    for (const value of this.values()) yield [value, value];
    return undefined;
  }

  [Symbol.iterator](): Generator<T, undefined, undefined> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return "SessionSet";
  }

  // ES2025's set methods, where the runtime's `Set` has them (Bun, Deno, Node 22+): `clients`
  // was a `Set`, so each answers what a `Set` of the same values would, through one. Where the
  // runtime has none, calling one throws the same TypeError as on a `Set`.
  union<U>(other: SetLike<U>): Set<T | U> {
    return this.#asSet().union(other);
  }

  intersection<U>(other: SetLike<U>): Set<T & U> {
    return this.#asSet().intersection(other);
  }

  difference<U>(other: SetLike<U>): Set<T> {
    return this.#asSet().difference(other);
  }

  symmetricDifference<U>(other: SetLike<U>): Set<T | U> {
    return this.#asSet().symmetricDifference(other);
  }

  isSubsetOf(other: SetLike<unknown>): boolean {
    return this.#asSet().isSubsetOf(other);
  }

  isSupersetOf(other: SetLike<unknown>): boolean {
    return this.#asSet().isSupersetOf(other);
  }

  isDisjointFrom(other: SetLike<unknown>): boolean {
    return this.#asSet().isDisjointFrom(other);
  }

  #asSet(): Es2025Set<T> {
    return new Set(this) as Es2025Set<T>;
  }

  /**
   * The node an iteration visits after `node`, having last visited the one numbered `last`.
   * A deleted node's `next` leads on through the nodes after it, except when it was the last
   * one: nodes added since are found again from the head.
   */
  #after(node: Node<T>, last: number): Node<T> | null {
    if (node.next !== null || !node.deleted) return node.next;
    let next = this.#head;
    while (next !== null && next.seq <= last) next = next.next;
    return next;
  }
}
