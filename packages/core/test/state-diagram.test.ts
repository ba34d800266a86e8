import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { README, stateDiagram, withDiagram } from "../../../scripts/state-diagram.js";
import { STATES, TRANSITIONS, TRIGGERS } from "../src/index.js";

describe("the README's state diagram", () => {
  it("matches the state table", () => {
    const readme = readFileSync(README, "utf8");
    expect(withDiagram(readme)).toBe(readme);
  });

  it("draws every transition of the table and nothing else", () => {
    const edges = stateDiagram()
      .split("\n")
      .filter((l) => l.includes(": "))
      .map((l) => l.trim());
    const expected = STATES.flatMap((from) =>
      TRIGGERS.filter((t) => TRANSITIONS[from][t] !== undefined).map(
        (t) => `${from.replace(/-/g, "_")} --> ${TRANSITIONS[from][t]!.replace(/-/g, "_")}: ${t}`,
      ),
    );
    expect(edges).toEqual(expected);
  });
});
