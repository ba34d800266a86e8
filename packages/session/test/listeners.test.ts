import { expect, it } from "vitest";
import { Listeners } from "../src/listeners.js";

it("adds each listener once, removes it, and lets a listener remove itself during dispatch", () => {
  const listeners = new Listeners<{ x: number }>(undefined);
  const got: string[] = [];
  const a = (n: number): void => {
    got.push(`a${n}`);
    listeners.remove("x", a);
  };
  const b = (n: number): void => void got.push(`b${n}`);
  listeners.add("x", a);
  listeners.add("x", a);
  listeners.add("x", b);
  listeners.emit("x", 1);
  listeners.emit("x", 2);
  expect(got).toEqual(["a1", "b1", "b2"]);
  listeners.remove("x", b);
  expect(listeners.has("x")).toBe(false);
});

it("keeps the order of several listeners while one is added or removed, back down to none", () => {
  const listeners = new Listeners<{ x: number }>(undefined);
  const got: string[] = [];
  const make = (name: string) => (n: number): void => void got.push(`${name}${n}`);
  const [a, b, c] = [make("a"), make("b"), make("c")];
  listeners.add("x", a);
  listeners.emit("x", 1);
  listeners.add("x", b);
  listeners.add("x", c);
  listeners.add("x", b);
  listeners.emit("x", 2);
  listeners.remove("x", b);
  listeners.emit("x", 3);
  listeners.remove("x", a);
  listeners.remove("x", a);
  listeners.emit("x", 4);
  listeners.remove("x", c);
  listeners.emit("x", 5);
  expect(got).toEqual(["a1", "a2", "b2", "c2", "a3", "c3", "c4"]);
  expect(listeners.has("x")).toBe(false);
  listeners.add("x", a);
  expect(listeners.has("x")).toBe(true);
});

it("calls listeners with the target as `this`, one listener or several", () => {
  const target = { name: "target" };
  const listeners = new Listeners<{ x: number }, typeof target>(target);
  const seen: unknown[] = [];
  function first(this: typeof target): void {
    seen.push(this);
  }
  function second(this: typeof target): void {
    seen.push(this);
  }
  listeners.add("x", first);
  listeners.emit("x", 1);
  listeners.add("x", second);
  listeners.emit("x", 2);
  expect(seen).toEqual([target, target, target]);
  expect(seen.every((t) => t === target)).toBe(true);
});
