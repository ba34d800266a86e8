import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Timer, TimerLists } from "../src/timers.js";

describe("TimerLists", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const log: string[] = [];
  const record = (name: string): void => void log.push(`${name}@${performance.now()}`);
  beforeEach(() => {
    log.length = 0;
  });

  it("expires each timer after its duration, in the order they are due", () => {
    const lists = new TimerLists();
    const a = new Timer("a", record);
    const b = new Timer("b", record);
    const c = new Timer("c", record);
    lists.arm(a, 100);
    vi.advanceTimersByTime(30);
    lists.arm(b, 100);
    lists.arm(c, 50);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(["c@80", "a@100", "b@130"]);
  });

  it("runs one runtime timer per duration, however many timers wait in it", () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const lists = new TimerLists();
    const timers = Array.from({ length: 1000 }, (_, i) => new Timer(`t${i}`, record));
    for (const t of timers) lists.arm(t, 1000);
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(log).toHaveLength(1000);
    spy.mockRestore();
  });

  it("moves a re-armed timer behind the others and never fires a cancelled one", () => {
    const lists = new TimerLists();
    const a = new Timer("a", record);
    const b = new Timer("b", record);
    const c = new Timer("c", record);
    lists.arm(a, 100);
    lists.arm(b, 100);
    lists.arm(c, 100);
    vi.advanceTimersByTime(60);
    lists.arm(a, 100);
    b.cancel();
    b.cancel();
    vi.advanceTimersByTime(200);
    expect(log).toEqual(["c@100", "a@160"]);
  });

  it("lets an expiring timer re-arm itself (a periodic timer)", () => {
    const lists = new TimerLists();
    let ticks = 0;
    const tick = new Timer(lists, (owner) => {
      ticks++;
      record("tick");
      if (ticks < 3) owner.arm(tick, 25);
    });
    lists.arm(tick, 25);
    vi.advanceTimersByTime(500);
    expect(log).toEqual(["tick@25", "tick@50", "tick@75"]);
  });

  it("leaves no runtime timer behind once every timer is cancelled or expired", () => {
    const lists = new TimerLists();
    const a = new Timer("a", record);
    lists.arm(a, 100);
    a.cancel();
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
    lists.arm(a, 100);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(["a@200"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
