import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SessionSet } from "../src/session-set.js";

/** The objects a test adds and deletes, by number. */
const pool = Array.from({ length: 6 }, (_, id) => ({ id }));

type Op = { readonly kind: "add" | "delete"; readonly item: number };
const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom("add" as const, "delete" as const), item: fc.integer({ min: 0, max: pool.length - 1 }) });

/** Apply `o` to both sets; the results must agree. */
function apply(model: Set<{ id: number }>, set: SessionSet<{ id: number }>, o: Op): void {
  const value = pool[o.item]!;
  if (o.kind === "add") {
    expect(set.add(value)).toBe(set);
    model.add(value);
  } else {
    expect(set.delete(value)).toBe(model.delete(value));
  }
}

const ids = (values: Iterable<{ id: number }>): number[] => [...values].map((v) => v.id);

describe("SessionSet", () => {
  it("agrees with Set on has, size and order after any adds and deletes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const model = new Set<{ id: number }>();
        const set = new SessionSet<{ id: number }>();
        for (const o of ops) {
          apply(model, set, o);
          expect(set.size).toBe(model.size);
          for (const value of pool) expect(set.has(value)).toBe(model.has(value));
          expect(ids(set)).toEqual(ids(model));
        }
        expect([...set.entries()].map(([a, b]) => [a.id, b.id])).toEqual([...model.entries()].map(([a, b]) => [a.id, b.id]));
        expect(ids(set.keys())).toEqual(ids(model.keys()));
      }),
    );
  });

  it("iterates like Set while values are added and deleted during the iteration", () => {
    // Set's rules: a value deleted before it is reached is skipped, one added (or deleted and
    // added again) before the iteration ends is visited, at its new place.
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.array(fc.array(op, { maxLength: 4 }), { maxLength: 12 }), (setup, during) => {
        const model = new Set<{ id: number }>();
        const set = new SessionSet<{ id: number }>();
        for (const o of setup) apply(model, set, o);
        const fromModel: number[] = [];
        const fromSet: number[] = [];
        // Two iterations in lock step, each step applying the same operations to both sets.
        const a = model.values();
        const b = set.values();
        for (let step = 0; ; step++) {
          const x = a.next();
          const y = b.next();
          expect(y.done).toBe(x.done);
          if (x.done === true || y.done === true) break;
          fromModel.push(x.value.id);
          fromSet.push(y.value.id);
          for (const o of during[step] ?? []) apply(model, set, o);
        }
        expect(fromSet).toEqual(fromModel);
      }),
    );
  });

  it("lets forEach's callback delete the value it was given and others, as ws's heartbeat loop does", () => {
    const set = new SessionSet<{ id: number }>();
    for (const value of pool) set.add(value);
    const seen: number[] = [];
    set.forEach(function (this: unknown, value, key, owner) {
      expect(key).toBe(value);
      expect(owner).toBe(set);
      expect(this).toBe(pool);
      seen.push(value.id);
      set.delete(value);
      if (value.id === 1) set.delete(pool[2]!);
      if (value.id === 5) set.add(pool[0]!);
    }, pool);
    // 2 was deleted before it was reached; 0, added again after the last value, came round again.
    expect(seen).toEqual([0, 1, 3, 4, 5, 0]);
    expect(set.size).toBe(0);
  });

  it("answers ES2025's set methods through a Set, or throws the Set's TypeError where the runtime has none", () => {
    const set = new SessionSet<{ id: number }>().add(pool[0]!).add(pool[1]!);
    const other = new Set([pool[1]!, pool[2]!]);
    const native = (Set.prototype as unknown as Record<string, unknown>)["union"];
    if (typeof native === "function") {
      // Bun, Deno, Node 22+ (test/clients-set.test.ts in @wsengine/bun checks every method on Bun).
      expect(ids(set.union(other))).toEqual([0, 1, 2]);
      expect(ids(set.intersection(other))).toEqual([1]);
      expect(set.isDisjointFrom(other)).toBe(false);
    } else {
      expect(() => set.union(other)).toThrow(TypeError);
      expect(() => set.isSubsetOf(other)).toThrow(TypeError);
    }
  });

  it("finds values added after the last value was deleted under the iteration", () => {
    const set = new SessionSet<{ id: number }>();
    set.add(pool[0]!).add(pool[1]!);
    const iterator = set.values();
    expect(iterator.next().value).toBe(pool[0]);
    expect(iterator.next().value).toBe(pool[1]);
    // The iteration stands on the last node; it goes, then two more arrive.
    set.delete(pool[1]!);
    set.add(pool[2]!).add(pool[3]!);
    expect(ids({ [Symbol.iterator]: () => iterator })).toEqual([2, 3]);
  });
});
