import { describe, expect, it } from "vitest";
import { LocalProtocolError, STATES, TRANSITIONS, TRIGGERS, transition, type ConnectionState, type Trigger } from "../src/index.js";

describe("state table", () => {
  for (const from of STATES) {
    for (const trigger of TRIGGERS) {
      const to = (TRANSITIONS[from] as Partial<Record<Trigger, ConnectionState>>)[trigger];
      if (to !== undefined) {
        it(`${from} --${trigger}--> ${to}`, () => {
          expect(transition(from, trigger)).toBe(to);
        });
      } else {
        it(`${from} refuses ${trigger} with INVALID_STATE`, () => {
          let state: ConnectionState = from;
          const attempt = (): void => {
            state = transition(state, trigger);
          };
          expect(attempt).toThrow(LocalProtocolError);
          try {
            attempt();
          } catch (e) {
            expect((e as LocalProtocolError).code).toBe("INVALID_STATE");
          }
          expect(state).toBe(from);
        });
      }
    }
  }

  it("closed is terminal and every other state can reach it", () => {
    expect(Object.keys(TRANSITIONS.closed)).toEqual([]);
    for (const s of STATES.filter((x) => x !== "closed")) {
      expect(transition(s, "fail")).toBe("closed");
      expect(transition(s, "eof")).toBe("closed");
    }
  });
});
