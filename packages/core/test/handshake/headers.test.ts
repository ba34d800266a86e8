import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { HeaderList } from "../../src/handshake/headers.js";

describe("HeaderList", () => {
  it("looks names up case-insensitively and keeps lines in order with their original case", () => {
    const h = HeaderList.from([
      ["Host", "example.com"],
      ["sec-websocket-protocol", "a"],
      ["X-Other", "1"],
      ["Sec-WebSocket-Protocol", "b, c"],
    ]);
    expect(h.get("HOST")).toBe("example.com");
    expect(h.get("Sec-Websocket-Protocol")).toBe("a, b, c");
    expect(h.getAll("SEC-WEBSOCKET-PROTOCOL")).toEqual(["a", "b, c"]);
    expect(h.count("sec-websocket-protocol")).toBe(2);
    expect(h.count("missing")).toBe(0);
    expect(h.get("missing")).toBeUndefined();
    expect(h.getAll("missing")).toEqual([]);
    expect(h.has("x-other")).toBe(true);
    expect(h.size).toBe(4);
    expect([...h.entries()]).toEqual([
      ["Host", "example.com"],
      ["sec-websocket-protocol", "a"],
      ["X-Other", "1"],
      ["Sec-WebSocket-Protocol", "b, c"],
    ]);
    expect([...h]).toEqual([...h.entries()]);
  });

  it("treats __proto__, constructor and hasOwnProperty as plain header names", () => {
    const h = new HeaderList();
    expect(h.has("__proto__")).toBe(false);
    expect(h.get("constructor")).toBeUndefined();
    expect(h.get("toString")).toBeUndefined();
    expect(h.count("hasOwnProperty")).toBe(0);
    h.append("__proto__", "x");
    h.append("Constructor", "y");
    h.append("hasOwnProperty", "z");
    expect(h.get("__PROTO__")).toBe("x");
    expect(h.get("constructor")).toBe("y");
    expect(h.getAll("hasownproperty")).toEqual(["z"]);
    expect(h.size).toBe(3);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined(); // no prototype pollution
  });

  it("folds ASCII case only, so the Kelvin sign is not k", () => {
    const h = HeaderList.from([["\u212Aey", "1"]]);
    expect(h.has("key")).toBe(false);
    expect(h.has("\u212Aey")).toBe(true);
  });

  it("returns copies and frozen lines, so callers cannot change the list", () => {
    const h = HeaderList.from([["A", "1"]]);
    (h.getAll("a") as string[]).push("2");
    expect(h.getAll("a")).toEqual(["1"]);
    const [line] = [...h.entries()];
    expect(Object.isFrozen(line)).toBe(true);
  });

  test.prop([fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 20 })])(
    "agrees with a naive model",
    (pairs) => {
      const h = HeaderList.from(pairs);
      expect(h.size).toBe(pairs.length);
      for (const [name] of pairs) {
        const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
        const values = pairs.filter(([n]) => n.replace(/[A-Z]/g, (c) => c.toLowerCase()) === lower).map(([, v]) => v);
        expect(h.getAll(name)).toEqual(values);
        expect(h.get(name)).toBe(values.join(", "));
        expect(h.count(name)).toBe(values.length);
      }
    },
  );

  // Characters next to the letters, whose codes also differ by 0x20: @ and `, [ and {, ^ and ~.
  const edgy = fc.string({ unit: fc.constantFrom("a", "A", "z", "Z", "@", "`", "[", "{", "^", "~", "-"), maxLength: 4 });
  test.prop([fc.array(fc.tuple(edgy, fc.string({ maxLength: 3 })), { maxLength: 12 }), fc.array(edgy, { maxLength: 8 })])(
    "matches exactly the names equal up to ASCII letter case",
    (pairs, probes) => {
      const h = HeaderList.from(pairs);
      const fold = (n: string) => n.replace(/[A-Z]/g, (c) => c.toLowerCase());
      for (const probe of probes) {
        expect(h.getAll(probe)).toEqual(pairs.filter(([n]) => fold(n) === fold(probe)).map(([, v]) => v));
      }
    },
  );
});
