import { describe, expect, it } from "vitest";
import { type ConnectionEvent, FrameDecoder, Opcode } from "../../src/index.js";
import { closedOf, openConnection } from "../helpers/connections.js";
import { concat } from "../helpers/bytes.js";
import { CASES, type ConformanceCase } from "./cases.js";

/** Decode what the endpoint wrote, as its peer would. */
function framesWritten(role: "client" | "server", out: Uint8Array): { opcode: number; payload: Uint8Array }[] {
  const decoder = new FrameDecoder({ role: role === "client" ? "server" : "client", maxFrameSize: 1 << 30 });
  return decoder.push(out).map((f) => ({ opcode: f.opcode, payload: f.payload }));
}

function dataEvents(events: readonly ConnectionEvent[]): unknown[] {
  return events
    .filter((e) => e.type === "text" || e.type === "binary" || e.type === "ping" || e.type === "pong")
    .map((e) => ({ type: e.type, data: (e as { data: unknown }).data }));
}

function run(role: "client" | "server", c: ConformanceCase): void {
  const conn = openConnection(role, c.options ?? {});
  const events = conn.receive(c.script(role === "server"));
  const written = framesWritten(role, concat(conn.takeOutgoing()));
  const reaction = c.expect;
  switch (reaction.kind) {
    case "events": {
      expect(dataEvents(events)).toEqual(reaction.events);
      expect(events.some((e) => e.type === "closed")).toBe(false);
      expect(conn.state).toBe("open");
      if (reaction.replies !== undefined) expect(written).toEqual(reaction.replies);
      return;
    }
    case "fail": {
      expect(dataEvents(events)).toEqual(reaction.events ?? []);
      const closed = closedOf(events);
      expect(closed.code).toBe(reaction.closeCode);
      expect(closed.wasClean).toBe(false);
      expect(closed.error?.closeCode).toBe(reaction.closeCode);
      const last = written[written.length - 1]!;
      expect(last.opcode).toBe(Opcode.Close);
      expect((last.payload[0]! << 8) | last.payload[1]!).toBe(reaction.closeCode);
      expect(conn.state).toBe("closed");
      expect(conn.outgoingEnded).toBe(true);
      // Input after the failure is dropped.
      expect(conn.receive(c.script(role === "server"))).toEqual([]);
      return;
    }
    case "close": {
      expect(dataEvents(events)).toEqual(reaction.events ?? []);
      const closing = events.find((e) => e.type === "closing");
      expect(closing).toEqual({ type: "closing", code: reaction.code, reason: reaction.reason });
      const closed = closedOf(events);
      expect(closed).toEqual({ type: "closed", code: reaction.code, reason: reaction.reason, wasClean: true, error: null });
      expect(written).toHaveLength(1);
      const echo = written[0]!;
      expect(echo.opcode).toBe(Opcode.Close);
      if (reaction.echo === null) expect(echo.payload.length).toBe(0);
      else expect((echo.payload[0]! << 8) | echo.payload[1]!).toBe(reaction.echo);
      // RFC 6455 §7.1.1: the server closes TCP first; the client waits for it.
      expect(conn.outgoingEnded).toBe(role === "server");
      expect(conn.closeExpected).toBe(true);
      return;
    }
    default:
      reaction satisfies never;
  }
}

for (const role of ["server", "client"] as const) {
  describe(`conformance table, ${role} role`, () => {
    const sections = [...new Set(CASES.map((c) => c.section))];
    for (const section of sections) {
      describe(`RFC 6455 §${section}`, () => {
        for (const c of CASES.filter((x) => x.section === section)) {
          it(c.name, () => run(role, c));
          it(`${c.name} (one byte at a time)`, () => {
            const whole = openConnection(role, c.options ?? {});
            const expected = whole.receive(c.script(role === "server"));
            const bytewise = openConnection(role, c.options ?? {});
            const script = c.script(role === "server");
            const got: ConnectionEvent[] = [];
            for (let i = 0; i < script.length; i++) got.push(...bytewise.receive(script.subarray(i, i + 1)));
            expect(got).toEqual(expected);
            expect(concat(bytewise.takeOutgoing())).toEqual(concat(whole.takeOutgoing()));
          });
        }
      });
    }
  });
}

describe("role-specific masking rules (RFC 6455 §5.1)", () => {
  it("a server fails an unmasked frame with 1002", async () => {
    const { rawFrame } = await import("../helpers/wire.js");
    const server = openConnection("server");
    const closed = closedOf(server.receive(rawFrame(Opcode.Text, "x", { masked: false })));
    expect(closed.code).toBe(1002);
    expect(closed.error?.code).toBe("UNMASKED_FRAME_FROM_CLIENT");
  });
  it("a client fails a masked frame with 1002", async () => {
    const { rawFrame } = await import("../helpers/wire.js");
    const client = openConnection("client");
    const closed = closedOf(client.receive(rawFrame(Opcode.Text, "x", { masked: true })));
    expect(closed.code).toBe(1002);
    expect(closed.error?.code).toBe("MASKED_FRAME_FROM_SERVER");
  });
});
