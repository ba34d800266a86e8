/**
 * A small typed listener registry. The session dispatches every message through it, so it
 * avoids `EventTarget`'s per-dispatch `Event` allocation and propagation machinery: listener
 * lists are copied on write, and dispatch walks a stable array without copying it.
 *
 * A type with one listener (the usual case: a server's own listeners, the application's
 * `message` handler) stores the function itself, as `EventEmitter` does; every idle connection
 * carries these, so the array would cost memory for nothing.
 */

type Listener<V, T> = (this: T, value: V) => void;
type Entry<V, T> = Listener<V, T> | ReadonlyArray<Listener<V, T>>;

/** Listener lists per event type of `M`; listeners are called with `this` set to the target `T`. */
export class Listeners<M, T = undefined> {
  readonly #target: T;
  // Removed types are set to undefined, not deleted: `delete` would turn the object into a dictionary.
  #lists: { [K in keyof M]?: Entry<M[K], T> | undefined } = {};

  /** @param target what listeners get as `this` (the emitter, as with `EventEmitter`). */
  constructor(target: T) {
    this.#target = target;
  }

  /** Add `listener` for `type` (once per listener and type, like `EventTarget`). */
  add<K extends keyof M>(type: K, listener: Listener<M[K], T>): void {
    const entry = this.#lists[type];
    if (entry === undefined) this.#lists[type] = listener;
    else if (typeof entry === "function") {
      if (entry !== listener) this.#lists[type] = [entry, listener];
    } else if (!entry.includes(listener)) {
      // concat allocates exactly the new length; a spread literal would reserve spare capacity.
      this.#lists[type] = entry.concat(listener);
    }
  }

  /** Remove `listener` for `type`; nothing happens when it is not registered. */
  remove<K extends keyof M>(type: K, listener: Listener<M[K], T>): void {
    const entry = this.#lists[type];
    if (entry === undefined) return;
    if (typeof entry === "function") {
      if (entry === listener) this.#lists[type] = undefined;
      return;
    }
    const next = entry.filter((l) => l !== listener);
    if (next.length === entry.length) return;
    this.#lists[type] = next.length === 1 ? next[0]! : next;
  }

  /** Whether any listener is registered for `type`. */
  has(type: keyof M): boolean {
    return this.#lists[type] !== undefined;
  }

  /**
   * Call every listener of `type` with `value`. A listener's exception never reaches the
   * caller (the session's state must stay consistent); it is rethrown from a microtask, which
   * is how `EventTarget` reports listener errors too.
   */
  emit<K extends keyof M>(type: K, value: M[K]): void {
    const entry = this.#lists[type];
    if (entry === undefined) return;
    if (typeof entry === "function") {
      call(entry, this.#target, value);
      return;
    }
    for (let i = 0; i < entry.length; i++) call(entry[i]!, this.#target, value);
  }
}

function call<V, T>(listener: Listener<V, T>, target: T, value: V): void {
  try {
    listener.call(target, value);
  } catch (error) {
    reportError(error);
  }
}

/** Rethrow `error` outside the current call stack, as an uncaught exception of the runtime. */
export function reportError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
