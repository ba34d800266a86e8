import { expect, it } from "vitest";
import { Listeners } from "../src/listeners.js";

it("adds each listener once, removes it, and lets a listener remove itself during dispatch", () => {
  const listeners = new Listeners<{ x: number }>();
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
