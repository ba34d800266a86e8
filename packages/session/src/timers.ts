/**
 * Timers for many sessions at once, the way Node schedules its own (lib/internal/timers.js):
 * every timer of one duration waits in one list, in the order it is due, behind one runtime
 * timer. Arming, re-arming and cancelling are O(1) and allocate nothing, so an open connection
 * with keepalive and an idle timeout holds two small {@link Timer} objects instead of two runtime
 * timers with a closure each, and re-arming on every message costs a few pointer writes.
 *
 * A server's sessions share one {@link TimerLists}; any other session has its own. Runtimes whose
 * timers belong to a request (Cloudflare Workers: "cannot perform I/O on behalf of a different
 * request") must never share one across requests.
 */

/** A runtime timer handle; `unref()` where the runtime has it (Node, Bun). */
type TimerHandle = ReturnType<typeof setTimeout>;

/** Timers must not keep a runtime alive on their own; Node and Bun can unref theirs, others ignore it. */
function startTimer(callback: () => void, ms: number): TimerHandle {
  const handle = setTimeout(callback, ms);
  const unref = (handle as unknown as { unref?: () => void }).unref;
  if (typeof unref === "function") unref.call(handle);
  return handle;
}

/** What a {@link TimerList} links: a timer without its owner's type. */
interface TimerNode {
  /** When it is due, in `performance.now()` milliseconds; meaningful while armed. */
  due: number;
  /** The list it waits in, or `null` when not armed. */
  list: TimerList | null;
  prev: TimerNode | null;
  next: TimerNode | null;
  fire(): void;
}

/**
 * One timer of an `owner`: armed for a duration with {@link TimerLists.arm}, it calls
 * `expire(owner)` when due. `expire` is meant to be a function shared by every owner (a static
 * method), so that a timer holds no closure. Re-arming an armed timer moves it.
 */
export class Timer<Owner> implements TimerNode {
  readonly #owner: Owner;
  readonly #expire: (owner: Owner) => void;
  due = 0;
  list: TimerList | null = null;
  prev: TimerNode | null = null;
  next: TimerNode | null = null;

  constructor(owner: Owner, expire: (owner: Owner) => void) {
    this.#owner = owner;
    this.#expire = expire;
  }

  /** Disarm it; nothing happens when it is not armed. */
  cancel(): void {
    this.list?.remove(this);
  }

  fire(): void {
    this.#expire(this.#owner);
  }
}

/** The timers of one duration, oldest (soonest due) first, behind one runtime timer. */
class TimerList {
  readonly ms: number;
  readonly #owner: TimerLists;
  #head: TimerNode | null = null;
  #tail: TimerNode | null = null;
  /** The runtime timer, armed while the list is not empty. */
  #handle: TimerHandle | undefined;

  constructor(owner: TimerLists, ms: number) {
    this.#owner = owner;
    this.ms = ms;
  }

  /** Append `timer`, due `ms` from `now`: the latest due so far, since every entry has the same duration. */
  append(timer: TimerNode, now: number): void {
    timer.due = now + this.ms;
    timer.list = this;
    timer.prev = this.#tail;
    timer.next = null;
    if (this.#tail === null) this.#head = timer;
    else this.#tail.next = timer;
    this.#tail = timer;
    this.#handle ??= startTimer(() => this.#fire(), this.ms);
  }

  /** Take `timer` out. The runtime timer stays: when it fires early for the new head it re-arms. */
  remove(timer: TimerNode): void {
    if (timer.prev === null) this.#head = timer.next;
    else timer.prev.next = timer.next;
    if (timer.next === null) this.#tail = timer.prev;
    else timer.next.prev = timer.prev;
    timer.list = timer.prev = timer.next = null;
  }

  #fire(): void {
    this.#handle = undefined;
    const now = performance.now();
    for (let timer = this.#head; timer !== null && timer.due <= now; timer = this.#head) {
      this.remove(timer);
      // May arm timers, this one included: they go behind, due after `now`.
      timer.fire();
    }
    const head = this.#head;
    if (head !== null) {
      // The runtime's clock may run a fraction of a millisecond behind performance.now().
      this.#handle ??= startTimer(() => this.#fire(), Math.max(1, head.due - now));
      return;
    }
    if (this.#handle !== undefined) {
      clearTimeout(this.#handle);
      this.#handle = undefined;
    }
    this.#owner.release(this);
  }
}

/** Timer lists by duration, shared by the sessions of one server (or owned by one session). */
export class TimerLists {
  readonly #lists: Map<number, TimerList> = new Map();

  /** Arm `timer` to expire `ms` from now (moving it if it is armed already). */
  arm(timer: TimerNode, ms: number): void {
    timer.list?.remove(timer);
    let list = this.#lists.get(ms);
    if (list === undefined) {
      list = new TimerList(this, ms);
      this.#lists.set(ms, list);
    }
    list.append(timer, performance.now());
  }

  /** An emptied list's runtime timer has fired: forget the list until its duration is used again. */
  release(list: TimerList): void {
    if (this.#lists.get(list.ms) === list) this.#lists.delete(list.ms);
  }
}
