/**
 * The oracle and the judge on hand-written observations: what RFC 6455/7692 say must happen,
 * and how each deviation is graded. No endpoint is involved.
 */
import { describe, expect, it } from "vitest";
import {
  expectHandshake,
  expectReaction,
  frame,
  judge,
  OP,
  type Observation,
  type Received,
  RSV1,
  SENTINEL,
  tailFor,
  utf8,
  validRequest,
  type WireFrame,
} from "../src/index.js";
import { agreementFor, KitDeflater, parseDeflateParams } from "../src/deflate.js";

const server = { peerRole: "server" as const, deflate: null };
const withTail = (script: WireFrame[]): WireFrame[] => {
  const t = tailFor(script);
  return [...script, ...t.sentinel, ...t.completion, ...t.closing];
};
const closeCode = (code: number): Uint8Array => Uint8Array.of(code >> 8, code & 0xff);
const obs = (received: Received[], ending: Observation["ending"] = "end"): Observation => ({ received, ending, elapsedMs: 1 });
const pong = (data: Uint8Array): Received => ({ type: "pong", data });
const close = (code: number | null): Received => ({ type: "close", code, reason: new Uint8Array(0) });
const textEcho = (t: string): Received => ({ type: "text", data: utf8(t), compressed: false, frames: 1 });

describe("the oracle (RFC 6455)", () => {
  it("expects an echo, the sentinel pong and the closing handshake for valid traffic", () => {
    const frames = withTail([frame(OP.text, utf8("Hello"))]);
    const [primary] = expectReaction(frames, server);
    expect(primary).toMatchObject({ grade: "pass", outcome: { kind: "closed", code: 1000 } });
    expect(primary!.echoes).toEqual([{ type: "text", data: utf8("Hello") }]);
    expect(primary!.pongs).toEqual([SENTINEL]);
  });

  it("expects 1002 at a reserved opcode and nothing after it (§5.2)", () => {
    const frames = withTail([frame(OP.text, utf8("a")), frame(5, new Uint8Array(0)), frame(OP.text, utf8("b"))]);
    const candidates = expectReaction(frames, server);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ at: 1, outcome: { kind: "fail", codes: [1002] } });
    expect(candidates[0]!.echoes).toHaveLength(1);
  });

  it("lets the Close frame go for a wrongly masked frame (§5.1: MAY send 1002)", () => {
    const [c] = expectReaction(withTail([frame(OP.text, utf8("x"), { masked: false })]), server);
    expect(c!.outcome).toEqual({ kind: "fail", codes: [1002], closeFrameOptional: true });
  });

  it("offers a strict and a non-strict reading of invalid UTF-8 in a non-final fragment (§8.1)", () => {
    const candidates = expectReaction(withTail([frame(OP.text, Uint8Array.of(0x61, 0xff), { fin: false })]), server);
    expect(candidates.map((c) => [c.grade, c.outcome.kind, c.at])).toEqual([
      ["pass", "fail", 0],
      // Non-strict: answers the sentinel, fails when the kit ends the message (frame 3).
      ["warning", "fail", 2],
    ]);
  });

  it("treats non-minimal lengths as a policy: both reactions are info (§5.2)", () => {
    const candidates = expectReaction(withTail([frame(OP.binary, Uint8Array.of(1, 2), { lengthForm: "16" })]), server);
    expect(candidates.map((c) => [c.grade, c.outcome.kind])).toEqual([
      ["info", "fail"],
      ["info", "closed"],
    ]);
  });

  it("fails invalid close codes with 1002 and tolerates their acceptance only as a warning (§7.4)", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      const candidates = expectReaction(withTail([frame(OP.close, closeCode(code))]), server);
      expect(candidates.map((c) => [c.grade, c.outcome.kind])).toEqual([
        ["pass", "fail"],
        ["warning", "closed"],
      ]);
    }
    expect(expectReaction([frame(OP.close, Uint8Array.of(3))], server)[0]!.outcome).toEqual({ kind: "fail", codes: [1002] });
    expect(expectReaction([frame(OP.close, Uint8Array.of(0x03, 0xe8, 0xff))], server)[0]!.outcome).toEqual({ kind: "fail", codes: [1007] });
  });

  it("inflates compressed messages with node:zlib, with context takeover (RFC 7692)", () => {
    const agreement = agreementFor("client", parseDeflateParams([], "response") as Exclude<ReturnType<typeof parseDeflateParams>, string>);
    const deflater = new KitDeflater(false, 15);
    const one = deflater.compress(utf8("same words, same words"));
    const two = deflater.compress(utf8("same words, same words"));
    const frames = withTail([frame(OP.text, one, { rsv: RSV1 }), frame(OP.text, two, { rsv: RSV1 })]);
    const [c] = expectReaction(frames, { peerRole: "server", deflate: agreement });
    expect(c!.echoes.map((e) => new TextDecoder().decode(e.data))).toEqual(["same words, same words", "same words, same words"]);
    // Without RSV1 negotiated, the same frames are a protocol error.
    expect(expectReaction(frames, server)[0]!.outcome).toEqual({ kind: "fail", codes: [1002] });
  });
});

describe("the judge", () => {
  const frames = withTail([frame(OP.text, utf8("Hello"))]);
  const candidates = expectReaction(frames, server);

  it("passes the expected reaction", () => {
    expect(judge(candidates, obs([textEcho("Hello"), pong(SENTINEL), close(1000)]), frames, "server").grade).toBe("pass");
  });

  it("fails a missing echo and a missing pong", () => {
    expect(judge(candidates, obs([pong(SENTINEL), close(1000)]), frames, "server")).toMatchObject({ grade: "fail", notes: [expect.stringContaining("did not echo")] });
    expect(judge(candidates, obs([textEcho("Hello"), close(1000)]), frames, "server")).toMatchObject({ grade: "fail", notes: [expect.stringContaining("did not answer ping")] });
  });

  it("grades a different close code in reply as info and a server that keeps TCP open as a warning", () => {
    expect(judge(candidates, obs([textEcho("Hello"), pong(SENTINEL), close(1001)]), frames, "server").grade).toBe("info");
    expect(judge(candidates, obs([textEcho("Hello"), pong(SENTINEL), close(1000)], "timeout"), frames, "server").grade).toBe("warning");
  });

  it("fails a peer that answers frames after the point where it had to fail", () => {
    const bad = withTail([frame(5, new Uint8Array(0))]);
    const c = expectReaction(bad, server);
    expect(judge(c, obs([pong(SENTINEL), close(1000)]), bad, "server")).toMatchObject({ grade: "fail" });
    expect(judge(c, obs([close(1002)]), bad, "server").grade).toBe("pass");
    expect(judge(c, obs([close(1011)]), bad, "server").grade).toBe("warning");
    expect(judge(c, obs([], "reset"), bad, "server").grade).toBe("warning");
  });

  it("fails violations by the endpoint itself", () => {
    expect(judge(candidates, obs([textEcho("Hello"), pong(SENTINEL), close(1000), textEcho("after close")]), frames, "server").grade).toBe("fail");
    expect(judge(candidates, obs([{ type: "violation", message: "sent a masked frame" }]), frames, "server").grade).toBe("fail");
  });
});

describe("the handshake oracle (RFC 6455 §4.2.1)", () => {
  const valid = validRequest("h", "/");
  const swap = (name: string, value: string | null) => ({ ...valid, headers: [...valid.headers.filter(([n]) => n !== name), ...(value === null ? [] : [[name, value] as const])] });

  it("accepts valid requests, case-insensitively", () => {
    expect(expectHandshake(valid)[0]!.kind).toBe("accept");
    expect(expectHandshake(swap("Upgrade", "WebSocket"))[0]!.kind).toBe("accept");
    expect(expectHandshake(swap("Connection", "keep-alive, Upgrade"))[0]!.kind).toBe("accept");
  });

  it("refuses broken ones, with the version header for an unknown version", () => {
    expect(expectHandshake({ ...valid, method: "POST" })[0]).toMatchObject({ kind: "refuse", statuses: [405, 400] });
    expect(expectHandshake(swap("Sec-WebSocket-Key", "short"))[0]).toMatchObject({ kind: "refuse" });
    expect(expectHandshake(swap("Sec-WebSocket-Version", "14"))[0]).toMatchObject({ kind: "refuse", statuses: [426, 400], versionHeader: true });
    // The version header is owed only when the version is the reason for the refusal.
    expect(expectHandshake({ ...swap("Sec-WebSocket-Version", "14"), headers: [...swap("Sec-WebSocket-Version", "14").headers, ["Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw=="]] })[0]).toMatchObject({ kind: "refuse", versionHeader: false });
    // A registered draft version may still be spoken.
    expect(expectHandshake(swap("Sec-WebSocket-Version", "8")).map((c) => [c.kind, c.grade])).toEqual([
      ["refuse", "pass"],
      ["accept", "info"],
    ]);
  });
});
