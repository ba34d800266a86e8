import { describe, expect, it } from "vitest";
import { payloadKey, PingTracker } from "../src/ping-tracker.js";

describe("PingTracker (RFC 6455 §5.5.3)", () => {
  it("settles a ping and every earlier one when a pong arrives", () => {
    const tracker = new PingTracker();
    const settled: string[] = [];
    for (const k of ["a", "b", "c"]) tracker.add(k, 10, (rtt) => settled.push(`${k} ${rtt}`), () => settled.push(`${k} rejected`));
    tracker.pong("b", 15);
    expect(settled).toEqual(["a 5", "b 5"]);
    expect(tracker.has("c")).toBe(true);
  });

  it("ignores unsolicited pongs", () => {
    const tracker = new PingTracker();
    let called = false;
    tracker.add("a", 0, () => (called = true), () => {});
    tracker.pong("zz", 1);
    expect(called).toBe(false);
  });

  it("rejects every waiting ping on close", () => {
    const tracker = new PingTracker();
    const errors: Error[] = [];
    tracker.add("a", 0, () => {}, (e) => errors.push(e));
    tracker.add("b", 0, () => {}, (e) => errors.push(e));
    tracker.rejectAll(new Error("closed"));
    expect(errors).toHaveLength(2);
    expect(tracker.has("a")).toBe(false);
  });

  it("makes fresh 4-byte payloads and exact keys", () => {
    const tracker = new PingTracker();
    const a = tracker.nextPayload();
    const b = tracker.nextPayload();
    expect(a).toHaveLength(4);
    expect(payloadKey(a)).not.toBe(payloadKey(b));
    expect(payloadKey(new Uint8Array([0, 255]))).toBe("\u0000\u00ff");
  });
});
