/**
 * A small typed listener registry. The session dispatches every message through it, so it
 * avoids `EventTarget`'s per-dispatch `Event` allocation and propagation machinery: listener
 * lists are copied on write, and dispatch walks a stable array without copying it.
 */

/** Listener lists per event type of `M`. */
export class Listeners<M> {
  #lists: { [K in keyof M]?: ReadonlyArray<(value: M[K]) => void> } = {};

  /** Add `listener` for `type` (once per listener and type, like `EventTarget`). */
  add<K extends keyof M>(type: K, listener: (value: M[K]) => void): void {
    const list = this.#lists[type] ?? [];
    if (list.includes(listener)) return;
    this.#lists[type] = [...list, listener];
  }

  /** Remove `listener` for `type`; nothing happens when it is not registered. */
  remove<K extends keyof M>(type: K, listener: (value: M[K]) => void): void {
    const list = this.#lists[type];
    if (list === undefined) return;
    const next = list.filter((l) => l !== listener);
    if (next.length === 0) delete this.#lists[type];
    else this.#lists[type] = next;
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
    const list = this.#lists[type];
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(value);
      } catch (error) {
        reportError(error);
      }
    }
  }
}

/** Rethrow `error` outside the current call stack, as an uncaught exception of the runtime. */
export function reportError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
