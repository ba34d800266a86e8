/**
 * Replay: scenarios rebuilt from what a report recorded encode to the recorded bytes, and the
 * `replay` command reruns a hand-made report against our Node server (everything passes now) and
 * against a server that drops text messages (the finding still fails), with its exit status.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startNodeEchoServer } from "../fixtures/node-echo-server.js";
import { startCoreNetServer } from "./helpers/core-endpoints.js";
import { isUtf8, namedCases, realize, runScenario, scenarioFromResult, serverEndpoint, toHex, type ConformanceReport, type FrameScenario, type ScenarioResult, type WireFrame, type WrittenFrame } from "../src/index.js";
import { MAX_RECORDED_BYTES } from "../src/exchange.js";
import { encodeWireFrame, frame, OP } from "../src/frames.js";
import { acceptFor } from "../src/http.js";
import { GROUPS } from "../src/scenario.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** A frame scenario's record as the runner writes it: each frame cut after 512 bytes. */
function recorded(scenario: FrameScenario, role: "server" | "client"): { result: ScenarioResult; full: Uint8Array[] } {
  const script = realize(scenario.items, null);
  const full = script.map((f, i) => encodeWireFrame(f, role === "server", i));
  const record = (bytes: Uint8Array, phase: WrittenFrame["phase"]): WrittenFrame => ({ phase, hex: toHex(bytes.subarray(0, MAX_RECORDED_BYTES)), bytes: bytes.length, text: "" });
  const frames = full.map((bytes) => record(bytes, "script"));
  if (scenario.openEnded !== true) frames.push(record(encodeWireFrame(frame(OP.ping, new Uint8Array(0)), role === "server", script.length), "sentinel"));
  const result: ScenarioResult = {
    group: scenario.group,
    name: scenario.name,
    source: "case",
    grade: "fail",
    notes: [],
    expected: "",
    observed: "",
    rule: "",
    frames,
    ...(scenario.cuts === undefined ? {} : { cuts: scenario.cuts }),
    elapsedMs: 0,
  };
  return { result, full };
}

describe("rebuilding a scenario from a report", () => {
  for (const role of ["server", "client"] as const) {
    it(`encodes every named frame case (${role} under test) to the bytes the report recorded`, () => {
      for (const group of GROUPS) {
        for (const scenario of namedCases(group, role)) {
          if (scenario.kind !== "frames") continue;
          const { result, full } = recorded(scenario, role);
          const rebuilt = scenarioFromResult(result, role);
          if ("error" in rebuilt || rebuilt.scenario.kind !== "frames") throw new Error(`${scenario.name}: not rebuilt`);
          const again = rebuilt.scenario.items.map((f, i) => encodeWireFrame(f as WireFrame, role === "server", i));
          // Frames past 512 bytes keep their length and recorded start; the rest is filler.
          expect(again.map((b) => [b.length, toHex(b.subarray(0, MAX_RECORDED_BYTES))]), scenario.name).toEqual(full.map((b) => [b.length, toHex(b.subarray(0, MAX_RECORDED_BYTES))]));
          expect(rebuilt.notes.length, scenario.name).toBe(full.filter((b) => b.length > MAX_RECORDED_BYTES).length);
          expect(rebuilt.scenario.cuts, scenario.name).toEqual(scenario.cuts);
          expect(rebuilt.scenario.openEnded, scenario.name).toBe(scenario.openEnded);
          expect(rebuilt.scenario.deflate, scenario.name).toBe(group === "deflate" ? true : undefined);
        }
      }
    });
  }

  it("keeps a failing scenario's long frames whole, so that the rebuilt script is exact", async () => {
    const server = await startCoreNetServer({}, (conn, events) => {
      // Broken: text messages are never echoed.
      for (const ev of events) if (ev.type === "binary" && conn.state === "open") conn.sendBinary(ev.data);
    });
    try {
      const scenario = namedCases("limits", "server").find((s) => s.name === "256 KiB text message in 4 fragments") as FrameScenario;
      const result = await runScenario(serverEndpoint(server.url), scenario, 500);
      expect(result.grade).toBe("fail");
      const script = result.frames.filter((f) => f.phase === "script");
      expect(script.map((f) => f.hex.length)).toEqual(script.map((f) => f.bytes * 2));
      const rebuilt = scenarioFromResult(result, "server", server.url);
      if ("error" in rebuilt || rebuilt.scenario.kind !== "frames") throw new Error("not rebuilt");
      expect(rebuilt.notes).toEqual([]);
      expect(rebuilt.scenario.items.map((f, i) => toHex(encodeWireFrame(f as WireFrame, true, i)))).toEqual(script.map((f) => f.hex));
    } finally {
      await server.close();
    }
  });

  it("fills a frame the report cut short without splitting a UTF-8 sequence, and says so", () => {
    const text = frame(OP.text, new TextEncoder().encode("€".repeat(400)));
    const { result } = recorded({ kind: "frames", group: "utf8", name: "long text", items: [text] }, "server");
    const rebuilt = scenarioFromResult(result, "server");
    if ("error" in rebuilt || rebuilt.scenario.kind !== "frames") throw new Error("not rebuilt");
    const payload = (rebuilt.scenario.items[0] as typeof text).payload;
    expect(payload.length).toBe(1200);
    expect(isUtf8(payload)).toBe(true);
    expect(rebuilt.notes).toEqual([expect.stringMatching(/^script frame 1 is cut to 512 of its 1208 bytes/)]);
  });

  it("decodes the broken encodings: a 64-bit length with its MSB set that announces more than follows", () => {
    const rebuilt = scenarioFromResult({ ...recorded({ kind: "frames", group: "framing", name: "msb", items: [] }, "server").result, frames: [{ phase: "script", hex: "82ff800000000000000137fa213d", bytes: 14, text: "" }] }, "server");
    if ("error" in rebuilt || rebuilt.scenario.kind !== "frames") throw new Error("not rebuilt");
    expect(rebuilt.scenario.items).toEqual([{ fin: true, rsv: 0, opcode: OP.binary, payload: new Uint8Array(0), msb: true, declaredLength: 1 }]);
    expect(rebuilt.scenario.openEnded).toBe(true);
  });

  it("turns a recorded request back into a template for the server it is replayed against", () => {
    const request = "GET /chat?x=1 HTTP/1.0\nHost: 127.0.0.1:4000\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\nOrigin: http://127.0.0.1:4000\n\n";
    const result: ScenarioResult = { group: "handshake", name: "HTTP/1.0", source: "case", grade: "fail", notes: [], expected: "", observed: "", rule: "", frames: [], handshake: { request, response: "" }, elapsedMs: 0 };
    const rebuilt = scenarioFromResult(result, "server", "ws://127.0.0.1:4000/chat?x=1");
    expect(rebuilt).toMatchObject({ scenario: { kind: "handshake", request: { method: "GET", target: "$TARGET", version: "HTTP/1.0" } } });
    if ("error" in rebuilt || rebuilt.scenario.kind !== "handshake") throw new Error("not rebuilt");
    expect(rebuilt.scenario.request.headers).toContainEqual(["Host", "$HOST"]);
    expect(rebuilt.scenario.request.headers).toContainEqual(["Origin", "http://$HOST"]);
  });

  it("refuses a request the report abbreviated", () => {
    const request = `GET / HTTP/1.1\nHost: h\nX-Long: ${"a".repeat(120)}... (4104 characters)\n\n`;
    const result: ScenarioResult = { group: "handshake", name: "long", source: "case", grade: "fail", notes: [], expected: "", observed: "", rule: "", frames: [], handshake: { request, response: "" }, elapsedMs: 0 };
    expect(scenarioFromResult(result, "server")).toEqual({ error: expect.stringMatching(/abbreviated the request \(a header line of 4104 characters\)/) });
  });

  it("makes a recorded response's accept value fit the replay's new key", () => {
    const key = "x3JJHMbDL1EzLkh9GBhXDw==";
    const request = `GET / HTTP/1.1\nHost: 127.0.0.1:1\nSec-WebSocket-Key: ${key}\n\n`;
    const response = `HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: ${acceptFor(key)}x\n\n`;
    const result: ScenarioResult = { group: "handshake", name: "bad accept", source: "case", grade: "fail", notes: [], expected: "", observed: "", rule: "", frames: [], handshake: { request, response }, elapsedMs: 0 };
    expect(scenarioFromResult(result, "client")).toEqual({
      scenario: { kind: "response", group: "handshake", name: "bad accept", response: { status: 101, reason: "Switching Protocols", headers: [["Upgrade", "websocket"], ["Connection", "Upgrade"], ["Sec-WebSocket-Accept", "$ACCEPTx"]] } },
      notes: [],
    });
  });
});

// --- the command line ---

const finding = (extra: Partial<ScenarioResult> & Pick<ScenarioResult, "group" | "name" | "grade">): ScenarioResult => ({ source: "case", notes: [], expected: "", observed: "", rule: "", frames: [], elapsedMs: 0, ...extra });

/** A report as a person could write it: three findings against a server that is long gone. */
const HAND_MADE: ConformanceReport = {
  tool: "@wsengine/conformance",
  version: "0.1.0",
  target: { role: "server", description: "ws://127.0.0.1:1/" },
  startedAt: "2026-11-22T00:00:00.000Z",
  durationMs: 0,
  options: { seed: 1, runs: 0, timeBudgetMs: 0, timeoutMs: 1000, groups: ["framing", "utf8", "handshake"] },
  summary: { pass: 0, info: 1, warning: 1, fail: 2, skip: 0 },
  groups: [],
  results: [
    finding({
      group: "framing",
      name: "single-frame text",
      grade: "fail",
      observed: "nothing; then the kit closed TCP",
      // "Hello", masked with the kit's key for frame 0 (37fa213d); then the sentinel ping.
      frames: [
        { phase: "script", hex: "818537fa213d7f9f4d5158", bytes: 11, text: 'text len=5 "Hello"' },
        { phase: "sentinel", hex: "899137fa218c408944e250934fe91a8944e243934fe95b", bytes: 23, text: 'ping len=17 "wsengine-sentinel"' },
      ],
    }),
    finding({
      group: "utf8",
      name: "invalid UTF-8 at the end of a text frame",
      grade: "warning",
      observed: 'text "Hi\\ufffd"',
      frames: [
        { phase: "script", hex: "818337fa213d7f93de", bytes: 9, text: "text len=3 0x4869ff" },
        { phase: "sentinel", hex: "899137fa218c408944e250934fe91a8944e243934fe95b", bytes: 23, text: 'ping len=17 "wsengine-sentinel"' },
      ],
    }),
    finding({
      group: "handshake",
      name: "HTTP/1.0",
      grade: "fail",
      observed: "101",
      handshake: { request: "GET / HTTP/1.0\nHost: 127.0.0.1:1\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n", response: "" },
    }),
    // Not replayed: info is a policy, and only fail and warning are replayed by default.
    finding({ group: "framing", name: "a policy", grade: "info", frames: [{ phase: "script", hex: "818537fa213d7f9f4d5158", bytes: 11, text: "" }] }),
  ],
};

/** Run the command line; resolves with its exit status and output. */
async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/wsengine-conformance.mjs", ...args], { cwd: root });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, stdout, stderr };
}


describe("the replay command", () => {
  it("replays a hand-made report against our Node server: every finding passes now, exit status 0", async () => {
    const server = await startNodeEchoServer();
    const dir = mkdtempSync(join(tmpdir(), "wsengine-replay-"));
    try {
      const path = join(dir, "hand-made.json");
      writeFileSync(path, JSON.stringify(HAND_MADE));
      const { code, stdout, stderr } = await cli(["replay", path, "--server", server.url]);
      expect(code, stderr).toBe(0);
      const blocks = stdout.trim().split("\n\n");
      expect(blocks).toHaveLength(4);
      expect(blocks[0]).toContain("FAIL framing / single-frame text\n  script    818537fa213d7f9f4d5158\n");
      expect(blocks[0]).toMatch(/\n {2}before {4}FAIL: nothing; then the kit closed TCP\n {2}now {7}pass: .*text "Hello".*\n {2}=> passes now$/);
      expect(blocks[1]).toMatch(/^WARNING utf8 \/ invalid UTF-8 at the end of a text frame\n[^]*\n {2}now {7}pass: close 1007 .*\n {2}=> passes now$/);
      expect(blocks[2]).toMatch(/^FAIL handshake \/ HTTP\/1\.0\n {2}request {3}GET \/ HTTP\/1\.0 \(\+5 lines\)\n[^]*\n {2}now {7}pass: .*\n {2}=> passes now$/);
      expect(blocks[3]).toBe("3 finding(s) replayed: 3 pass now, 0 still fail, 0 not replayed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });

  it("says which findings still fail or cannot be replayed, exit status 1", async () => {
    const server = await startCoreNetServer({}, (conn, events) => {
      // Broken: text messages are never echoed.
      for (const ev of events) if (ev.type === "binary" && conn.state === "open") conn.sendBinary(ev.data);
    });
    const dir = mkdtempSync(join(tmpdir(), "wsengine-replay-"));
    try {
      const path = join(dir, "hand-made.json");
      const unreplayable = finding({ group: "framing", name: "still serving after the framing group", grade: "fail" });
      writeFileSync(path, JSON.stringify({ ...HAND_MADE, results: [HAND_MADE.results[0], unreplayable] }));
      const { code, stdout, stderr } = await cli(["replay", path, "--server", server.url, "--repeat", "2", "--timeout", "300", "--quiet"]);
      expect(code, stderr).toBe(1);
      expect(stderr).toBe("");
      const blocks = stdout.trim().split("\n\n");
      expect(blocks[0]).toMatch(/\n {2}now {7}FAIL \(2 of 2\): pong "wsengine-sentinel"; close 1000.*\n {12}.*"Hello".*\n {2}=> STILL FAILS$/);
      expect(blocks[1]).toMatch(/=> NOT REPLAYED: the report holds no script for it/);
      expect(blocks[2]).toBe("2 finding(s) replayed: 0 pass now, 1 still fail, 1 not replayed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });

  it("refuses a report of the other role, exit status 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wsengine-replay-"));
    try {
      const path = join(dir, "hand-made.json");
      writeFileSync(path, JSON.stringify(HAND_MADE));
      const { code, stderr } = await cli(["replay", path, "--client", "true"]);
      expect(code).toBe(2);
      expect(stderr).toContain("the report tested a server, but the target is a client");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
