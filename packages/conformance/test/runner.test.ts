/**
 * The kit end to end: against core (in memory and as a bare node:net server), our Node server
 * and client, and ws's server and client, whose known deviations must show up as findings;
 * shrinking against a deliberately broken server; and the command line.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { permessageDeflate } from "@wsengine/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceReport, type ScenarioResult, runConformance } from "../src/index.js";
import { startNodeEchoServer } from "../fixtures/node-echo-server.js";
// @ts-expect-error: a plain JavaScript fixture
import { startWsEchoServer } from "../fixtures/ws-echo-server.mjs";
import { coreEndpoint, startCoreNetServer } from "./helpers/core-endpoints.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

const worst = (report: ConformanceReport, grades: readonly string[]): ScenarioResult[] => report.results.filter((r) => grades.includes(r.grade));
const describeFindings = (results: readonly ScenarioResult[]): string[] => results.map((r) => `${r.grade} ${r.group}/${r.name}: ${r.notes[0] ?? ""}`);

describe("against core", () => {
  for (const role of ["server", "client"] as const) {
    it(`finds no failure or warning in core's ${role} (in memory)`, async () => {
      const endpoint = coreEndpoint(role, { server: { extensions: [permessageDeflate()] }, client: { extensions: [permessageDeflate()] } });
      const report = await runConformance({ target: { kind: "endpoint", endpoint }, seed: 11, runs: 10, timeBudgetMs: 3000 });
      expect(describeFindings(worst(report, ["fail", "warning"]))).toEqual([]);
      expect(report.summary.skip).toBe(0);
    });
  }

  it("finds no failure or warning in a bare node:net server built on ServerConnection", async () => {
    const server = await startCoreNetServer({ extensions: [permessageDeflate()] });
    try {
      const report = await runConformance({ target: { kind: "server", url: server.url }, seed: 12, runs: 5, timeBudgetMs: 3000, timeoutMs: 1000 });
      expect(describeFindings(worst(report, ["fail", "warning"]))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe("against the Node adapter", () => {
  it("finds no failure or warning in our server", async () => {
    const server = await startNodeEchoServer();
    try {
      const report = await runConformance({ target: { kind: "server", url: server.url }, seed: 13, runs: 5, timeBudgetMs: 3000, timeoutMs: 1000 });
      expect(describeFindings(worst(report, ["fail", "warning"]))).toEqual([]);
      // Our policies, as documented: non-minimal lengths are refused with 1002.
      expect(report.results.find((r) => r.name === "5 bytes in a 16-bit length field (non-minimal)")?.notes[0]).toMatch(/^refuses/);
    } finally {
      await server.close();
    }
  });

  it("finds no failure or warning in our client", async () => {
    const report = await runConformance({
      target: { kind: "client", command: `"${tsx}" fixtures/node-echo-client.ts`, cwd: root },
      seed: 14,
      runs: 0,
      groups: ["framing", "fragmentation", "utf8", "closing", "handshake", "deflate"],
      timeoutMs: 1000,
    });
    expect(describeFindings(worst(report, ["fail", "warning"]))).toEqual([]);
    expect(report.summary.skip).toBe(0);
  });
});

describe("against ws (a check of the kit itself)", () => {
  let report: ConformanceReport;
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    server = await startWsEchoServer();
    report = await runConformance({ target: { kind: "server", url: server.url }, seed: 15, runs: 5, timeBudgetMs: 3000, timeoutMs: 1000 });
  });
  afterAll(async () => server.close());

  const find = (name: string): ScenarioResult | undefined => report.results.find((r) => r.source === "case" && r.name === name);

  it("reports ws's non-strict UTF-8 (checked only at the end of a message) as a warning", () => {
    expect(find("invalid byte in the first fragment, message left open (fail fast)")).toMatchObject({ grade: "warning", notes: [expect.stringMatching(/^non-strict UTF-8/)] });
  });

  it("reports ws's acceptance of non-minimal lengths as a policy (info)", () => {
    expect(find("5 bytes in a 16-bit length field (non-minimal)")).toMatchObject({ grade: "info", notes: [expect.stringMatching(/^accepts non-minimal/)] });
  });

  it("reports the handshake requests ws (through node:http) accepts against RFC 6455 §4", () => {
    expect(find("HTTP/1.0")?.grade).toBe("fail");
    expect(find("no Host")?.grade).toBe("fail");
    expect(find("invalid offer: client_max_window_bits=08")?.grade).toBe("fail");
    expect(find("invalid offer: server_max_window_bits=16")?.grade).toBe("warning");
  });

  it("finds no failure in ws's framing", () => {
    expect(describeFindings(report.results.filter((r) => r.grade === "fail" && r.group !== "handshake"))).toEqual([]);
  });

  it("sees the same non-strict UTF-8 in ws's client", async () => {
    const client = await runConformance({ target: { kind: "client", command: "node fixtures/ws-echo-client.mjs", cwd: root }, seed: 16, runs: 0, groups: ["utf8", "handshake"], timeoutMs: 1000 });
    expect(client.results.find((r) => r.name === "invalid byte in the first fragment, message left open (fail fast)")?.grade).toBe("warning");
    expect(describeFindings(worst(client, ["fail"]))).toEqual([]);
  });
});


describe("shrinking and the command line", () => {
  it("shrinks a failure to a minimal byte script", async () => {
    const server = await startCoreNetServer({}, (conn, events) => {
      // Broken: text longer than 10 characters comes back cut.
      for (const ev of events) {
        if (conn.state !== "open") continue;
        if (ev.type === "text") conn.sendText(ev.data.slice(0, 10));
        else if (ev.type === "binary") conn.sendBinary(ev.data);
      }
    });
    try {
      const report = await runConformance({ target: { kind: "server", url: server.url }, seed: 17, runs: 40, groups: ["control"], cases: false, timeBudgetMs: 6000, timeoutMs: 500, maxFailuresPerGroup: 1 });
      const [failure] = report.results.filter((r) => r.grade === "fail");
      expect(failure?.reproduce).toBeDefined();
      // Shrunk to one text frame of 11 UTF-16 code units: the smallest the bug shows on.
      const script = failure!.frames.filter((f) => f.phase === "script");
      expect(script).toHaveLength(1);
      const text = new TextDecoder().decode(Buffer.from(script[0]!.hex, "hex").subarray(6).map((b, i) => b ^ [0x37, 0xfa, 0x21, 0x3d][i & 3]!));
      expect(text.length).toBe(11);
    } finally {
      await server.close();
    }
  });

  it("runs from the command line, writes JSON and Markdown, and sets the exit status", async () => {
    const server = await startNodeEchoServer();
    const dir = mkdtempSync(join(tmpdir(), "wsengine-conformance-"));
    try {
      const child = spawn(process.execPath, ["bin/wsengine-conformance.mjs", "--server", server.url, "--seed", "7", "--runs", "3", "--groups", "control,closing", "--report", dir, "--name", "cli", "--quiet"], { cwd: root });
      let stdout = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      const [code] = (await once(child, "exit")) as [number];
      expect(code).toBe(0);
      expect(stdout).toContain("(seed 7)");
      const json = JSON.parse(readFileSync(join(dir, "cli.json"), "utf8")) as ConformanceReport;
      expect(json.options).toMatchObject({ seed: 7, runs: 3, groups: ["control", "closing"] });
      expect(readFileSync(join(dir, "cli.md"), "utf8")).toContain("# WebSocket conformance report: server");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });
});
